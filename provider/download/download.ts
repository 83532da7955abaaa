/**
 * `downloadExport`: a completed content data export, from Intercom to CSV files in a folder.
 *
 * Each attempt streams the body to a private staging folder inside `outDir`, verifies and unpacks it there,
 * and only when every file is complete and verified are the files renamed into `outDir` (a rename within one
 * file system is atomic, so a destination file is either absent, the previous version, or the complete new
 * one). A truncated or corrupt body is downloaded again from scratch, a bounded number of times. On failure
 * the staging folder is removed, and so is outDir when this call made it (while empty): nothing is left behind.
 */
import { mkdir, mkdtemp, rename, rm, rmdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { IntercomClient } from "../client/client";
import type { RetryOptions } from "../client/retry";
import { RawConfig } from "../config";
import {
  AuthenticationError,
  ConfigurationError,
  DownloadExpiredError,
  DownloadFormatError,
  DownloadIntegrityError,
  DownloadNotReadyError,
  IntercomApiError,
  NotFoundError,
} from "../errors";
import { Logger, silentLogger } from "../log";
import { downloadClient, openDownload, receiveBody } from "./http";
import { readHead, sniffFormat } from "./sniff";
import { CRC32_AVAILABLE } from "./stats";
import { BodyError, StagedFile, suggestedFileName, unpack } from "./unpack";

export interface DownloadExportOptions {
  /** The job to download (from the configured Intercom host's documented download path). */
  jobIdentifier?: string;
  /** Or a download URL as the job returned it. The token is sent only if it is on the configured host. */
  downloadUrl?: string;
  /**
   * Destination folder; created if missing (and removed again if the download fails). Files already there
   * under the same names are replaced.
   */
  outDir: string;
  /**
   * A client to use instead of one built from `config`. Its fetch (cross-fetch, i.e. node-fetch 2) does not
   * notice a body cut short when the response has a Content-Length: only `idleTimeoutMs` then ends the attempt.
   * The client built here notices at once.
   */
  client?: IntercomClient;
  /** Configuration as the stack-config keys (`accessToken`, `region`, `baseUrl`, `apiVersion`); missing keys come from INTERCOM_* environment variables. */
  config?: RawConfig;
  /** Environment for the fallbacks. @default process.env */
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: DownloadProgress) => void;
  /** Downloads from scratch after a truncated or corrupt body, in all. @default 3 */
  maxAttempts?: number;
  /** Wait before the second attempt; doubles for each later one. @default 1000 */
  retryDelayMs?: number;
  /** A body that delivers nothing for this long is abandoned (and retried). @default 60000 */
  idleTimeoutMs?: number;
  /** Timeout for the status request and for the download's headers. @default 30000 */
  requestTimeoutMs?: number;
  /** The client's retry policy for requests that fail before any body arrives (5xx, resets). */
  retry?: Partial<RetryOptions>;
  log?: Logger;
}

export interface DownloadProgress {
  /** `download`: body bytes arriving; `unpack`: CSV bytes written. */
  phase: "download" | "unpack";
  attempt: number;
  bytes: number;
  /** Content-Length while downloading (when sent); the archive's total uncompressed size while unpacking a ZIP. */
  totalBytes?: number;
  /** While unpacking: the file being written. */
  file?: string;
}

export interface DownloadedFile {
  /** Absolute path of the file. */
  file: string;
  /** File name, e.g. `receipt_20240701.csv`. */
  name: string;
  /** Statistic from the name (`receipt`, `open`, `click`, `hard_bounce`…; the docs' `receipts` is `receipt`). */
  statistic: string;
  /** Data rows, header excluded; a quoted line break does not start a row. */
  rows: number;
  bytes: number;
  /** SHA-256 of the file, hex. */
  sha256: string;
}

/** Each attempt stages its files in a hidden folder of this prefix inside outDir, removed when it ends. */
export const STAGING_PREFIX = ".intercom-download-";

/**
 * Downloads a completed export to `outDir` and returns its CSV files. A job whose status is `no_data` yields
 * `[]` (Intercom found nothing in the range and serves no file).
 *
 * Throws DownloadExpiredError (404/410, the two-day window is over), DownloadNotReadyError (job not
 * completed), DownloadIntegrityError (every attempt was truncated or corrupt), DownloadFormatError (unsafe or
 * unusable content), or the client's errors (AuthenticationError…).
 */
export async function downloadExport(options: DownloadExportOptions): Promise<DownloadedFile[]> {
  const { jobIdentifier, downloadUrl } = options;
  if (!jobIdentifier === !downloadUrl) {
    throw new ConfigurationError("downloadExport needs exactly one of jobIdentifier and downloadUrl");
  }
  if (!options.outDir) throw new ConfigurationError("downloadExport needs outDir");
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigurationError(`maxAttempts must be a positive integer; got ${maxAttempts}`);
  }
  const log = options.log ?? silentLogger;
  const made = options.client
    ? undefined
    : downloadClient(options.config ?? {}, options.env ?? process.env, log, {
        requestTimeoutMs: options.requestTimeoutMs,
        retry: options.retry,
      });
  const client = options.client ?? made!.client;
  const abortBody = made ? made.abortBody : () => undefined;
  const outDir = resolve(options.outDir);
  const target = jobIdentifier ?? downloadUrl!;
  const shownUrl = redactUrl(
    downloadUrl ?? `${client.baseUrl}/download/content/data/${encodeURIComponent(jobIdentifier!)}`,
  );

  let expiresAt = "";
  if (jobIdentifier) {
    // The status first: it tells "not finished" and "no data" apart from "expired", which a 404 cannot.
    let job;
    try {
      job = await client.getExport(jobIdentifier);
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new DownloadExpiredError(
          jobIdentifier,
          shownUrl,
          `Intercom does not know the job (HTTP 404 ${withoutFinalPeriod(e.intercomMessage)}): the id is mistyped, or the job expired and was forgotten`,
          e,
        );
      }
      throw e;
    }
    if (job.status === "no_data") {
      log.info(`job ${jobIdentifier} finished with no_data: nothing to download`);
      return [];
    }
    if (job.status !== "completed") throw new DownloadNotReadyError(jobIdentifier, job.rawStatus);
    expiresAt = job.downloadExpiresAt;
  }
  if (!CRC32_AVAILABLE)
    log.warn("this Node.js has no zlib.crc32 (Node < 20.15): ZIP entry CRCs are not checked");

  // The first folder made for outDir (undefined when it existed): a failed download removes what it made.
  const madeFolder = await mkdir(outDir, { recursive: true });
  try {
    for (let attempt = 1; ; attempt++) {
      const staging = await mkdtemp(join(outDir, STAGING_PREFIX));
      try {
        const staged = await attemptOnce(client, target, staging, attempt, options, abortBody);
        const files: DownloadedFile[] = [];
        for (const s of staged) {
          const file = join(outDir, s.name);
          await rename(s.stagedPath, file);
          files.push({
            file,
            name: s.name,
            statistic: s.statistic,
            rows: s.rows,
            bytes: s.bytes,
            sha256: s.sha256,
          });
        }
        log.info(
          `downloaded ${files.length} file${files.length === 1 ? "" : "s"} to ${outDir} ` +
            `(${files.reduce((n, f) => n + f.rows, 0)} rows)`,
        );
        return files;
      } catch (e) {
        if (e instanceof NotFoundError || (e instanceof IntercomApiError && e.status === 410)) {
          const when = !/^\d+$/.test(expiresAt)
            ? ""
            : Number(expiresAt) * 1000 <= Date.now()
              ? `; the job's download expired at ${iso(expiresAt)}`
              : `; the job gave ${iso(expiresAt)} as its expiry`;
          throw new DownloadExpiredError(
            jobIdentifier,
            shownUrl,
            `HTTP ${e.status} ${withoutFinalPeriod(e.intercomMessage)}${when}`,
            e,
          );
        }
        if (e instanceof AuthenticationError && downloadUrl)
          throw tokenNotSent(e, downloadUrl, client.baseUrl);
        if (!(e instanceof BodyError)) throw e;
        if (!e.retryable) throw new DownloadFormatError(shownUrl, e.message);
        if (attempt >= maxAttempts) throw new DownloadIntegrityError(shownUrl, e.message, attempt);
        const delay = (options.retryDelayMs ?? 1000) * 2 ** (attempt - 1);
        log.warn(
          `download attempt ${attempt}/${maxAttempts} failed: ${e.message}; starting over in ${delay} ms`,
        );
        await new Promise((r) => setTimeout(r, delay));
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    }
  } catch (e) {
    if (madeFolder !== undefined) await removeMadeFolders(outDir, madeFolder);
    throw e;
  }
}

async function attemptOnce(
  client: IntercomClient,
  target: string,
  staging: string,
  attempt: number,
  o: DownloadExportOptions,
  abortBody: () => void,
): Promise<StagedFile[]> {
  const { res, url } = await openDownload(client, target);
  const bodyPath = join(staging, "body.part");
  await receiveBody(res, bodyPath, {
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
    abortBody,
    onBytes: (bytes, totalBytes) => o.onProgress?.({ phase: "download", attempt, bytes, totalBytes }),
  });
  const format = sniffFormat(await readHead(bodyPath));
  // A 200 carrying an error page may be a passing proxy problem: worth another attempt.
  if (typeof format !== "string") throw new BodyError(format.problem, true);
  const lastModified = Date.parse(res.headers.get("last-modified") ?? "");
  const staged = await unpack(format, bodyPath, staging, {
    suggestedName: suggestedFileName(res.headers.get("content-disposition"), url),
    date: new Date(Number.isNaN(lastModified) ? Date.now() : lastModified),
    onProgress: (bytes, totalBytes, file) =>
      o.onProgress?.({ phase: "unpack", attempt, bytes, totalBytes, file }),
  });
  await rm(bodyPath, { force: true });
  return staged;
}

/**
 * A 401/403 from a download URL on another host than the configured one: the token was never sent there (see
 * IntercomClient.download), so "check the access token" would send the reader the wrong way. Same error kind,
 * with advice that fits. Any other authentication error is returned as it is.
 */
function tokenNotSent(e: AuthenticationError, downloadUrl: string, baseUrl: string): AuthenticationError {
  let target: URL;
  let configured: string;
  try {
    target = new URL(downloadUrl);
    configured = new URL(baseUrl).origin;
  } catch {
    return e;
  }
  if (target.origin === configured) return e;
  return new AuthenticationError(
    {
      status: e.status,
      method: e.method,
      path: e.path,
      code: e.code,
      intercomMessage: e.intercomMessage,
      requestId: e.requestId,
      errors: e.errors,
      retryAfterSeconds: e.retryAfterSeconds,
    },
    `The access token was not sent to ${target.host}, which is not the configured Intercom host ` +
      `(${configured}): the token goes only there. Download by job id instead, or, if ${target.host} is the ` +
      "Intercom API of another region, configure that region or base URL",
  );
}

/**
 * Removes outDir and its parents up to `first` (the first folder mkdir made for it), each only while empty:
 * a folder someone wrote into meanwhile stays.
 */
async function removeMadeFolders(outDir: string, first: string): Promise<void> {
  for (let dir = outDir; ; dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (or already gone): leave it and its parents alone
    }
    if (dir === first || dirname(dir) === dir) return;
  }
}

/** A URL fit for messages: no query (signed URLs carry credentials there), no user info. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}

/** Intercom's message as a clause of ours ("…does not exist." then "; …" or ". …" would double up). */
const withoutFinalPeriod = (text: string) => text.replace(/[.\s]+$/, "");

const iso = (seconds: string) => new Date(Number(seconds) * 1000).toISOString();
