/**
 * The provider lifecycle of ContentDataExportDownload: the files of an export, downloaded during `pulumi up`.
 *
 * create downloads (once); the outputs list the files with their statistic, rows, size and SHA-256, so later
 * resources can depend on them. A new job, URL or folder replaces the resource (a new download). When
 * `redownloadWhenMissing` is on, diff also asks for a replacement when a recorded file is gone or changed size
 * on this machine (a fresh CI checkout), so the files are there again after the next `pulumi up`. delete keeps
 * the files unless `deleteOnDestroy`. No request is made in check, diff, read or delete.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { RawConfig, readStackConfig } from "../config";
import { IntercomExportError } from "../errors";
import { runtimeSeams, withoutProvider } from "../lifecycle";
import { createLogger, redact } from "../log";
import { UNKNOWN, unknownPropertyFailure } from "../schema";
import { downloadExport } from "./download";

type Props = Record<string, unknown>;

export interface DownloadResourceOptions {
  /** Downloads from scratch after a truncated or corrupt body, in all: 1 to 10. @default 3 */
  maxAttempts: number;
  /** Download again (replace) when a recorded file is missing or changed size on this machine. @default true */
  redownloadWhenMissing: boolean;
  /** Delete the downloaded files (those still as downloaded) when the resource is deleted or replaced. @default false */
  deleteOnDestroy: boolean;
}

export const DOWNLOAD_DEFAULTS: DownloadResourceOptions = {
  maxAttempts: 3,
  redownloadWhenMissing: true,
  deleteOnDestroy: false,
};
const OPTION_KEYS = Object.keys(DOWNLOAD_DEFAULTS) as (keyof DownloadResourceOptions)[];
/** Inputs that name what is downloaded where: a change means a new download. */
const SOURCE_KEYS = ["jobIdentifier", "downloadUrl", "outDir"] as const;
/** Every input the resource takes (Pulumi adds `__provider` to every dynamic resource's inputs). */
const INPUT_KEYS: readonly string[] = [...SOURCE_KEYS, ...OPTION_KEYS];

/** One file in the outputs. */
export interface DownloadedFileOutput {
  /** Absolute path on the machine that downloaded it. */
  file: string;
  name: string;
  statistic: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ContentDataExportDownloadOutputs extends DownloadResourceOptions {
  /** As given ("" when the download was by URL). */
  jobIdentifier: string;
  /** As given ("" when the download was by job id). */
  downloadUrl: string;
  /** As given (relative paths are relative to the Pulumi project folder). */
  outDir: string;
  /** outDir made absolute. */
  outDirPath: string;
  files: DownloadedFileOutput[];
  totalRows: number;
  totalBytes: number;
  /** ISO-8601. */
  downloadedAt: string;
}

/** For tests: the wait between attempts. */
export const downloadSeams: { retryDelayMs: number } = { retryDelayMs: 1000 };

let stackConfig: RawConfig = {};

export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  stackConfig = readStackConfig(req.config);
}

/** For tests: set the stack config as `configure` would. */
export function setDownloadStackConfig(raw: RawConfig): void {
  stackConfig = { ...raw };
}

const isUnknown = (v: unknown) => v === UNKNOWN;
const given = (v: unknown) => v !== undefined && v !== null && v !== "";

export function checkDownloadInputs(news: Props): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  // A misspelled option would otherwise be ignored without a word. Unset values (the outputs the resource
  // declares) are not inputs; an unknown (preview) value under an unknown name is still a wrong name.
  for (const [key, value] of Object.entries(news)) {
    if (value !== undefined && key !== "__provider" && !INPUT_KEYS.includes(key)) {
      failures.push(unknownPropertyFailure(key, INPUT_KEYS));
    }
  }
  const { jobIdentifier, downloadUrl, outDir } = news;
  if (given(jobIdentifier) && given(downloadUrl)) {
    fail("downloadUrl", "give either jobIdentifier or downloadUrl, not both");
  } else if (!given(jobIdentifier) && !given(downloadUrl)) {
    fail("jobIdentifier", "jobIdentifier (e.g. `exp.jobIdentifier`) or downloadUrl is required");
  }
  if (given(jobIdentifier) && !isUnknown(jobIdentifier) && typeof jobIdentifier !== "string") {
    fail("jobIdentifier", "must be a string");
  }
  if (given(downloadUrl) && !isUnknown(downloadUrl)) {
    if (typeof downloadUrl !== "string" || !/^https?:\/\/[^/\s]+/i.test(downloadUrl)) {
      fail("downloadUrl", "must be an http(s) URL");
    }
  }
  if (!isUnknown(outDir) && (typeof outDir !== "string" || outDir.trim() === "")) {
    fail("outDir", "a folder path is required (relative paths are relative to the Pulumi project)");
  }
  const { maxAttempts } = news;
  if (maxAttempts !== undefined && !isUnknown(maxAttempts)) {
    if (
      typeof maxAttempts !== "number" ||
      !Number.isInteger(maxAttempts) ||
      maxAttempts < 1 ||
      maxAttempts > 10
    ) {
      fail("maxAttempts", "must be an integer from 1 to 10");
    }
  }
  for (const key of ["redownloadWhenMissing", "deleteOnDestroy"]) {
    const v = news[key];
    if (v !== undefined && !isUnknown(v) && typeof v !== "boolean") fail(key, "must be true or false");
  }
  return failures;
}

function options(props: Props): DownloadResourceOptions {
  const out = { ...DOWNLOAD_DEFAULTS };
  for (const key of OPTION_KEYS) {
    const v = props[key];
    if (v !== undefined && v !== null && !isUnknown(v)) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

export async function check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  return { inputs: news, failures: checkDownloadInputs(news) };
}

export async function diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  const replaces: string[] = SOURCE_KEYS.filter((k) => isUnknown(news[k]) || str(olds[k]) !== str(news[k]));
  const after = options(news);
  const before = options(olds);
  if (replaces.length === 0 && after.redownloadWhenMissing && (await filesChanged(olds)))
    replaces.push("files");
  const optionChanged = OPTION_KEYS.some((k) => isUnknown(news[k]) || before[k] !== after[k]);
  return {
    changes: replaces.length > 0 || optionChanged,
    replaces,
    // Deleting after the replacement was written would remove the new files (same names, same folder).
    deleteBeforeReplace: replaces.length > 0 && before.deleteOnDestroy,
  };
}

export async function create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
  const failures = checkDownloadInputs(inputs);
  if (failures.length > 0) throw new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  const opts = options(inputs);
  const jobIdentifier = given(inputs.jobIdentifier) ? String(inputs.jobIdentifier) : "";
  const downloadUrl = given(inputs.downloadUrl) ? String(inputs.downloadUrl) : "";
  const outDir = String(inputs.outDir);
  const env = runtimeSeams.env;
  const secrets = () => [stackConfig.accessToken ?? env.INTERCOM_ACCESS_TOKEN];
  const log = createLogger(secrets);
  let files;
  try {
    files = await downloadExport({
      jobIdentifier: jobIdentifier || undefined,
      downloadUrl: downloadUrl || undefined,
      outDir,
      config: stackConfig,
      env,
      maxAttempts: opts.maxAttempts,
      retryDelayMs: downloadSeams.retryDelayMs,
      requestTimeoutMs: runtimeSeams.requestTimeoutMs,
      retry: runtimeSeams.retry,
      log,
    });
  } catch (e) {
    // Nothing was created (nothing is left on disk either): a plain failure, token scrubbed.
    const err = new Error(redact(e instanceof Error ? e.message : String(e), secrets()));
    err.name = e instanceof IntercomExportError ? e.name : "Error";
    throw err;
  }
  const outs: ContentDataExportDownloadOutputs = {
    ...opts,
    jobIdentifier,
    downloadUrl,
    outDir,
    outDirPath: resolve(outDir),
    files: files.map((f) => ({ ...f })),
    totalRows: files.reduce((n, f) => n + f.rows, 0),
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
    downloadedAt: new Date(runtimeSeams.clock.now()).toISOString(),
  };
  const id = jobIdentifier || `url-${createHash("sha256").update(downloadUrl).digest("hex").slice(0, 16)}`;
  return { id, outs: outs as unknown as Props };
}

export async function read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  return { id, props: withoutProvider(props) };
}

export async function update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  // Only options reach here (any source change is a replacement).
  return { outs: { ...withoutProvider(olds), ...options(news) } };
}

export async function del(_id: string, props: Props): Promise<void> {
  if (!options(props).deleteOnDestroy) return;
  const log = createLogger(() => []);
  for (const f of recordedFiles(props)) {
    // Only a file still exactly as downloaded is removed: anything else is someone's and stays.
    if ((await sha256Of(f.path)) === f.sha256) await unlink(f.path).catch(() => undefined);
    else log.info(`left ${f.path} in place: it is missing or changed since it was downloaded`);
  }
}

/** A recorded file that is missing or has another size now. Cheap: one stat per file, no hashing. */
async function filesChanged(olds: Props): Promise<boolean> {
  for (const f of recordedFiles(olds)) {
    const s = await stat(f.path).catch(() => undefined);
    if (!s || !s.isFile() || s.size !== f.bytes) return true;
  }
  return false;
}

function recordedFiles(props: Props): { path: string; bytes: number; sha256: string }[] {
  const files = Array.isArray(props.files) ? (props.files as Partial<DownloadedFileOutput>[]) : [];
  // Paths are re-derived from outDir and the name, so state written on another machine still applies here.
  const dir = typeof props.outDir === "string" ? resolve(props.outDir) : undefined;
  return files
    .filter((f) => typeof f.name === "string")
    .map((f) => ({
      path: dir ? resolve(dir, f.name!) : String(f.file),
      bytes: Number(f.bytes),
      sha256: String(f.sha256),
    }));
}

async function sha256Of(path: string): Promise<string | undefined> {
  try {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest("hex");
  } catch {
    return undefined;
  }
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

export const downloadLifecycle: pulumi.dynamic.ResourceProvider = {
  configure,
  check,
  diff,
  create,
  read,
  update,
  delete: del,
};
