/** The four export operations: bodies, errors, auth, rate limits, the job lifecycle and documented variants. */
import { startEmulator, type Emulator } from "../../emulator";
import {
  call,
  createJob,
  expectErrorSchema,
  expectJobSchema,
  INTERCOM_REQUEST_ID,
  JOB_KEYS,
  jobStatus,
  JUNE_2018,
  steppedClock,
  TOKEN,
  UUID,
} from "./helpers";

let emulator: Emulator;
const time = steppedClock();

beforeAll(async () => {
  emulator = await startEmulator({ clock: time.clock });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  time.advance(60_000); // a fresh rate-limit window and no leftovers
});

/** Steps the clock past pending and in_progress (default 300 + 700 ms). */
const finish = () => time.advance(1000);

describe("create", () => {
  test("answers a pending job as documented", async () => {
    const res = await createJob(emulator);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expectJobSchema(res.json);
    const job = res.json as Record<string, string>;
    expect(Object.keys(job)).toEqual(JOB_KEYS);
    expect(job).toEqual({
      job_identifier: expect.stringMatching(/^[a-z0-9]{16}$/),
      status: "pending",
      download_url: "",
      download_expires_at: "",
    });
    expect(emulator.getJob(job.job_identifier)?.range).toEqual(JUNE_2018);
  });

  test("accepts the trailing slash the v4/v5 node SDK sends", async () => {
    const res = await call(emulator, "POST", "/export/content/data/", { body: JUNE_2018 });
    expect(res.status).toBe(200);
  });

  const cases: [string, string | object, string, string][] = [
    [
      "after > before",
      { created_at_after: 1530316800, created_at_before: 1527811200 },
      "bad_request",
      "created_at_after is greater than created_at_before",
    ],
    [
      "missing before",
      { created_at_after: 1527811200 },
      "bad_request",
      "'created_at_before' is a required parameter",
    ],
    [
      "missing after",
      { created_at_before: 1527811200 },
      "bad_request",
      "'created_at_after' is a required parameter",
    ],
    ["empty body", "", "bad_request", "'created_at_after' is a required parameter"],
    ["unknown key", { ...JUNE_2018, random_param: 1 }, "bad_request", "bad 'random_param' parameter"],
    [
      "string timestamp",
      { ...JUNE_2018, created_at_after: "1527811200" },
      "parameter_invalid",
      "'created_at_after' must be an integer unix timestamp",
    ],
    [
      "fractional timestamp",
      { ...JUNE_2018, created_at_before: 1530316800.5 },
      "parameter_invalid",
      "'created_at_before' must be an integer unix timestamp",
    ],
    ["invalid JSON", "{not json", "bad_request", "There was a problem in the JSON you submitted"],
    ["JSON array", "[1,2]", "bad_request", "There was a problem in the JSON you submitted"],
  ];
  test.each(cases)("400 for %s", async (_name, body, code, message) => {
    const res =
      typeof body === "string"
        ? await call(emulator, "POST", "/export/content/data", { raw: body })
        : await createJob(emulator, body);
    expect(res.status).toBe(400);
    expectErrorSchema(res.json);
    expect(res.json).toEqual({ type: "error.list", request_id: null, errors: [{ code, message }] });
    expect(emulator.listJobs()).toHaveLength(0);
  });

  test("a range of a single instant is valid (after == before)", async () => {
    const res = await createJob(emulator, { created_at_after: 1527811200, created_at_before: 1527811200 });
    expect(res.status).toBe(200);
  });

  test("one active job per workspace: 429, freed once the job is terminal", async () => {
    const first = await createJob(emulator);
    expect(first.status).toBe(200);
    const second = await createJob(emulator);
    expect(second.status).toBe(429);
    expectErrorSchema(second.json);
    expect(second.json).toEqual({
      type: "error.list",
      request_id: expect.stringMatching(UUID),
      errors: [
        { code: "rate_limit_exceeded", message: "Exceeded rate limit of 1 pending message data export jobs" },
      ],
    });
    // Still 429 while in_progress.
    time.advance(500);
    expect(
      (await jobStatus(emulator, (first.json as Record<string, string>).job_identifier)).json,
    ).toMatchObject({
      status: "in_progress",
    });
    expect((await createJob(emulator)).status).toBe(429);
    finish();
    const third = await createJob(emulator);
    expect(third.status).toBe(200);
    expect(emulator.listJobs()).toHaveLength(2);
  });

  test("no_data and failed jobs free the slot too", async () => {
    emulator.configure({ outcome: "failed" });
    expect((await createJob(emulator)).status).toBe(200);
    finish();
    emulator.configure({ outcome: "no_data" });
    expect((await createJob(emulator)).status).toBe(200);
    finish();
    expect((await createJob(emulator)).status).toBe(200);
  });

  test("a job started outside the API (createJobDirectly) blocks API creates", async () => {
    const direct = emulator.createJobDirectly(JUNE_2018);
    expect(direct.status).toBe("pending");
    expect(direct.direct).toBe(true);
    expect((await createJob(emulator)).status).toBe(429);
    // ...and the direct job is visible through the API.
    const res = await jobStatus(emulator, direct.id);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(direct.body);
  });
});

describe("status and lifecycle", () => {
  test("pending -> in_progress -> completed with a download URL valid for two days", async () => {
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    const createdAt = time.now;
    const statusAt = async () => {
      const res = await jobStatus(emulator, id);
      expect(res.status).toBe(200);
      expectJobSchema(res.json);
      return res.json as Record<string, string>;
    };
    expect((await statusAt()).status).toBe("pending");
    time.advance(299);
    expect((await statusAt()).status).toBe("pending");
    time.advance(1);
    expect(await statusAt()).toEqual({
      job_identifier: id,
      status: "in_progress",
      download_url: "",
      download_expires_at: "",
    });
    time.advance(699);
    expect((await statusAt()).status).toBe("in_progress");
    time.advance(1);
    const done = await statusAt();
    const completedAt = Math.floor((createdAt + 1000) / 1000);
    expect(done).toEqual({
      job_identifier: id,
      status: "completed",
      download_url: `${emulator.url}/download/content/data/${id}`,
      download_expires_at: String(completedAt + 172800),
    });
    expect(Object.keys(done)).toEqual(JOB_KEYS);
  });

  test("a range with no receipts ends as no_data with empty url and expiry", async () => {
    // Before the synthetic workspace existed (default 2018-01-01).
    const res = await createJob(emulator, { created_at_after: 1400000000, created_at_before: 1400086400 });
    const id = (res.json as Record<string, string>).job_identifier;
    finish();
    const status = await jobStatus(emulator, id);
    expectJobSchema(status.json);
    expect(status.json).toEqual({
      job_identifier: id,
      status: "no_data",
      download_url: "",
      download_expires_at: "",
    });
  });

  test("a range in the future has no data either", async () => {
    const nowSec = Math.floor(time.now / 1000);
    const res = await createJob(emulator, {
      created_at_after: nowSec + 86400 * 2,
      created_at_before: nowSec + 86400 * 3,
    });
    finish();
    expect(
      (await jobStatus(emulator, (res.json as Record<string, string>).job_identifier)).json,
    ).toMatchObject({
      status: "no_data",
    });
  });

  test("receiptsPerDay 0 means no data anywhere", async () => {
    emulator.configure({ receiptsPerDay: 0 });
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    finish();
    expect((await jobStatus(emulator, id)).json).toMatchObject({ status: "no_data" });
  });

  test("forced failed outcome: 200 by default, 504 with the job body when failedAs504", async () => {
    emulator.configure({ outcome: "failed" });
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    finish();
    const plain = await jobStatus(emulator, id);
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual({
      job_identifier: id,
      status: "failed",
      download_url: "",
      download_expires_at: "",
    });
    emulator.configure({ failedAs504: true });
    const timeout = await jobStatus(emulator, id);
    expect(timeout.status).toBe(504);
    expectJobSchema(timeout.json);
    expect(timeout.json).toEqual(plain.json);
  });

  test("timings and outcome are fixed when the job is created", async () => {
    emulator.configure({ pendingMs: 10_000 });
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    emulator.configure({ pendingMs: 0, inProgressMs: 0, outcome: "failed" });
    expect((await jobStatus(emulator, id)).json).toMatchObject({ status: "pending" });
    time.advance(10_700);
    expect((await jobStatus(emulator, id)).json).toMatchObject({ status: "completed" });
  });

  test("unknown job: 404 with the documented message and an Intercom-style request id", async () => {
    const res = await jobStatus(emulator, "mqj3mpa4has8");
    expect(res.status).toBe(404);
    expectErrorSchema(res.json);
    expect(res.json).toEqual({
      type: "error.list",
      request_id: expect.stringMatching(INTERCOM_REQUEST_ID),
      errors: [{ code: "not_found", message: "Export job not found for identifier: mqj3mpa4has8" }],
    });
    expect((res.json as { request_id: string }).request_id).toBe(res.headers.get("x-request-id"));
  });

  test("an expired job is still shown by default, with download_expires_at in the past", async () => {
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    finish();
    const expired = emulator.expireJob(id);
    expect(expired?.expired).toBe(true);
    const res = await jobStatus(emulator, id);
    expect(res.status).toBe(200);
    const body = res.json as Record<string, string>;
    expect(body.status).toBe("completed");
    expect(Number(body.download_expires_at)).toBeLessThan(time.now / 1000);
  });

  test("forgetExpiredJobs: status and cancel answer 404 after expiry", async () => {
    emulator.configure({ forgetExpiredJobs: true });
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    finish();
    expect((await jobStatus(emulator, id)).status).toBe(200);
    emulator.expireJob(id);
    const res = await jobStatus(emulator, id);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({
      errors: [{ code: "not_found", message: `Export job not found for identifier: ${id}` }],
    });
    expect((await call(emulator, "POST", `/export/cancel/${id}`)).status).toBe(404);
  });

  test("expiring a running job moves it through to its outcome", async () => {
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    expect(emulator.expireJob(id)).toMatchObject({ status: "completed", expired: true });
    expect(emulator.expireJob("nope")).toBeUndefined();
  });

  test("forgetJob: the API answers 404", async () => {
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    expect(emulator.forgetJob(id)).toBe(true);
    expect((await jobStatus(emulator, id)).status).toBe(404);
    expect(emulator.forgetJob(id)).toBe(false);
  });
});

describe("documented variants", () => {
  test("idKey job_identfier (OAS 2.7-2.13 and Preview typo)", async () => {
    emulator.configure({ idKey: "job_identfier" });
    const res = await createJob(emulator);
    const body = res.json as Record<string, string>;
    expect(Object.keys(body)).toEqual(["job_identfier", "status", "download_url", "download_expires_at"]);
    expectJobSchema(body);
    expect((await jobStatus(emulator, body.job_identfier)).json).toMatchObject({
      job_identfier: body.job_identfier,
    });
  });

  test("completedStatus complete (docs prose and the 2.5 example)", async () => {
    emulator.configure({ completedStatus: "complete" });
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    finish();
    const body = (await jobStatus(emulator, id)).json as Record<string, string>;
    expect(body.status).toBe("complete");
    expect(body.download_url).toBe(`${emulator.url}/download/content/data/${id}`);
  });

  test("downloadBaseUrl replaces the host of download_url; downloadTtlSeconds the lifetime", async () => {
    emulator.configure({ downloadBaseUrl: "https://api.eu.intercom.io/", downloadTtlSeconds: 60 });
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    finish();
    const body = (await jobStatus(emulator, id)).json as Record<string, string>;
    expect(body.download_url).toBe(`https://api.eu.intercom.io/download/content/data/${id}`);
    expect(Number(body.download_expires_at)).toBe(Math.floor(time.now / 1000) + 60);
  });

  test("legacy /export/messages/data paths only when switched on", async () => {
    expect((await call(emulator, "POST", "/export/messages/data", { body: JUNE_2018 })).status).toBe(404);
    emulator.configure({ legacyMessagesPaths: true });
    const res = await call(emulator, "POST", "/export/messages/data", { body: JUNE_2018 });
    expect(res.status).toBe(200);
    const id = (res.json as Record<string, string>).job_identifier;
    expect((await call(emulator, "GET", `/export/messages/data/${id}`)).status).toBe(200);
  });
});

describe("cancel", () => {
  test("a pending job becomes canceled and frees the slot", async () => {
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    const res = await call(emulator, "POST", `/export/cancel/${id}`);
    expect(res.status).toBe(200);
    expectJobSchema(res.json);
    expect(res.json).toEqual({
      job_identifier: id,
      status: "canceled",
      download_url: "",
      download_expires_at: "",
    });
    finish();
    expect((await jobStatus(emulator, id)).json).toMatchObject({ status: "canceled" });
    expect((await createJob(emulator)).status).toBe(200);
  });

  test("an in_progress job becomes canceled", async () => {
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    time.advance(400);
    expect((await call(emulator, "POST", `/export/cancel/${id}`)).json).toMatchObject({ status: "canceled" });
  });

  test("terminal jobs are returned unchanged", async () => {
    const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
    finish();
    const before = (await jobStatus(emulator, id)).json;
    const res = await call(emulator, "POST", `/export/cancel/${id}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(before);
    expect((before as Record<string, string>).status).toBe("completed");
  });

  test("unknown job: 404", async () => {
    const res = await call(emulator, "POST", "/export/cancel/doesnotexist");
    expect(res.status).toBe(404);
    expectErrorSchema(res.json);
    expect(res.json).toMatchObject({
      errors: [{ code: "not_found", message: "Export job not found for identifier: doesnotexist" }],
    });
  });
});

describe("auth, rate limits, unknown paths", () => {
  test.each([
    ["missing", null],
    ["invalid", "wrong-token"],
  ])("401 for a %s token, without rate-limit headers", async (state, token) => {
    const res = await createJob(emulator, JUNE_2018, { token });
    expect(res.status).toBe(401);
    expectErrorSchema(res.json);
    expect(res.json).toEqual({
      type: "error.list",
      request_id: expect.stringMatching(UUID),
      errors: [{ code: "unauthorized", message: "Access Token Invalid" }],
    });
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    expect(res.headers.get("x-ratelimit-remaining")).toBeNull();
    expect(res.headers.get("x-ratelimit-reset")).toBeNull();
    expect(emulator.listJobs()).toHaveLength(0);
    expect(emulator.requests.at(-1)?.auth).toBe(state);
  });

  test("a non-Bearer scheme is invalid", async () => {
    const res = await call(emulator, "GET", "/export/content/data/x", {
      token: null,
      headers: { Authorization: `Basic ${TOKEN}` },
    });
    expect(res.status).toBe(401);
    expect(emulator.requests.at(-1)?.auth).toBe("invalid");
  });

  test("authenticated responses carry X-RateLimit-* and X-Request-Id", async () => {
    const windowEnd = Math.floor(time.now / 10_000) * 10 + 10;
    const first = await createJob(emulator);
    const second = await jobStatus(emulator, "unknown");
    expect(first.headers.get("x-ratelimit-limit")).toBe("166");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("165");
    expect(first.headers.get("x-ratelimit-reset")).toBe(String(windowEnd));
    expect(second.headers.get("x-ratelimit-remaining")).toBe("164");
    expect(first.headers.get("x-request-id")).toMatch(INTERCOM_REQUEST_ID);
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
  });

  test("general limit: 429 with Retry-After once the window's limit is used; next window is fresh", async () => {
    emulator.configure({ rateLimit: 3 });
    const windowStart = Math.floor(time.now / 10_000) * 10_000 + 10_000;
    time.advance(windowStart + 4_000 - time.now); // into the next window, 6 s before it ends
    for (let i = 0; i < 3; i++) expect((await jobStatus(emulator, "x")).status).toBe(404);
    const limited = await jobStatus(emulator, "x");
    expect(limited.status).toBe(429);
    expectErrorSchema(limited.json);
    expect(limited.json).toEqual({
      type: "error.list",
      request_id: expect.stringMatching(UUID),
      errors: [{ code: "rate_limit_exceeded", message: "Exceeded rate limit of 3 in 10_seconds" }],
    });
    expect(limited.headers.get("retry-after")).toBe("6");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset")).toBe(String(windowStart / 1000 + 10));
    time.advance(6_000);
    expect((await jobStatus(emulator, "x")).status).toBe(404);
  });

  test.each([
    ["GET", "/nope"],
    ["GET", "/export/content/data"],
    ["DELETE", "/export/content/data/abc"],
    ["GET", "/export/cancel/abc"],
  ])("%s %s: 404 check your path", async (method, path) => {
    const res = await call(emulator, method, path);
    expect(res.status).toBe(404);
    expectErrorSchema(res.json);
    expect(res.json).toEqual({
      type: "error.list",
      errors: [
        {
          code: "not_found",
          message: "The requested resource does not exist; check your path and try again",
        },
      ],
    });
    expect(emulator.requests.at(-1)?.route).toBe("other");
  });
});

describe("request log", () => {
  test("records route, status, headers of interest and auth state, never the token", async () => {
    const id = (
      (await createJob(emulator, JUNE_2018, { headers: { "Intercom-Version": "2.11", "User-Agent": "t/1" } }))
        .json as Record<string, string>
    ).job_identifier;
    await call(emulator, "GET", `/export/content/data/${id}`, { token: "secret-wrong-token" });
    await call(emulator, "POST", `/export/cancel/${id}`);
    await call(emulator, "GET", `/download/content/data/${id}`, {
      headers: { Accept: "application/octet-stream" },
    });
    await call(emulator, "GET", "/elsewhere", { token: null });
    expect(emulator.requests.map((r) => [r.method, r.route, r.status, r.auth])).toEqual([
      ["POST", "create", 200, "valid"],
      ["GET", "status", 401, "invalid"],
      ["POST", "cancel", 200, "valid"],
      ["GET", "download", 404, "valid"],
      ["GET", "other", 401, "missing"],
    ]);
    const [create] = emulator.requests;
    expect(create).toMatchObject({
      path: "/export/content/data",
      jobId: id,
      headers: { intercomVersion: "2.11", userAgent: "t/1", contentType: "application/json" },
    });
    expect(new Date(create.time).getTime()).toBe(time.now);
    expect(emulator.requests[3].headers.accept).toBe("application/octet-stream");
    const serialized = JSON.stringify(emulator.requests);
    expect(serialized).not.toContain(TOKEN);
    expect(serialized).not.toContain("secret-wrong-token");
    emulator.clearRequests();
    expect(emulator.requests).toHaveLength(0);
  });
});

describe("real time", () => {
  test("with real timers a job completes after pendingMs + inProgressMs", async () => {
    const real = await startEmulator({ pendingMs: 60, inProgressMs: 60 });
    try {
      const started = Date.now();
      const id = ((await createJob(real)).json as Record<string, string>).job_identifier;
      const seen = new Set<string>();
      let status = "";
      while (status !== "completed" && Date.now() - started < 3000) {
        status = ((await jobStatus(real, id)).json as Record<string, string>).status;
        seen.add(status);
        await new Promise((r) => setTimeout(r, 15));
      }
      expect(status).toBe("completed");
      expect([...seen]).toEqual(["pending", "in_progress", "completed"]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    } finally {
      await real.close();
    }
  });
});
