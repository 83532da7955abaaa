/**
 * The `pulumi-intercom-export` command line: `status`, `download` and `summary`, for people.
 *
 * Configuration comes from the environment (INTERCOM_ACCESS_TOKEN, INTERCOM_REGION, INTERCOM_BASE_URL,
 * INTERCOM_API_VERSION) and the flags --region, --base-url, --api-version. The token is only ever read from the
 * environment (a flag would land in shell history and process lists) and never printed: every line written
 * goes through `redact`.
 *
 * Exit codes: 0 success, 1 the operation failed (one line on stderr naming what failed), 2 usage error (bad
 * arguments, flags or configuration).
 */
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { CONFIG_KEYS, DEFAULT_API_VERSION, RawConfig } from "../config";
import { ConfigurationError, IntercomExportError } from "../errors";
import { Logger, redact } from "../log";
import { downloadExport, STAGING_PREFIX } from "../download/download";
import { downloadClient } from "../download/http";
import { ENGAGEMENTS, summarizeExport } from "../download/summary";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  keyValues,
  table,
  truncate,
} from "./format";
import { progressReporter } from "./progress";

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const NAME = "pulumi-intercom-export";

interface GlobalOptions {
  region?: string;
  baseUrl?: string;
  apiVersion?: string;
}

/** What failed, for the one-line error message. */
class Failure extends Error {
  constructor(
    readonly what: string,
    readonly error: unknown,
  ) {
    super(what);
  }
}

/** Runs the CLI with `argv` (as process.argv: node, script, ...args) and returns the exit code. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const token = io.env.INTERCOM_ACCESS_TOKEN;
  const clean = (text: string) => redact(text, [token]);
  const print = (text: string) => io.stdout.write(`${clean(text)}\n`);
  const printErr = (text: string) => io.stderr.write(`${clean(text)}\n`);
  const log: Logger = { info: () => undefined, warn: (m) => printErr(`warning: ${m}`) };

  const program = new Command(NAME)
    .description("Intercom content data exports: check a job, download its CSV files, summarize them.")
    .addOption(new Option("--region <region>", "Intercom region: us, eu or au (env INTERCOM_REGION)"))
    .addOption(
      new Option("--base-url <url>", "Intercom API base URL, overrides --region (env INTERCOM_BASE_URL)"),
    )
    .addOption(
      new Option(
        "--api-version <version>",
        "Intercom-Version header (env INTERCOM_API_VERSION; default 2.8)",
      ),
    )
    .addHelpText(
      "after",
      "\nThe access token is read from INTERCOM_ACCESS_TOKEN and is never printed.\n" +
        "Exit codes: 0 success, 1 failure, 2 usage error.",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(clean(s)),
      writeErr: (s) => io.stderr.write(clean(s)),
    });

  const config = (cmd: Command): RawConfig => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const raw: RawConfig = {};
    if (g.region) raw.region = g.region;
    if (g.baseUrl) raw.baseUrl = g.baseUrl;
    if (g.apiVersion) raw.apiVersion = g.apiVersion;
    checkApiVersion(raw.apiVersion ?? io.env.INTERCOM_API_VERSION);
    return raw;
  };

  program
    .command("status")
    .description("show an export job's status, download URL and expiry")
    .argument("<job>", "the job identifier")
    .option("--json", "print the job as JSON")
    .action(async (job: string, opts: { json?: boolean }, cmd: Command) => {
      let state;
      try {
        const { client } = downloadClient(config(cmd), io.env, log);
        state = await client.getExport(job);
      } catch (e) {
        throw new Failure(`status of job ${job}`, e);
      }
      const expires = /^\d+$/.test(state.downloadExpiresAt)
        ? Number(state.downloadExpiresAt) * 1000
        : undefined;
      if (opts.json) {
        print(
          JSON.stringify({
            jobIdentifier: state.jobIdentifier,
            status: state.status,
            downloadUrl: state.downloadUrl,
            downloadExpiresAt: state.downloadExpiresAt,
            downloadExpiresAtIso: expires ? new Date(expires).toISOString() : "",
          }),
        );
        return;
      }
      const left = expires !== undefined ? expires - Date.now() : undefined;
      const download =
        state.downloadUrl ||
        (state.status === "no_data" ? "(none: no messages were sent in the range)" : "(none yet)");
      const expiry =
        expires === undefined
          ? "-"
          : `${new Date(expires).toISOString()} (${left! > 0 ? `in ${formatDuration(left!)}` : "expired"})`;
      print(
        keyValues([
          ["job", state.jobIdentifier],
          ["status", state.rawStatus],
          ["download", download],
          ["expires", expiry],
        ]),
      );
    });

  program
    .command("download")
    .description("download a completed export's CSV files into a folder (verified, written atomically)")
    .argument("<job>", "the job identifier, or a download URL")
    .requiredOption("-o, --out <dir>", "destination folder (created if missing)")
    .option("--attempts <n>", "downloads from scratch after a truncated or corrupt body", parsePositiveInt, 3)
    .option("--no-progress", "no progress display")
    .action(async (job: string, opts: { out: string; attempts: number; progress: boolean }, cmd: Command) => {
      const byUrl = /^https?:\/\//i.test(job);
      const mode = !opts.progress ? "none" : io.stderr.isTTY ? "bar" : "lines";
      const progress = progressReporter(io.stderr, mode);
      const started = Date.now();
      const outDir = resolve(opts.out);
      const missing = firstMissingFolder(outDir);
      // Interrupted (Ctrl-C): remove this run's staging folder (and the folders the download made for it), so
      // nothing partial is left behind.
      const interrupted = (signal: NodeJS.Signals) => {
        progress.done(false);
        removeStaging(outDir, started);
        if (missing !== undefined) removeEmptyFolders(outDir, missing);
        printErr(
          `${NAME}: download of ${byUrl ? "the export" : `job ${job}`} interrupted (${signal}); partial files removed`,
        );
        process.exit(130);
      };
      process.on("SIGINT", interrupted).on("SIGTERM", interrupted);
      let files;
      try {
        files = await downloadExport({
          jobIdentifier: byUrl ? undefined : job,
          downloadUrl: byUrl ? job : undefined,
          outDir: opts.out,
          config: config(cmd),
          env: io.env,
          maxAttempts: opts.attempts,
          onProgress: (p) => progress.onProgress(p),
          log,
        });
      } catch (e) {
        throw new Failure(`download of ${byUrl ? "the export" : `job ${job}`}`, e);
      } finally {
        process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
        progress.done();
      }
      if (files.length === 0) {
        print(`Job ${job} has no data (no messages were sent in its range): nothing to download.`);
        return;
      }
      const rows = files.reduce((n, f) => n + f.rows, 0);
      const bytes = files.reduce((n, f) => n + f.bytes, 0);
      const dir = dirname(files[0].file);
      print(
        `Downloaded ${files.length} file${files.length === 1 ? "" : "s"} to ${dir} ` +
          `(${formatCount(rows)} rows, ${formatBytes(bytes)}, ${formatDuration(Date.now() - started)})`,
      );
      print(
        table(
          [
            { header: "FILE" },
            { header: "STATISTIC" },
            { header: "ROWS", align: "right" },
            { header: "SIZE", align: "right" },
          ],
          files.map((f) => [f.name, f.statistic, formatCount(f.rows), formatBytes(f.bytes)]),
          "  ",
        ),
      );
    });

  program
    .command("summary")
    .description(
      "per content type and title: receipts and open/click/reply/unsubscribe/bounce counts and rates",
    )
    .argument("<dir>", "a folder holding a downloaded export (its receipts CSV)")
    .option("--json", "print the summary as JSON")
    .option("--title-width <n>", "cut longer titles to this many characters", parsePositiveInt, 40)
    .action(async (dir: string, opts: { json?: boolean; titleWidth: number }) => {
      let summary;
      try {
        summary = await summarizeExport(dir);
      } catch (e) {
        throw new Failure(`summary of ${dir}`, e);
      }
      if (opts.json) {
        print(JSON.stringify(summary, null, 2));
        return;
      }
      const LABEL: Record<(typeof ENGAGEMENTS)[number], [string, string]> = {
        open: ["OPENS", "OPEN%"],
        click: ["CLICKS", "CLICK%"],
        reply: ["REPLIES", "REPLY%"],
        unsubscribe: ["UNSUBS", "UNSUB%"],
        bounce: ["BOUNCES", "BOUNCE%"],
      };
      const columns = [
        { header: "CONTENT TYPE" },
        { header: "TITLE" },
        { header: "RECEIPTS", align: "right" as const },
        ...ENGAGEMENTS.flatMap((e) => [
          { header: LABEL[e][0], align: "right" as const },
          { header: LABEL[e][1], align: "right" as const },
        ]),
      ];
      const row = (type: string, title: string, s: (typeof summary)["total"]) => [
        type,
        truncate(title, opts.titleWidth),
        formatCount(s.receipts),
        ...ENGAGEMENTS.flatMap((e) => [formatCount(s.counts[e]), formatPercent(s.rates[e])]),
      ];
      print(`Receipts in ${summary.files.join(", ")}; counts are receipts with at least one such event.`);
      print(
        table(columns, [
          ...summary.content.map((c) => row(c.contentType, c.contentTitle, c)),
          row("TOTAL", "", summary.total),
        ]),
      );
    });

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const what = e instanceof Failure ? e.what : "command";
    const cause = e instanceof Failure ? e.error : e;
    const message = cliMessage(cause);
    printErr(`${NAME}: ${what} failed: ${message.replace(/\s*\n\s*/g, " ")}`);
    return isUsageError(cause) ? 2 : 1;
  }
}

/** Removes staging folders of downloads started at or after `since` (this run's) from `dir`. */
function removeStaging(dir: string, since: number): void {
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.startsWith(STAGING_PREFIX) && statSync(path).mtimeMs >= since - 1000) {
        rmSync(path, { recursive: true, force: true });
      }
    }
  } catch {
    // the folder may not exist yet
  }
}

/** The outermost folder of `dir` (or `dir` itself) that does not exist yet, or undefined when `dir` exists. */
function firstMissingFolder(dir: string): string | undefined {
  let missing: string | undefined;
  for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing = d;
  return missing;
}

/** Removes `dir` and its parents up to `last`, each only while empty. */
function removeEmptyFolders(dir: string, last: string): void {
  for (let d = dir; ; d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty, or not there
    }
    if (d === last || dirname(d) === d) return;
  }
}

/** The flag that sets each configuration key here; the token has none (it is read from the environment only). */
const CONFIG_FLAGS: Record<string, string | undefined> = {
  [CONFIG_KEYS.region.key]: "--region",
  [CONFIG_KEYS.baseUrl.key]: "--base-url",
  [CONFIG_KEYS.apiVersion.key]: "--api-version",
};

/**
 * An error's message as the CLI shows it. The provider's configuration errors name the stack-config key
 * (`intercom:region (or INTERCOM_REGION) …`); here that key is the flag, and a key without a flag (the token)
 * has no stack-config alternative to offer.
 */
function cliMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!(e instanceof ConfigurationError) || !e.key) return message;
  const flag = CONFIG_FLAGS[e.key];
  if (flag) return message.split(e.key).join(flag);
  return message.replace(new RegExp(` \\(or ${e.key.replace(/[^\w]/g, "\\$&")}[^)]*\\)`), "");
}

/** The content data export API exists from Intercom-Version 2.5 on: an older version cannot work. */
function checkApiVersion(version: string | undefined): void {
  const m = /^\s*(\d+)\.(\d+)\s*$/.exec(version ?? "");
  if (!m) return; // the default, Preview/Unstable, or malformed (which the provider's check reports)
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 2 || (major === 2 && minor < 5)) {
    throw new ConfigurationError(
      `--api-version (or ${CONFIG_KEYS.apiVersion.env}) ${version!.trim()} is too old: the content data export ` +
        `API exists from 2.5 on; use 2.5 or later (the default is ${DEFAULT_API_VERSION})`,
      CONFIG_KEYS.apiVersion.key,
    );
  }
}

function isUsageError(e: unknown): boolean {
  return (
    e instanceof ConfigurationError || (e instanceof IntercomExportError && e.name === "ConfigurationError")
  );
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) {
    throw new InvalidArgumentError("must be a positive whole number"); // a usage error: exit 2
  }
  return n;
}
