/**
 * The four documented export operations, as pure request -> Reply functions over the job store. Transport
 * concerns (auth, rate limits, faults, logging) live in server.ts.
 */
import { downloadLength, downloadStream } from "./download";
import type { Job, JobStore } from "./jobs";
import type { EmulatorOptions } from "./options";
import { errorReply, jsonReply, MESSAGES, uuid, type Reply } from "./responses";

export interface ApiContext {
  options: EmulatorOptions;
  jobs: JobStore;
  /** The emulator's own URL, default host of `download_url`. */
  baseUrl: string;
  /** This request's X-Request-Id. */
  requestId: string;
}

/** The `data_export` object, keys in the documented example's order; every value is a string. */
export function jobBody(job: Job, ctx: ApiContext): Record<string, string> {
  const { options, jobs } = ctx;
  const status = jobs.status(job);
  const completed = status === "completed";
  const base = (options.downloadBaseUrl ?? ctx.baseUrl).replace(/\/+$/, "");
  return {
    [options.idKey]: job.id,
    status: completed ? options.completedStatus : status,
    download_url: completed ? `${base}/download/content/data/${job.id}` : "",
    download_expires_at: completed ? String(jobs.downloadExpiresAt(job)) : "",
  };
}

/** A job the API still knows. UNVERIFIED whether expired jobs are forgotten; `forgetExpiredJobs` switches. */
function visibleJob(id: string, ctx: ApiContext): Job | undefined {
  const job = ctx.jobs.get(id);
  if (!job) return undefined;
  if (ctx.options.forgetExpiredJobs && ctx.jobs.isExpired(job)) return undefined;
  return job;
}

const badRequest = (message: string, code = "bad_request"): Reply =>
  // The documented create 400s carry `"request_id": null`.
  errorReply(400, null, [{ code, message }]);

const KEYS = ["created_at_after", "created_at_before"] as const;

/** POST /export/content/data */
export function createExport(rawBody: string, ctx: ApiContext): Reply {
  let body: unknown = {};
  if (rawBody.trim() !== "") {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return badRequest(MESSAGES.invalidJson);
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return badRequest(MESSAGES.invalidJson);
  const params = body as Record<string, unknown>;
  const unknown = Object.keys(params).find((key) => !(KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) return badRequest(MESSAGES.badParameter(unknown));
  for (const key of KEYS) {
    if (params[key] === undefined || params[key] === null) return badRequest(MESSAGES.required(key));
  }
  for (const key of KEYS) {
    // Inferred: the spec types both as integer; strings and fractions are refused rather than coerced.
    if (!Number.isSafeInteger(params[key])) return badRequest(MESSAGES.notInteger(key), "parameter_invalid");
  }
  const range = {
    created_at_after: params.created_at_after as number,
    created_at_before: params.created_at_before as number,
  };
  if (range.created_at_after > range.created_at_before) return badRequest(MESSAGES.afterGreater);
  // Documented: "one active job per workspace"; the code rate_limit_exceeded is inferred from the sibling
  // reporting export and the general rate-limit docs. Terminal jobs (completed, no_data, failed, canceled)
  // free the slot (UNVERIFIED which statuses count as "pending").
  if (ctx.jobs.activeCount() >= ctx.options.maxActiveJobs) {
    return errorReply(429, uuid(), [
      { code: "rate_limit_exceeded", message: MESSAGES.oneJob(ctx.options.maxActiveJobs) },
    ]);
  }
  return jsonReply(200, jobBody(ctx.jobs.create(range), ctx));
}

const jobNotFound = (id: string, ctx: ApiContext): Reply =>
  errorReply(404, ctx.requestId, [{ code: "not_found", message: MESSAGES.jobNotFound(id) }]);

/** GET /export/content/data/{id} */
export function showExport(id: string, ctx: ApiContext): Reply {
  const job = visibleJob(id, ctx);
  if (!job) return jobNotFound(id, ctx);
  // 2.5 docs: "If a job has failed, then the HTTP Response Code will show as a 504 (Timeout)", with the job body.
  const status = ctx.options.failedAs504 && ctx.jobs.status(job) === "failed" ? 504 : 200;
  return jsonReply(status, jobBody(job, ctx));
}

/** POST /export/cancel/{id}: running jobs become canceled, finished ones are returned unchanged. */
export function cancelExport(id: string, ctx: ApiContext): Reply {
  const job = visibleJob(id, ctx);
  if (!job) return jobNotFound(id, ctx);
  ctx.jobs.cancel(job);
  return jsonReply(200, jobBody(job, ctx));
}

/** Whether an Accept header explicitly names application/octet-stream (with a non-zero quality). */
function acceptsOctetStream(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(",").some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return type.trim() === "application/octet-stream" && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** GET /download/content/data/{id} */
export function downloadExport(id: string, accept: string | undefined, ctx: ApiContext): Reply {
  // Docs: "You will have to specify the header Accept: application/octet-stream". The 406 is UNVERIFIED for
  // this endpoint (documented generically); `acceptHeader: "tolerate"` turns it off. `*/*` does not count as
  // naming it, so clients that rely on fetch's default Accept are caught.
  if (ctx.options.acceptHeader === "strict" && !acceptsOctetStream(accept)) {
    return errorReply(406, uuid(), [{ code: "not_acceptable", message: MESSAGES.notAcceptable }]);
  }
  const job = ctx.jobs.get(id);
  if (!job || ctx.jobs.status(job) !== "completed" || ctx.jobs.isExpired(job)) {
    // Documented download 404: no request_id.
    return errorReply(404, undefined, [{ code: "not_found", message: MESSAGES.downloadNotFound }]);
  }
  const format = ctx.options.downloadFormat;
  return {
    status: 200,
    headers: { "Content-Type": "application/octet-stream" },
    stream: () => downloadStream(job, format),
    length: () => downloadLength(job, format),
  };
}

/** Any path that is not one of the four operations. */
export function unknownPath(): Reply {
  return errorReply(404, undefined, [{ code: "not_found", message: MESSAGES.pathNotFound }]);
}
