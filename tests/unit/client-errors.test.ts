import { errorFromResponse, retryAfterSeconds } from "../../provider/client/errors-from-response";
import { parseJob } from "../../provider/client/job";
import { DEFAULT_RETRY, retryDelay } from "../../provider/client/retry";
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  ExportSlotBusyError,
  NotFoundError,
  RateLimitError,
  ServerError,
} from "../../provider/errors";

const headers = (h: Record<string, string> = {}) => ({ get: (n: string) => h[n.toLowerCase()] ?? null });
const envelope = (code: string, message: string, requestId: string | null = "req-1") =>
  JSON.stringify({ type: "error.list", request_id: requestId, errors: [{ code, message }] });

test.each([
  [401, envelope("unauthorized", "Access Token Invalid"), AuthenticationError, "unauthorized"],
  [
    403,
    envelope("api_plan_restricted", "Active subscription needed."),
    AuthenticationError,
    "api_plan_restricted",
  ],
  [404, envelope("not_found", "Export job not found for identifier: x"), NotFoundError, "not_found"],
  [
    400,
    envelope("bad_request", "created_at_after is greater than created_at_before", null),
    BadRequestError,
    "bad_request",
  ],
  [
    429,
    envelope("rate_limit_exceeded", "Exceeded rate limit of 1 pending message data export jobs"),
    ExportSlotBusyError,
    "rate_limit_exceeded",
  ],
  [
    429,
    envelope("rate_limit_exceeded", "Exceeded rate limit of 167 in 10_seconds"),
    RateLimitError,
    "rate_limit_exceeded",
  ],
  [
    503,
    envelope("service_unavailable", "Sorry, the API service is temporarily unavailable"),
    ServerError,
    "service_unavailable",
  ],
])(
  "HTTP %d maps to the right class with Intercom's code, message and request id",
  (status, text, cls, code) => {
    const e = errorFromResponse("POST", "/export/content/data", { status, headers: headers(), text });
    expect(e).toBeInstanceOf(cls);
    expect(e.status).toBe(status);
    expect(e.code).toBe(code);
    expect(e.message).toContain(`HTTP ${status}`);
    expect(e.message).toContain(JSON.parse(text).errors[0].message);
    if (JSON.parse(text).request_id) expect(e.requestId).toBe("req-1");
  },
);

test("an HTML error page is described, not dumped", () => {
  const e = errorFromResponse("GET", "/x", {
    status: 502,
    headers: headers({ "content-type": "text/html" }),
    text: "<html><head><title>502 Bad Gateway</title></head><body>...</body></html>",
  });
  expect(e).toBeInstanceOf(ServerError);
  expect(e.intercomMessage).toBe('an HTML page instead of JSON ("502 Bad Gateway")');
});

test("request id falls back to the X-Request-Id header", () => {
  const e = errorFromResponse("GET", "/x", {
    status: 500,
    headers: headers({ "x-request-id": "hdr-9" }),
    text: "",
  });
  expect(e.requestId).toBe("hdr-9");
  expect(e.intercomMessage).toMatch(/empty body/);
});

test("Retry-After (seconds or date) wins over X-RateLimit-Reset", () => {
  const now = Date.UTC(2026, 0, 1);
  expect(retryAfterSeconds(headers({ "retry-after": "7" }), now)).toBe(7);
  expect(retryAfterSeconds(headers({ "retry-after": new Date(now + 3000).toUTCString() }), now)).toBe(3);
  expect(retryAfterSeconds(headers({ "x-ratelimit-reset": String(now / 1000 + 5) }), now)).toBe(5);
  expect(retryAfterSeconds(headers({}), now)).toBeUndefined();
});

describe("retry rules", () => {
  const ctx = (status: number, code = "", retryAfterSeconds?: number) => ({
    status,
    method: "GET",
    path: "/p",
    code,
    intercomMessage: "m",
    requestId: null,
    errors: [],
    retryAfterSeconds,
  });
  const half = () => 0.5;
  test("5xx and connection errors back off exponentially with jitter", () => {
    expect(retryDelay(new ServerError(ctx(503)), 0, DEFAULT_RETRY, half)).toBe(375);
    expect(retryDelay(new ServerError(ctx(503)), 2, DEFAULT_RETRY, half)).toBe(1500);
    expect(retryDelay(new ConnectionError("GET", "/p", "ECONNRESET"), 1, DEFAULT_RETRY, () => 0)).toBe(1000);
  });
  test("a rate limit waits the time the server names, bounded", () => {
    expect(
      retryDelay(new RateLimitError(ctx(429, "rate_limit_exceeded", 3)), 0, DEFAULT_RETRY, () => 0),
    ).toBe(3000);
    expect(
      retryDelay(new RateLimitError(ctx(429, "rate_limit_exceeded", 600)), 0, DEFAULT_RETRY),
    ).toBeUndefined();
  });
  test("never retried: auth, not found, bad request, busy slot; nor past the limit", () => {
    expect(retryDelay(new AuthenticationError(ctx(401)), 0, DEFAULT_RETRY)).toBeUndefined();
    expect(retryDelay(new NotFoundError(ctx(404)), 0, DEFAULT_RETRY)).toBeUndefined();
    expect(retryDelay(new BadRequestError(ctx(400)), 0, DEFAULT_RETRY)).toBeUndefined();
    expect(retryDelay(new ExportSlotBusyError(ctx(429)), 0, DEFAULT_RETRY)).toBeUndefined();
    expect(retryDelay(new ServerError(ctx(500)), DEFAULT_RETRY.limit, DEFAULT_RETRY)).toBeUndefined();
    expect(retryDelay(new Error("plain"), 0, DEFAULT_RETRY)).toBeUndefined();
  });
});

describe("parseJob", () => {
  test("accepts the documented typo job_identfier and maps complete to completed", () => {
    const job = parseJob({
      job_identfier: "abc",
      status: "complete",
      download_url: "u",
      download_expires_at: "1700000000",
    });
    expect(job).toEqual({
      jobIdentifier: "abc",
      status: "completed",
      rawStatus: "complete",
      downloadUrl: "u",
      downloadExpiresAt: "1700000000",
    });
  });
  test("empty strings until completion; 0 means none", () => {
    expect(
      parseJob({ job_identifier: "a", status: "no_data", download_url: "", download_expires_at: 0 }),
    ).toMatchObject({ downloadExpiresAt: "" });
  });
  test("describes what is wrong", () => {
    expect(parseJob("x")).toBe("the body is not a JSON object");
    expect(parseJob({ status: "pending" })).toBe("the body has no job_identifier");
    expect(parseJob({ job_identifier: "a" })).toBe("the body has no status");
  });
});
