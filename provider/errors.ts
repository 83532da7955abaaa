/**
 * The error hierarchy. One class per failure kind, each carrying the context a person needs to act on it
 * (HTTP status, Intercom's error code and message, the request id to quote to Intercom support, the job id).
 * No error ever carries the access token or request headers.
 */

/** Base class of every error this package throws. */
export class IntercomExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad provider configuration (missing token, unknown region, plain-HTTP base URL to a remote host…). */
export class ConfigurationError extends IntercomExportError {
  constructor(
    message: string,
    /** The configuration key at fault, e.g. `intercom:region`. */
    readonly key?: string,
  ) {
    super(message);
  }
}

/** One `errors[]` item of Intercom's `error.list` envelope. */
export interface IntercomErrorItem {
  code: string;
  message?: string | null;
  field?: string | null;
}

export interface ApiErrorContext {
  status: number;
  method: string;
  /** The path of the request, without host or query. */
  path: string;
  /** Intercom's first error code (`unauthorized`, `not_found`, `rate_limit_exceeded`…) or "" when the body had none. */
  code: string;
  /** Intercom's first error message, or a description of the body when it was not an error envelope. */
  intercomMessage: string;
  requestId: string | null;
  errors: IntercomErrorItem[];
  /** Seconds to wait before retrying, from `Retry-After` or `X-RateLimit-Reset`, when the server named one. */
  retryAfterSeconds?: number;
}

/** Intercom answered with a non-success HTTP status. Subclasses narrow the kind. */
export class IntercomApiError extends IntercomExportError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly code: string;
  readonly intercomMessage: string;
  readonly requestId: string | null;
  readonly errors: IntercomErrorItem[];
  readonly retryAfterSeconds?: number;

  constructor(ctx: ApiErrorContext, hint?: string) {
    const code = ctx.code ? ` ${ctx.code}` : "";
    const rid = ctx.requestId ? ` (request id ${ctx.requestId})` : "";
    super(
      `Intercom ${ctx.method} ${ctx.path} failed: HTTP ${ctx.status}${code}: ${ctx.intercomMessage}${rid}` +
        (hint ? `. ${hint}` : ""),
    );
    this.status = ctx.status;
    this.method = ctx.method;
    this.path = ctx.path;
    this.code = ctx.code;
    this.intercomMessage = ctx.intercomMessage;
    this.requestId = ctx.requestId;
    this.errors = ctx.errors;
    this.retryAfterSeconds = ctx.retryAfterSeconds;
  }
}

/** 400/422: Intercom rejected the request's parameters. */
export class BadRequestError extends IntercomApiError {}

const CHECK_THE_TOKEN =
  "Check the access token (`pulumi config set --secret intercom:accessToken ...` or INTERCOM_ACCESS_TOKEN) " +
  "and that it belongs to the workspace and region you target";

/**
 * 401/403: the token is missing, invalid, revoked, or lacks access to the export API. `hint` replaces the
 * advice to check the token where that is not the cause (a host the token was never sent to).
 */
export class AuthenticationError extends IntercomApiError {
  constructor(ctx: ApiErrorContext, hint = CHECK_THE_TOKEN) {
    super(ctx, hint);
  }
}

/** 404: Intercom does not know the job (or the path). */
export class NotFoundError extends IntercomApiError {}

/** 406: the server refused the `Accept` header. */
export class NotAcceptableError extends IntercomApiError {}

/** 429 `rate_limit_exceeded` from the general API rate limit (calls per window). Safe to retry after `retryAfterSeconds`. */
export class RateLimitError extends IntercomApiError {}

/**
 * 429 "Exceeded rate limit of 1 pending message data export jobs": another export job is still pending or in
 * progress in this workspace. Intercom allows only one at a time; the slot frees when that job finishes.
 */
export class ExportSlotBusyError extends IntercomApiError {
  constructor(ctx: ApiErrorContext) {
    super(
      ctx,
      "Intercom runs one content data export job per workspace at a time; another job is pending or in progress",
    );
  }
}

/** 5xx (without a job body). */
export class ServerError extends IntercomApiError {}

/** The connection failed, was reset, or the body was cut short before a response could be read. */
export class ConnectionError extends IntercomExportError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly causeMessage: string,
  ) {
    super(`Intercom ${method} ${path} failed: connection error: ${causeMessage}`);
  }

  /** True when the request cannot have reached Intercom: the host was not found or refused the connection. */
  get neverSent(): boolean {
    return /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED)\b/.test(this.causeMessage);
  }
}

/** No response (headers or body) within the per-request timeout. */
export class RequestTimeoutError extends IntercomExportError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`Intercom ${method} ${path} timed out after ${timeoutMs} ms without a response`);
  }
}

/** A 2xx response whose body is not what the API documents (HTML page, truncated JSON, missing job id…). */
export class ResponseFormatError extends IntercomExportError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`Intercom ${method} ${path} returned an unexpected response (HTTP ${status}): ${detail}`);
  }
}

/** The export job ended in `failed` or `canceled`. */
export class ExportJobFailedError extends IntercomExportError {
  constructor(
    readonly jobIdentifier: string,
    readonly status: string,
  ) {
    const why =
      status === "failed"
        ? "Intercom reports status 'failed' (its docs say this commonly means the job ran over 12 hours; try a shorter range)"
        : `Intercom reports status '${status}' (someone or something canceled it)`;
    super(`Content data export job ${jobIdentifier} did not complete: ${why}`);
  }
}

/** Our own deadline (`timeoutSeconds`) passed while the job was still running. */
export class ExportTimeoutError extends IntercomExportError {
  constructor(
    readonly jobIdentifier: string,
    readonly status: string,
    readonly timeoutSeconds: number,
  ) {
    super(
      `Content data export job ${jobIdentifier} is still '${status}' after timeoutSeconds=${timeoutSeconds}. ` +
        "The job id is kept in the stack's state: run `pulumi up` again to resume waiting, or raise timeoutSeconds",
    );
  }
}

/** The busy export slot did not free up within `slotWaitSeconds`. */
export class ExportSlotWaitTimeoutError extends IntercomExportError {
  constructor(
    readonly slotWaitSeconds: number,
    readonly last: ExportSlotBusyError,
  ) {
    super(
      `Could not start the export: Intercom allows one content data export job per workspace, and another job ` +
        `stayed pending or in progress for slotWaitSeconds=${slotWaitSeconds}. Wait for it to finish, cancel it, ` +
        `or raise slotWaitSeconds. Last answer: HTTP 429 ${last.intercomMessage}` +
        (last.requestId ? ` (request id ${last.requestId})` : ""),
    );
  }
}

/**
 * Creating the export may have started a job whose answer was lost (5xx, reset, timeout, unreadable body).
 * Intercom has no idempotency key and no way to list jobs, so a lost id cannot be recovered. The create is
 * sent again only under the one-job rule (a job started by an earlier request would make Intercom refuse the
 * next one with the busy-slot 429 rather than start a duplicate); this error says which of the two ways that
 * ended: `slotBusy` (a job holds the slot, most likely the lost one) or `attempts` ran out.
 */
export class CreateOutcomeUnknownError extends IntercomExportError {
  constructor(
    /** The first failure whose outcome was unknown. */
    override readonly cause: IntercomExportError,
    /** Create requests sent in all. */
    readonly attempts: number,
    /** True when a later request got the busy-slot answer. */
    readonly slotBusy: boolean,
    /** The last failure, when it differs from `cause`. */
    readonly last?: IntercomExportError,
  ) {
    super(
      slotBusy
        ? `Creating the export may have started a job whose id was lost: ${cause.message}. The request was sent ` +
            "again, and Intercom answered HTTP 429 (one pending export job per workspace): most likely the job " +
            "the lost request started (or one someone else started). Its id cannot be recovered, since Intercom " +
            "cannot list jobs, so no second job was started. Run `pulumi up` again: it waits for the export slot " +
            "(slotWaitSeconds) and then starts a new job"
        : `Creating the export failed ${attempts} times without a usable answer (first: ${cause.message}` +
            (last && last !== cause ? `; last: ${last.message}` : "") +
            "). Each request was sent again only because Intercom's one-job rule would have refused it (HTTP " +
            "429) had an earlier one started a job; none was refused, but the last request may still have " +
            "started one. Run `pulumi up` again: if a job is running it waits for the export slot " +
            "(slotWaitSeconds) and then starts a new job",
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Downloads (../download)

/**
 * The export can no longer be downloaded: Intercom answered 404/410 for the download (its documented answer
 * once the two-day download window has passed), or does not know the job at all.
 */
export class DownloadExpiredError extends IntercomExportError {
  constructor(
    /** The job id, when the download was asked for by id. */
    readonly jobIdentifier: string | undefined,
    /** The URL that was requested (no token, no query). */
    readonly url: string,
    /** Why we think so: the HTTP answer, and the expiry time when the job's status gave one. */
    readonly detail: string,
    override readonly cause?: Error,
  ) {
    const what = jobIdentifier ? `export job ${jobIdentifier}` : `the export at ${url}`;
    super(
      `The download of ${what} is no longer available: ${detail}. Intercom keeps a completed export for two ` +
        "days. Run the export again and download the new job (in a Pulumi program: `renewWhenExpired: true` " +
        "on the ContentDataExport, or `pulumi up --replace <its URN>`)",
    );
  }
}

/** The job has nothing to download yet (pending, in_progress) or will never have (failed, canceled). */
export class DownloadNotReadyError extends IntercomExportError {
  constructor(
    readonly jobIdentifier: string,
    readonly status: string,
  ) {
    const why =
      status === "pending" || status === "in_progress"
        ? "it is still running; wait for it to complete (`status` shows where it is)"
        : `it ended '${status}' and has no download; run the export again`;
    super(`Export job ${jobIdentifier} cannot be downloaded: its status is '${status}': ${why}`);
  }
}

/**
 * The body did not arrive intact: cut short (fewer bytes than Content-Length, connection dropped), a ZIP entry
 * whose CRC-32 or size does not match, a gzip stream with a bad trailer, a CSV that ends inside a quoted field,
 * an error page (JSON, HTML) where data was expected. Raised after `attempts` downloads from scratch all failed;
 * nothing was written to the destination.
 */
export class DownloadIntegrityError extends IntercomExportError {
  constructor(
    readonly url: string,
    /** What was wrong with the last attempt. */
    readonly detail: string,
    /** How many downloads were tried. */
    readonly attempts: number,
  ) {
    super(
      `Downloading ${url} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${detail}. ` +
        "Nothing was written to the destination",
    );
  }
}

/**
 * The body arrived intact but is not an export we can unpack safely: an archive entry whose name would escape
 * the destination folder, two entries with the same name, too many redirects. Not retried.
 */
export class DownloadFormatError extends IntercomExportError {
  constructor(
    readonly url: string,
    readonly detail: string,
  ) {
    super(`The download from ${url} is not a content data export we can unpack: ${detail}`);
  }
}
