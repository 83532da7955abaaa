/** Injected faults: each kind as a client sees it, FIFO per route, and whether the request had its effect. */
import { request } from "node:http";
import { startEmulator, type Emulator } from "../../emulator";
import { call, createJob, download, jobStatus, JUNE_2018, steppedClock, TOKEN } from "./helpers";

let emulator: Emulator;
const time = steppedClock();

beforeAll(async () => {
  emulator = await startEmulator({ clock: time.clock });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  time.advance(60_000);
});

const ONE_DAY = { created_at_after: 1528329600, created_at_before: 1528329600 };

async function completedJobId(range: object = ONE_DAY): Promise<string> {
  const id = ((await createJob(emulator, range)).json as Record<string, string>).job_identifier;
  time.advance(1000);
  return id;
}

test("status faults: a burst of 503s then normal answers, FIFO per route", async () => {
  emulator.injectFaults("status", [
    { kind: "status", status: 503 },
    { kind: "status", status: 500 },
  ]);
  const id = await completedJobId(); // create is not affected by status faults
  const first = await jobStatus(emulator, id);
  expect(first.status).toBe(503);
  expect(first.json).toMatchObject({ type: "error.list", errors: [{ code: "service_unavailable" }] });
  expect((await jobStatus(emulator, id)).status).toBe(500);
  const third = await jobStatus(emulator, id);
  expect(third.status).toBe(200);
  expect(third.json).toMatchObject({ status: "completed" });
  expect(emulator.requests.filter((r) => r.route === "status").map((r) => [r.status, r.fault])).toEqual([
    [503, "status"],
    [500, "status"],
    [200, undefined],
  ]);
  expect(emulator.pendingFaults().status).toEqual([]);
});

test("429 faults carry the headers given (Retry-After or X-RateLimit-Reset)", async () => {
  emulator.injectFaults("create", [
    { kind: "status", status: 429, headers: { "Retry-After": "2" } },
    { kind: "status", status: 429, headers: { "X-RateLimit-Reset": "1800000000" }, body: { custom: true } },
  ]);
  const a = await createJob(emulator);
  expect(a.status).toBe(429);
  expect(a.headers.get("retry-after")).toBe("2");
  expect(a.json).toMatchObject({
    errors: [{ code: "rate_limit_exceeded", message: "Exceeded rate limit of 166 in 10_seconds" }],
  });
  const b = await createJob(emulator);
  expect(b.headers.get("x-ratelimit-reset")).toBe("1800000000");
  expect(b.json).toEqual({ custom: true });
  expect(emulator.listJobs()).toHaveLength(0);
  expect((await createJob(emulator)).status).toBe(200);
});

test("a faulted create does not create the job by default", async () => {
  emulator.injectFaults("create", [{ kind: "status", status: 500 }]);
  expect((await createJob(emulator)).status).toBe(500);
  expect(emulator.listJobs()).toHaveLength(0);
});

test("afterEffect: the create reached Intercom (job exists) although the client saw a 502", async () => {
  emulator.injectFaults("create", [{ kind: "status", status: 502, afterEffect: true }]);
  const res = await createJob(emulator);
  expect(res.status).toBe(502);
  const jobs = emulator.listJobs();
  expect(jobs).toHaveLength(1);
  expect(jobs[0].status).toBe("pending");
  expect(emulator.requests[0].jobId).toBe(jobs[0].id);
  // A naive retry now hits the one-job limit.
  expect((await createJob(emulator)).status).toBe(429);
});

test("afterEffect on cancel: the job is canceled although the connection was reset", async () => {
  const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
  emulator.injectFaults("cancel", [{ kind: "reset", afterEffect: true }]);
  await expect(call(emulator, "POST", `/export/cancel/${id}`)).rejects.toThrow();
  expect(emulator.getJob(id)?.status).toBe("canceled");
});

test("slow: headers come only after the delay, then the normal answer", async () => {
  emulator.injectFaults("status", [{ kind: "slow", delayMs: 250 }]);
  const started = Date.now();
  const res = await jobStatus(emulator, "nope");
  expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  expect(res.status).toBe(404);
  expect(emulator.requests[0].fault).toBe("slow");
});

test("reset: the socket is destroyed without a response", async () => {
  emulator.injectFaults("create", [{ kind: "reset" }]);
  await expect(createJob(emulator)).rejects.toThrow();
  expect(emulator.listJobs()).toHaveLength(0);
  expect(emulator.requests[0]).toMatchObject({ route: "create", status: 0, fault: "reset" });
  expect((await createJob(emulator)).status).toBe(200);
});

test("malformed: 200 with JSON cut in the middle", async () => {
  emulator.injectFaults("create", [{ kind: "malformed" }]);
  const res = await createJob(emulator);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(res.json).toBeUndefined();
  expect(res.text.startsWith('{"job_identifier":')).toBe(true);
  expect(() => JSON.parse(res.text)).toThrow();
  expect(emulator.listJobs()).toHaveLength(0);
});

test("malformed with afterEffect truncates the real job body", async () => {
  emulator.injectFaults("create", [{ kind: "malformed", afterEffect: true }]);
  const res = await createJob(emulator);
  const [job] = emulator.listJobs();
  expect(job).toBeDefined();
  expect(JSON.stringify(job.body).startsWith(res.text)).toBe(true);
});

test("html: 502 with an HTML page", async () => {
  emulator.injectFaults("status", [{ kind: "html" }]);
  const res = await jobStatus(emulator, "x");
  expect(res.status).toBe(502);
  expect(res.headers.get("content-type")).toBe("text/html");
  expect(res.text).toContain("<html>");
  expect(res.text).toContain("502 Bad Gateway");
});

test("unknownStatus: the real job with status archived", async () => {
  const id = ((await createJob(emulator)).json as Record<string, string>).job_identifier;
  emulator.injectFaults("status", [{ kind: "unknownStatus" }]);
  const res = await jobStatus(emulator, id);
  expect(res.status).toBe(200);
  expect(res.json).toEqual({
    job_identifier: id,
    status: "archived",
    download_url: "",
    download_expires_at: "",
  });
  expect(((await jobStatus(emulator, id)).json as Record<string, string>).status).toBe("pending");
});

/** Raw GET that reports the announced length and what actually arrived before the connection ended. */
function rawDownload(
  url: string,
): Promise<{ status: number; announced: number; received: number; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: { Authorization: `Bearer ${TOKEN}`, Accept: "application/octet-stream" } },
      (res) => {
        let received = 0;
        let aborted = false;
        res.on("data", (chunk: Buffer) => (received += chunk.length));
        res.on("aborted", () => (aborted = true));
        res.on("error", () => (aborted = true));
        res.on("close", () =>
          resolve({
            status: res.statusCode ?? 0,
            announced: Number(res.headers["content-length"]),
            received,
            aborted: aborted || !res.complete,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

test("truncate: the download announces its full length and stops halfway", async () => {
  const id = await completedJobId(JUNE_2018);
  const full = await download(emulator, id);
  expect(full.status).toBe(200);
  emulator.injectFaults("download", [{ kind: "truncate" }]);
  const cut = await rawDownload(`${emulator.url}/download/content/data/${id}`);
  expect(cut.status).toBe(200);
  expect(cut.announced).toBe(full.bytes.length);
  expect(cut.received).toBe(Math.floor(full.bytes.length / 2));
  expect(cut.aborted).toBe(true);
  // fetch users see an error while reading the body.
  emulator.injectFaults("download", [{ kind: "truncate", atBytes: 100 }]);
  await expect(download(emulator, id)).rejects.toThrow();
});

test("faults on the other route hit unknown paths only", async () => {
  emulator.injectFaults("other", [{ kind: "status", status: 418, body: "teapot" }]);
  expect((await jobStatus(emulator, "x")).status).toBe(404);
  const res = await call(emulator, "GET", "/whatever");
  expect(res.status).toBe(418);
  expect(res.text).toBe("teapot");
  expect(res.headers.get("content-type")).toBe("text/plain");
});

test("faults come before auth: a faulted request without a token still sees the fault", async () => {
  emulator.injectFaults("create", [{ kind: "status", status: 503 }]);
  expect((await createJob(emulator, JUNE_2018, { token: null })).status).toBe(503);
  expect((await createJob(emulator, JUNE_2018, { token: null })).status).toBe(401);
});
