#!/usr/bin/env node
/** Entry point of the `pulumi-intercom-export` command (package.json `bin`). See ./program.ts. */
import { redact } from "../log";
import { run } from "./program";

// A reader that stops early (`| head`) closes the pipe: that is the end of the output, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

run(process.argv, { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // run() reports its own failures; this is a bug in the CLI itself.
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(
      `pulumi-intercom-export: internal error: ${redact(message, [process.env.INTERCOM_ACCESS_TOKEN])}\n`,
    );
    process.exitCode = 1;
  },
);
