#!/usr/bin/env node
/**
 * Runs the emulator as a process:
 *   node dist/emulator/cli.js --port 8787 --token T [--pending-ms 300] [--in-progress-ms 700] [--outcome auto]
 * Prints exactly one line, `Intercom emulator listening on http://127.0.0.1:PORT`, and stops on SIGTERM/SIGINT.
 * Tokens: every --token, plus $INTERCOM_EMULATOR_TOKEN; the default token only when neither is given.
 */
import { parseArgs } from "node:util";
import { validateOptionUpdate, type EmulatorOptions } from "./options";
import { startEmulator } from "./server";

const USAGE = `Usage: node dist/emulator/cli.js [options]
  --port N                      listening port (default 0 = any free port)
  --host H                      listening address (default 127.0.0.1)
  --token T                     valid bearer token; repeatable (also $INTERCOM_EMULATOR_TOKEN)
  --pending-ms N                time a job stays pending (default 300)
  --in-progress-ms N            then in_progress (default 700)
  --outcome auto|completed|no_data|failed
  --download-format zip|gzip-csv|csv
  --accept-header strict|tolerate
  --id-key job_identifier|job_identfier
  --completed-status completed|complete
  --failed-as-504               failed jobs answer the status call with HTTP 504
  --forget-expired-jobs         expired jobs answer 404
  --range-mode whole-days|exact
  --legacy-messages-paths       also serve /export/messages/data and /download/messages/data
  --receipts-per-day N          (default 40)
  --target-download-bytes N     pad downloads to about N bytes
  --download-base-url URL       host used in download_url
  --download-ttl-seconds N      (default 172800)
  --rate-limit N                requests per 10 s window (default 166)
  --seed N                      synthetic data seed`;

/** CLI flags whose value is an integer option, and the option they set. */
const INTEGER_FLAGS = {
  "pending-ms": "pendingMs",
  "in-progress-ms": "inProgressMs",
  "receipts-per-day": "receiptsPerDay",
  "target-download-bytes": "targetDownloadBytes",
  "download-ttl-seconds": "downloadTtlSeconds",
  "rate-limit": "rateLimit",
  seed: "dataSeed",
} as const;
const STRING_FLAGS = {
  outcome: "outcome",
  "download-format": "downloadFormat",
  "accept-header": "acceptHeader",
  "id-key": "idKey",
  "completed-status": "completedStatus",
  "range-mode": "rangeMode",
  "download-base-url": "downloadBaseUrl",
} as const;
const BOOLEAN_FLAGS = {
  "failed-as-504": "failedAs504",
  "forget-expired-jobs": "forgetExpiredJobs",
  "legacy-messages-paths": "legacyMessagesPaths",
} as const;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parseOptions(argv: string[]): Partial<EmulatorOptions> {
  const stringOptions = Object.fromEntries(
    [...Object.keys(INTEGER_FLAGS), ...Object.keys(STRING_FLAGS), "port", "host"].map((k) => [
      k,
      { type: "string" as const },
    ]),
  );
  const booleanOptions = Object.fromEntries(
    [...Object.keys(BOOLEAN_FLAGS), "help"].map((k) => [k, { type: "boolean" as const }]),
  );
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...stringOptions, ...booleanOptions, token: { type: "string", multiple: true } },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }

  const integer = (flag: string, text: string): number => {
    if (!/^-?\d+$/.test(text)) fail(`--${flag} must be an integer, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const update: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(INTEGER_FLAGS)) {
    if (typeof values[flag] === "string") update[key] = integer(flag, values[flag] as string);
  }
  for (const [flag, key] of Object.entries(STRING_FLAGS)) {
    if (typeof values[flag] === "string") update[key] = values[flag];
  }
  for (const [flag, key] of Object.entries(BOOLEAN_FLAGS)) {
    if (values[flag] === true) update[key] = true;
  }
  const tokens = [...((values.token as string[] | undefined) ?? [])];
  const envToken = process.env.INTERCOM_EMULATOR_TOKEN;
  if (envToken) tokens.push(envToken);
  if (tokens.length) update.tokens = tokens;

  const checked = validateOptionUpdate(update);
  if (!checked.ok) fail(checked.problems.join("\n"));
  const options: Partial<EmulatorOptions> = { ...checked.update };
  if (typeof values.port === "string") options.port = integer("port", values.port);
  if (typeof values.host === "string") options.host = values.host;
  return options;
}

async function main(): Promise<void> {
  const emulator = await startEmulator(parseOptions(process.argv.slice(2)));
  process.stdout.write(`Intercom emulator listening on ${emulator.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`Intercom emulator failed to start: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
