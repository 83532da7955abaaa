/**
 * The provider lifecycle of ContentDataExport: configure, check, diff, create, read, update, delete.
 * Runs inside Pulumi's dynamic-provider process (loaded through ./runtime.ts), or directly in tests.
 *
 * State rules: the resource id is Intercom's job id; every output is plain JSON (no undefined); every option
 * is kept in the outputs because read/update/delete receive outputs, not inputs; once a job exists, any
 * failure still hands its id to Pulumi (an error carrying `id` and `properties`), so no job is orphaned.
 */
import type * as pulumi from "@pulumi/pulumi";
import { IntercomClient } from "./client/client";
import type { RetryOptions } from "./client/retry";
import { ExportJob, SUCCESS_STATUSES, TERMINAL_STATUSES } from "./client/job";
import { RawConfig, readStackConfig, resolveConfig, ResolvedConfig } from "./config";
import { ExportJobFailedError, IntercomExportError, NotFoundError } from "./errors";
import { cancelIfRunning, Clock, realClock, startExport, waitForTerminal } from "./jobs";
import { createLogger, Logger, redact } from "./log";
import {
  checkInputs,
  ExportOptions,
  isoDate,
  normalizeRange,
  OPTION_KEYS,
  parseTimestamp,
  RANGE_KEYS,
  resolveOptions,
  UNKNOWN,
} from "./schema";

/** The outputs stored in state (and exposed on the resource). */
export interface ContentDataExportOutputs extends ExportOptions {
  jobIdentifier: string;
  /** pending | in_progress | completed | no_data | failed | canceled | expired */
  status: string;
  /** "" until completed (and for no_data). */
  downloadUrl: string;
  /** Unix seconds as Intercom returns it (a string), "" until completed. */
  downloadExpiresAt: string;
  /** ISO-8601 form of downloadExpiresAt, "" until completed. */
  downloadExpiresAtIso: string;
  /** True once the download can no longer be fetched (past its expiry, or the job is unknown to Intercom). */
  expired: boolean;
  /**
   * The range as sent to Intercom, in unix seconds (inclusive days). For an adopted job: the range as declared
   * (Intercom does not report a job's range, so it cannot be verified), or null when none was declared.
   */
  createdAtAfter: number | null;
  createdAtBefore: number | null;
  /** True when the job was adopted through the `jobIdentifier` input rather than created by this resource. */
  adopted: boolean;
  /** When this resource created the job (ISO-8601); "" for an adopted job (Intercom does not say). */
  requestedAt: string;
  /** When we first saw the job terminal (ISO-8601), "" before that. */
  completedAt: string;
  /** The Intercom API base URL the job lives on. */
  endpoint: string;
}

type Props = Record<string, unknown>;

/**
 * Mutable seams for tests; production uses the real clock, the environment and the client's default timeout and
 * retry policy. Every wait of the provider, including the client's retry sleeps, goes through `clock.sleep`.
 */
export const runtimeSeams: {
  clock: Clock;
  env: NodeJS.ProcessEnv;
  requestTimeoutMs?: number;
  retry?: Partial<RetryOptions>;
} = {
  clock: realClock,
  env: process.env,
};

let stackConfig: RawConfig = {};

interface Context {
  config: ResolvedConfig;
  log: Logger;
  client(): IntercomClient;
}

function context(): Context {
  const config = resolveConfig(stackConfig, runtimeSeams.env);
  const log = createLogger(() => [config.accessToken]);
  return {
    config,
    log,
    client: () =>
      new IntercomClient({
        baseUrl: config.baseUrl,
        accessToken: config.accessToken ?? "",
        apiVersion: config.apiVersion,
        requestTimeoutMs: runtimeSeams.requestTimeoutMs,
        retry: runtimeSeams.retry,
        sleep: (ms) => runtimeSeams.clock.sleep(ms),
        log,
      }),
  };
}

/** Stack config arrives here (secrets decrypted); we keep it in this process only. */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  stackConfig = readStackConfig(req.config);
}

/** For tests: set the stack config as `configure` would. */
export function setStackConfig(raw: RawConfig): void {
  stackConfig = { ...raw };
}

export async function check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  // Provider configuration is checked here too, so `pulumi preview` catches a bad region or base URL (no
  // request is sent). A missing token only warns: a preview without credentials is legitimate.
  const config = resolveConfig(stackConfig, runtimeSeams.env);
  if (!config.accessToken) {
    createLogger(() => []).warn(
      "no Intercom access token is set: `pulumi up` will need intercom:accessToken (pulumi config set --secret) " +
        "or INTERCOM_ACCESS_TOKEN",
    );
  }
  const failures = checkInputs(news);
  // Inputs pass through unchanged (unknowns included): normalization happens in create, and diff compares
  // normalized values, so "2024-06-01" and 1717200000 are the same range.
  return { inputs: news, failures };
}

export async function diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  const replaces: string[] = [];
  for (const key of RANGE_KEYS) {
    if (news[key] === UNKNOWN || bound(olds[key]) !== bound(news[key])) replaces.push(key);
  }
  // The job lives in one region/workspace: a different endpoint means a new job there.
  const endpoint = tryCurrentEndpoint();
  if (typeof olds.endpoint === "string" && olds.endpoint && endpoint && endpoint !== olds.endpoint) {
    replaces.push("endpoint");
    createLogger(() => []).info(
      `job ${id} lives on ${olds.endpoint} but the provider now points at ${endpoint}: it will be replaced by a ` +
        "new job there (intercom:region / intercom:baseUrl changed)",
    );
  }
  // Adopting: a different job id is a different export; dropping the id from an adopted resource means
  // "create a new job" instead.
  if (
    news.jobIdentifier === UNKNOWN ||
    (news.jobIdentifier !== undefined && news.jobIdentifier !== olds.jobIdentifier)
  ) {
    replaces.push("jobIdentifier");
  } else if (news.jobIdentifier === undefined && olds.adopted === true) {
    replaces.push("jobIdentifier");
  }
  // A failed or canceled job is done for; the next `pulumi up` starts a fresh one.
  if (olds.status === "failed" || olds.status === "canceled") replaces.push("status");
  // An expired export is renewed only when asked: a fresh job for the same range, with a new downloadUrl.
  if (resolveOptions(news).renewWhenExpired === true && news.jobIdentifier === undefined && isExpired(olds)) {
    replaces.push("expired");
  }

  const before = resolveOptions(olds);
  const after = resolveOptions(news);
  const optionChanged = OPTION_KEYS.some((k) => news[k] === UNKNOWN || before[k] !== after[k]);

  const running =
    typeof olds.status === "string" && !TERMINAL_STATUSES.has(olds.status) && olds.status !== "expired";
  return {
    changes: replaces.length > 0 || optionChanged,
    replaces,
    // With cancelOnDelete, cancel the old running job first: otherwise it would hold the export slot that the
    // replacement needs, and the replacement would wait for it.
    deleteBeforeReplace: replaces.length > 0 && before.cancelOnDelete && running,
  };
}

export async function create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
  const failures = checkInputs(inputs);
  if (failures.length > 0) throw new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  const options = resolveOptions(inputs);
  const ctx = context();
  const client = ctx.client();
  const clock = runtimeSeams.clock;
  const adoptId = typeof inputs.jobIdentifier === "string" ? inputs.jobIdentifier : undefined;
  const range =
    adoptId && inputs.createdAtAfter === undefined
      ? { createdAtAfter: null, createdAtBefore: null }
      : normalizeRange(inputs);

  let job: ExportJob;
  if (adoptId) {
    job = await adopt(client, adoptId, ctx);
  } else {
    const r = range as { createdAtAfter: number; createdAtBefore: number };
    job = await startExport(client, r, { ...options, log: ctx.log, clock });
    // Logged the moment Intercom returns it, so an interrupted run can still be traced to (and adopt) its job.
    ctx.log.info(
      `started content data export job ${job.jobIdentifier} for ${isoDate(r.createdAtAfter)} .. ` +
        `${isoDate(r.createdAtBefore)} (status ${job.status}); if this run is interrupted, adopt it with ` +
        `jobIdentifier: "${job.jobIdentifier}"`,
    );
  }
  const startedAt = clock.now();
  let outs = outputsFor(job, {
    ...options,
    ...range,
    adopted: adoptId !== undefined,
    requestedAt: adoptId ? "" : new Date(startedAt).toISOString(),
    completedAt: "",
    endpoint: ctx.config.baseUrl,
  });
  if (TERMINAL_STATUSES.has(job.status) && !SUCCESS_STATUSES.has(job.status)) {
    // Only possible when adopting: the job already failed or was canceled.
    throw partialFailure(
      job.jobIdentifier,
      outs,
      inputs,
      new ExportJobFailedError(job.jobIdentifier, job.rawStatus),
      ctx,
    );
  }
  if (!options.waitForCompletion) return { id: job.jobIdentifier, outs };

  try {
    const final = await waitForTerminal(client, job, {
      ...options,
      startedAt,
      log: ctx.log,
      clock,
      onStatus: (j) => (outs = outputsFor(j, outs)),
    });
    outs = outputsFor(final, outs);
    finish(final, ctx.log);
  } catch (e) {
    throw partialFailure(job.jobIdentifier, outs, inputs, e, ctx);
  }
  return { id: job.jobIdentifier, outs };
}

export async function read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  const current = withoutProvider(props) as unknown as ContentDataExportOutputs;
  if (current.status === "expired") return { id, props: current as unknown as Props };
  const ctx = context();
  try {
    const job = await ctx.client().getExport(id);
    return { id, props: outputsFor(job, current) as unknown as Props };
  } catch (e) {
    if (e instanceof NotFoundError) {
      // Intercom forgot the job (expired). Keep it in state: silently recreating an export is not our call.
      ctx.log.info(`job ${id} is no longer known to Intercom; marking it expired`);
      return { id, props: { ...current, status: "expired", expired: true } as unknown as Props };
    }
    throw e;
  }
}

export async function update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  const options = resolveOptions(news);
  let outs = { ...(withoutProvider(olds) as unknown as ContentDataExportOutputs), ...options };
  if (TERMINAL_STATUSES.has(outs.status) || outs.status === "expired" || !options.waitForCompletion) {
    return { outs };
  }
  // The job was still running (waitForCompletion was off, or an earlier wait timed out or was interrupted).
  const ctx = context();
  const client = ctx.client();
  try {
    const job = await client.getExport(id);
    outs = outputsFor(job, outs);
    const final = await waitForTerminal(client, job, {
      ...options,
      log: ctx.log,
      clock: runtimeSeams.clock,
      onStatus: (j) => (outs = outputsFor(j, outs)),
    });
    outs = outputsFor(final, outs);
    finish(final, ctx.log);
  } catch (e) {
    throw partialFailure(id, outs, news, e, ctx);
  }
  return { outs };
}

export async function del(id: string, props: Props): Promise<void> {
  const options = resolveOptions(props);
  const status = String(props.status ?? "");
  if (!options.cancelOnDelete || TERMINAL_STATUSES.has(status) || status === "expired") {
    // Intercom has no delete for export jobs; a finished job simply expires.
    return;
  }
  const ctx = context();
  await cancelIfRunning(ctx.client(), id, ctx.log);
}

/** Applies a job's latest state to the outputs. */
function outputsFor(
  job: ExportJob,
  prev: Omit<
    ContentDataExportOutputs,
    "jobIdentifier" | "status" | "downloadUrl" | "downloadExpiresAt" | "downloadExpiresAtIso" | "expired"
  >,
): ContentDataExportOutputs {
  const expiresSeconds = /^\d+$/.test(job.downloadExpiresAt) ? Number(job.downloadExpiresAt) : undefined;
  const expired = expiresSeconds !== undefined && expiresSeconds * 1000 <= runtimeSeams.clock.now();
  const terminal = TERMINAL_STATUSES.has(job.status);
  return {
    ...prev,
    jobIdentifier: job.jobIdentifier,
    status: expired ? "expired" : job.status,
    downloadUrl: job.downloadUrl,
    downloadExpiresAt: job.downloadExpiresAt,
    downloadExpiresAtIso: expiresSeconds !== undefined ? new Date(expiresSeconds * 1000).toISOString() : "",
    expired,
    completedAt: prev.completedAt || (terminal ? new Date(runtimeSeams.clock.now()).toISOString() : ""),
  };
}

/** Reads a job someone else started (or an interrupted run left behind) so this resource can track it. */
async function adopt(client: IntercomClient, id: string, ctx: Context): Promise<ExportJob> {
  try {
    const job = await client.getExport(id);
    ctx.log.info(
      `adopted existing content data export job ${id} (status ${job.status}); no new job was created`,
    );
    return job;
  } catch (e) {
    if (e instanceof NotFoundError) {
      throw new NotFoundError(
        { ...e, intercomMessage: e.intercomMessage },
        `Cannot adopt job '${id}': Intercom does not know it. Check the id, and that intercom:region / intercom:baseUrl point at the workspace that ran it; jobs are forgotten some time after their download expires`,
      );
    }
    throw e;
  }
}

/** Expired per state, or (without a refresh) because the recorded expiry time has passed. */
function isExpired(olds: Props): boolean {
  if (olds.status === "expired" || olds.expired === true) return true;
  const at =
    typeof olds.downloadExpiresAt === "string" && /^\d+$/.test(olds.downloadExpiresAt)
      ? Number(olds.downloadExpiresAt)
      : undefined;
  return at !== undefined && at * 1000 <= runtimeSeams.clock.now();
}

function finish(job: ExportJob, log: Logger): void {
  if (!SUCCESS_STATUSES.has(job.status)) throw new ExportJobFailedError(job.jobIdentifier, job.rawStatus);
  log.info(
    job.status === "no_data"
      ? `job ${job.jobIdentifier} finished with no_data: no messages were sent in the range`
      : `job ${job.jobIdentifier} completed; download available until ${job.downloadExpiresAt ? isoDate(Number(job.downloadExpiresAt)) : "(not given)"}`,
  );
}

/**
 * The dynamic provider's partial-failure shape: the job exists, so Pulumi must record it (id + outputs,
 * including `__provider` so later refresh/delete can load this provider) even though the operation failed.
 */
function partialFailure(
  id: string,
  outs: ContentDataExportOutputs,
  inputs: Props,
  e: unknown,
  ctx: Context,
): Error {
  const message = redact(e instanceof Error ? e.message : String(e), [ctx.config.accessToken]);
  const err = new Error(message) as Error & { id: string; properties: Props; reasons: string[] };
  err.name = e instanceof IntercomExportError ? e.name : "Error";
  err.id = id;
  err.properties = { ...outs, __provider: inputs.__provider };
  err.reasons = [message];
  return err;
}

function bound(v: unknown): number | string | undefined {
  if (v === undefined || v === null) return undefined;
  const parsed = parseTimestamp("", v);
  return "seconds" in parsed ? parsed.seconds : String(v);
}

function tryCurrentEndpoint(): string | undefined {
  try {
    return resolveConfig(stackConfig, runtimeSeams.env).baseUrl;
  } catch {
    return undefined; // a config error surfaces, with its key, when a request is made
  }
}

/** The props without `__provider` (Pulumi adds it back to whatever a provider method returns). */
export function withoutProvider(props: Props): Props {
  const { __provider: _ignored, ...rest } = props;
  void _ignored;
  return rest;
}
