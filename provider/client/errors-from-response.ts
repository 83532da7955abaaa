/** Maps an HTTP error response to the typed error hierarchy (see ../errors.ts). */
import {
  ApiErrorContext,
  AuthenticationError,
  BadRequestError,
  ExportSlotBusyError,
  IntercomApiError,
  IntercomErrorItem,
  NotAcceptableError,
  NotFoundError,
  RateLimitError,
  ServerError,
} from "../errors";

/** Intercom's message for the one-active-job rule ("Exceeded rate limit of 1 pending message data export jobs"). */
const SLOT_BUSY = /pending .*export jobs?/i;

export interface RawResponse {
  status: number;
  headers: { get(name: string): string | null };
  /** The body text (may be empty, HTML, or truncated). */
  text: string;
}

export function errorFromResponse(
  method: string,
  path: string,
  res: RawResponse,
  now = Date.now(),
): IntercomApiError {
  const envelope = parseEnvelope(res.text);
  const first = envelope?.errors[0];
  const ctx: ApiErrorContext = {
    status: res.status,
    method,
    path,
    code: first?.code ?? "",
    intercomMessage: first?.message ?? describeBody(res),
    requestId: envelope?.requestId ?? res.headers.get("x-request-id"),
    errors: envelope?.errors ?? [],
    retryAfterSeconds: retryAfterSeconds(res.headers, now),
  };
  const s = res.status;
  if (s === 401 || s === 403) return new AuthenticationError(ctx);
  if (s === 404) return new NotFoundError(ctx);
  if (s === 406) return new NotAcceptableError(ctx);
  if (s === 400 || s === 422) return new BadRequestError(ctx);
  if (s === 429) {
    return SLOT_BUSY.test(ctx.intercomMessage) ? new ExportSlotBusyError(ctx) : new RateLimitError(ctx);
  }
  if (s >= 500) return new ServerError(ctx);
  return new IntercomApiError(ctx);
}

function parseEnvelope(text: string): { requestId: string | null; errors: IntercomErrorItem[] } | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (body && Array.isArray(body.errors)) {
      const errors = (body.errors as Record<string, unknown>[])
        .filter((e) => e && typeof e === "object")
        .map((e) => ({
          code: typeof e.code === "string" ? e.code : "",
          message: typeof e.message === "string" ? e.message : null,
          field: typeof e.field === "string" ? e.field : null,
        }));
      return { requestId: typeof body.request_id === "string" ? body.request_id : null, errors };
    }
  } catch {
    // Not JSON: described below.
  }
  return undefined;
}

function describeBody(res: RawResponse): string {
  const type = res.headers.get("content-type") ?? "no content type";
  if (res.text.trim() === "") return `empty body (${type})`;
  if (/html/i.test(type) || /^\s*</.test(res.text)) {
    const title = /<title>([^<]*)<\/title>/i.exec(res.text)?.[1]?.trim();
    return `an HTML page instead of JSON${title ? ` ("${title.slice(0, 100)}")` : ""}`;
  }
  return `unexpected body (${type}): ${res.text.slice(0, 120).replace(/\s+/g, " ")}`;
}

/** Seconds to wait, from `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset` (unix seconds). */
export function retryAfterSeconds(
  headers: { get(name: string): string | null },
  now = Date.now(),
): number | undefined {
  const ra = headers.get("retry-after");
  if (ra !== null && ra.trim() !== "") {
    const n = Number(ra);
    if (Number.isFinite(n) && n >= 0) return n;
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, (at - now) / 1000);
  }
  const reset = headers.get("x-ratelimit-reset");
  if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) - now / 1000);
  return undefined;
}
