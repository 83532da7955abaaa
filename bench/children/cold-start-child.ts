/**
 * Child process for benchmark 2: what Pulumi's dynamic-provider process does with a resource's `__provider`
 * (`requireFromString(text).handler()`, working directory = the project), then configure, check and create
 * against the emulator named by INTERCOM_BASE_URL. Prints `RESULT {...}` with timestamps (ms since the process
 * started, `performance.timeOrigin`).
 */
import * as fs from "node:fs";

async function main(): Promise<void> {
  const booted = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFromString = require("require-from-string") as (code: string) => { handler(): unknown };
  const text = fs.readFileSync(process.env.PROVIDER_FILE!, "utf8");
  const provider = requireFromString(text).handler() as {
    configure?(req: unknown): Promise<void>;
    check(olds: unknown, news: Record<string, unknown>): Promise<{ inputs: Record<string, unknown> }>;
    create(inputs: Record<string, unknown>): Promise<{ id: string }>;
  };
  const loaded = performance.now();
  // Stack config is empty: the token and the emulator's URL come from the environment, for both providers.
  await provider.configure?.({ config: { get: () => undefined, require: () => undefined } });
  const inputs = { ...(JSON.parse(process.env.INPUTS!) as Record<string, unknown>), __provider: text };
  const checked = await provider.check({}, inputs);
  const creating = performance.now();
  const result = await provider.create(checked.inputs);
  const created = performance.now();
  const times = { timeOrigin: performance.timeOrigin, booted, loaded, creating, created, id: result.id };
  process.stdout.write(`RESULT ${JSON.stringify(times)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
