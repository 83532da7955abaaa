/**
 * Emulator options: types, defaults and validation of partial updates (from code or the HTTP control API).
 *
 * Facts and their sources are in /work/shared/notes/intercom-export-api.md. Where the public material is
 * contradictory or silent (marked UNVERIFIED there), the default is the documented/most likely behaviour and
 * the alternative is a switch here.
 */

export type Outcome = "auto" | "completed" | "no_data" | "failed";

export interface EmulatorOptions {
  /** Listening port; 0 picks a free ephemeral port. Only read at start. */
  port: number;
  /** Listening address. Only read at start. */
  host: string;
  /** Bearer tokens accepted as valid (one workspace). */
  tokens: string[];

  /** Time a new job stays `pending`, then `in_progress` for `inProgressMs`, then reaches its outcome. */
  pendingMs: number;
  inProgressMs: number;
  /** `auto`: `completed`, or `no_data` when the range holds no receipts. The others force that outcome. */
  outcome: Outcome;
  /** Download lifetime after completion. Documented: two days. */
  downloadTtlSeconds: number;
  /** Host (scheme://host[:port][/prefix]) used in `download_url`; defaults to the emulator's own URL. */
  downloadBaseUrl?: string;

  /** Key of the job id in job bodies. Live API says `job_identifier`; OAS 2.7-2.13 and Preview spell it `job_identfier`. */
  idKey: "job_identifier" | "job_identfier";
  /** Success status. The OAS enum says `completed`; prose and the 2.5 example say `complete`. */
  completedStatus: "completed" | "complete";
  /** 2.5 docs: the status endpoint answers a failed job with HTTP 504 and the job body. */
  failedAs504: boolean;
  /** UNVERIFIED: after expiry, answer the status endpoint with 404 instead of the (expired) job. */
  forgetExpiredJobs: boolean;
  /**
   * UNVERIFIED: the docs say `Accept: application/octet-stream` is required on download ("Octet header
   * required"); the official SDKs and the Postman collection do not send it. `strict` answers 406 unless the
   * Accept header names application/octet-stream explicitly; `tolerate` accepts anything.
   */
  acceptHeader: "strict" | "tolerate";
  /**
   * UNVERIFIED: production clients observe a ZIP of per-statistic CSV files (default); the spec's prose says
   * "gzipped CSV". `gzip-csv` and `csv` send the receipts CSV only.
   */
  downloadFormat: "zip" | "gzip-csv" | "csv";
  /**
   * UNVERIFIED: the docs say ranges are inclusive of whole days ("2018-06-01 until 2018-06-30 ... including
   * those specified"). `whole-days` widens the range to whole UTC days; `exact` uses the timestamps as given.
   */
  rangeMode: "whole-days" | "exact";
  /** UNVERIFIED: also serve the legacy `/export/messages/data` and `/download/messages/data` paths. */
  legacyMessagesPaths: boolean;

  /** Receipts generated per day of the requested range. */
  receiptsPerDay: number;
  /**
   * When > 0, the receipts CSV is padded with extra receipts until it reaches about this many bytes, and the
   * download is stored uncompressed so its size is about the same. For big-download tests.
   */
  targetDownloadBytes: number;
  /** Seed for the synthetic workspace (users, content, receipts). */
  dataSeed: number;
  /** Unix seconds; the synthetic workspace has no data before this moment. Default 2018-01-01. */
  workspaceCreatedAt: number;

  /** General rate limit per 10-second window (old guidance: 1000/min = 166 per 10 s). */
  rateLimit: number;
  /** Active (pending/in_progress) jobs allowed per workspace. Documented: 1. */
  maxActiveJobs: number;

  /** Clock in milliseconds; injectable so tests can step time. Not settable over HTTP. */
  clock: () => number;
}

export const DEFAULT_OPTIONS: Readonly<EmulatorOptions> = Object.freeze({
  port: 0,
  host: "127.0.0.1",
  tokens: ["emulator-token"],
  pendingMs: 300,
  inProgressMs: 700,
  outcome: "auto",
  downloadTtlSeconds: 172800,
  downloadBaseUrl: undefined,
  idKey: "job_identifier",
  completedStatus: "completed",
  failedAs504: false,
  forgetExpiredJobs: false,
  acceptHeader: "strict",
  downloadFormat: "zip",
  rangeMode: "whole-days",
  legacyMessagesPaths: false,
  receiptsPerDay: 40,
  targetDownloadBytes: 0,
  dataSeed: 1,
  workspaceCreatedAt: 1514764800,
  rateLimit: 166,
  maxActiveJobs: 1,
  clock: () => Date.now(),
});

type Check = (value: unknown) => boolean;
const nonNegativeInt: Check = (v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === "string" && allowed.includes(v);
const bool: Check = (v) => typeof v === "boolean";

/** Checks for every option that may be changed after start (port/host/clock are start-only or code-only). */
const CHECKS: Partial<Record<keyof EmulatorOptions, Check>> = {
  tokens: (v) => Array.isArray(v) && v.every((t) => typeof t === "string" && t.length > 0),
  pendingMs: nonNegativeInt,
  inProgressMs: nonNegativeInt,
  outcome: oneOf("auto", "completed", "no_data", "failed"),
  downloadTtlSeconds: (v) => typeof v === "number" && Number.isSafeInteger(v),
  downloadBaseUrl: (v) => v === undefined || v === null || (typeof v === "string" && /^https?:\/\//.test(v)),
  idKey: oneOf("job_identifier", "job_identfier"),
  completedStatus: oneOf("completed", "complete"),
  failedAs504: bool,
  forgetExpiredJobs: bool,
  acceptHeader: oneOf("strict", "tolerate"),
  downloadFormat: oneOf("zip", "gzip-csv", "csv"),
  rangeMode: oneOf("whole-days", "exact"),
  legacyMessagesPaths: bool,
  receiptsPerDay: nonNegativeInt,
  targetDownloadBytes: nonNegativeInt,
  dataSeed: (v) => typeof v === "number" && Number.isSafeInteger(v),
  workspaceCreatedAt: (v) => typeof v === "number" && Number.isSafeInteger(v),
  rateLimit: nonNegativeInt,
  maxActiveJobs: nonNegativeInt,
};

/**
 * Validates a partial update coming from outside (JSON). Returns the cleaned update or a list of problems.
 * `null` for downloadBaseUrl means "back to the emulator's own URL".
 */
export function validateOptionUpdate(
  input: unknown,
): { ok: true; update: Partial<EmulatorOptions> } | { ok: false; problems: string[] } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, problems: ["expected a JSON object of options"] };
  }
  const problems: string[] = [];
  const update: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const check = CHECKS[key as keyof EmulatorOptions];
    if (!check) problems.push(`unknown or read-only option '${key}'`);
    else if (!check(value)) problems.push(`invalid value for '${key}': ${JSON.stringify(value)}`);
    else update[key] = value === null ? undefined : value;
  }
  return problems.length ? { ok: false, problems } : { ok: true, update: update as Partial<EmulatorOptions> };
}

/** Options as JSON (for the control API): everything except the clock. */
export function optionsToJson(options: EmulatorOptions): Record<string, unknown> {
  const json: Record<string, unknown> = { ...options, downloadBaseUrl: options.downloadBaseUrl ?? null };
  delete json.clock;
  return json;
}
