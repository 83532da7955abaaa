/** Entry point of the backfill example (`main: bin/index.js` once built): see program.ts. */
import { program } from "./program";

export = program;
