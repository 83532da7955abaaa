/**
 * The fault matrix: each call the provider makes (create, status, cancel, download) × each fault the emulator can
 * inject, through the provider's own code paths against the emulator over loopback HTTP:
 *
 *   create    lifecycle `create` (startExport; waitForCompletion off unless the cell says so)
 *   status    lifecycle `create` of a job that is pending at create and completed by the first poll (0.1 s
 *             later): the faults hit the status polls of the wait
 *   cancel    lifecycle `delete` with cancelOnDelete of a pending job
 *   download  IntercomClient.download of a completed job, body read to the end and compared with a clean download
 *
 * Every cell states its outcome (success, or the specific error class), the exact number of requests per route
 * from the emulator's request log, and whether the job id survives. Cells that cannot happen are marked N/A with
 * the reason. Every cell also checks that the token never leaks: injected error bodies echo it on purpose
 * (`Authorization: Bearer <token>` as a second error item), and neither the thrown error (message, stack,
 * JSON incl. `properties`, deep inspect), nor the result, nor the provider's logs may contain it.
 *
 * Timing: retry backoff 5-20 ms, request timeout 0.4 s, and a clock that records each requested sleep and
 * really sleeps 1/50 of those ≥ 0.5 s, so "Retry-After: 1" is asserted as a 1 s wait that takes 20 ms.
 *
 * Outcomes, row by row (the table below is the source of truth; this is its summary):
 * - 5xx burst (500, 502, 503, each with no effect): every call succeeds after 3 retries (4 requests). For create
 *   each POST again is safe under the one-job rule (a job started by an earlier POST would make Intercom refuse
 *   the next with the busy-slot 429), so a burst that created nothing ends with one job.
 * - 503 after effect: create → CreateOutcomeUnknownError after 2 POSTs: the second gets the busy-slot 429
 *   because the first did start a job, whose id is lost (the emulator shows it exists). Cancel is idempotent:
 *   success after 2. GETs change nothing, so status/download are N/A (same as the burst).
 * - 503 ×5 (the retry limit is 4): create → CreateOutcomeUnknownError after 5 POSTs, no job; status → the wait
 *   outlives the client's retries and succeeds (6 polls); cancel/download → ServerError after 5.
 * - 429 with Retry-After: 1 / X-RateLimit-Reset (now + 1 s): waits the time named (≥ 1 s recorded), then
 *   succeeds: 2 requests on every route.
 * - 429 with Retry-After: 600 (beyond maxRetryAfterSeconds = 120): create/cancel/download → RateLimitError after 1
 *   request; status → the wait goes on and checks again no sooner than named (bounded by timeoutSeconds = 5).
 * - busy slot: create only. Twice busy then free → success after 3 POSTs, logged; a job started elsewhere with
 *   slotWaitSeconds = 0 → ExportSlotWaitTimeoutError after 1 POST.
 * - slow headers (1 s, timeout 0.4 s): timed out, retried, success after 2 (the emulator drops a request
 *   whose client left, so the abandoned POST created nothing).
 * - connection reset: success after 2; after effect: create → CreateOutcomeUnknownError (job exists, id lost),
 *   cancel → success after 2.
 * - malformed JSON (200, cut in half): retried → success after 2. Create reads the job id from the partial body
 *   and reads the job back: after effect → success with that job (1 POST, 1 GET); without effect the emulator's
 *   made-up id is unknown (404), so the POST is sent again → success (2 POSTs, 1 GET).
 * - HTML error page (502): like a 5xx; after effect: like 503 after effect.
 * - unknown status value ('archived'): waited on with one warning (create, status); cancel accepts it with a
 *   warning. A download has no status: N/A.
 * - 400 / 401 / 403: never retried: the class (BadRequestError, AuthenticationError) after 1 request, carrying
 *   Intercom's code, message and request id; during a wait the error carries the job id.
 * - 404: create/download → NotFoundError after 1; status → NotFoundError with the job id kept; cancel → done
 *   (Intercom no longer knows the job: nothing to cancel).
 */
import type { EmulatorOptions, Fault, FaultRoute } from "../../emulator";
import { IntercomExportError } from "../../provider/errors";
import { create, del } from "../../provider/lifecycle";
import * as errors from "../../provider/errors";
import { FAST, JUNE, TOKEN, useEmulator } from "../helpers/provider-env";
import { DONE_BY_FIRST_POLL, expectNoLeak, fastSeams, FIRST_POLL, testClient } from "./helpers";

type Call = "create" | "status" | "cancel" | "download";
type Route = Exclude<FaultRoute, "other">;
type ErrorName = keyof typeof errors;

interface Expect {
  /** "success", or the name of the error class (for a partial failure: its `name`). */
  outcome: "success" | ErrorName;
  /** Exact request counts per route (routes not named: 0), counted after the call's setup. */
  requests: Partial<Record<Route, number>>;
  /** create: jobs started through the API that exist in the emulator afterwards. */
  jobs?: number;
  /** The error carries the job's id (partial failure: `id` and `properties.jobIdentifier`). */
  idKept?: boolean;
  /** cancel: whether the job ends canceled in the emulator (default: true on success). */
  canceled?: boolean;
  /** A requested sleep in [min, max] ms (the server-named wait). */
  slept?: [number, number];
  /** Matched against the error message. */
  message?: RegExp;
  /** Matched against the provider's logs. */
  log?: RegExp;
}

interface Cell {
  /** The faults to inject on the call's route (a function for values computed at run time). */
  faults?: Fault[] | (() => Fault[]);
  emulator?: Partial<EmulatorOptions>;
  inputs?: Record<string, unknown>;
  /** Runs after the call's own setup, before the faults are injected. */
  setup?: () => void;
  expect?: Expect;
  /** Why the cell does not apply. */
  na?: string;
  note?: string;
}

type Row = { fault: string } & Record<Call, Cell>;

const env = useEmulator();
const PROVIDER = "exports.handler = function () {}";

// ---- faults ----------------------------------------------------------------------------------------------

/** An error.list whose second item echoes the token, as a careless proxy or API might. */
const body = (code: string, message: string, requestId: string | null = "req-matrix") => ({
  type: "error.list",
  request_id: requestId,
  errors: [
    { code, message },
    { code: "echo", message: `Authorization: Bearer ${TOKEN}` },
  ],
});
const status = (s: number, code: string, message: string, more: Partial<Fault> = {}): Fault =>
  ({ kind: "status", status: s, body: body(code, message), ...more }) as Fault;
const s5xx = (s: number, afterEffect = false) =>
  status(s, "service_unavailable", "Sorry, the API service is temporarily unavailable", { afterEffect });
const RATE = "Exceeded rate limit of 166 in 10_seconds";
const rate = (headers: Record<string, string>) =>
  status(429, "rate_limit_exceeded", RATE, { headers } as Partial<Fault>);
const BUSY = status(429, "rate_limit_exceeded", "Exceeded rate limit of 1 pending message data export jobs");
const BURST = [s5xx(500), s5xx(502), s5xx(503)];
const FIVE_503 = Array.from({ length: 5 }, () => s5xx(503));
const SLOW: Fault = { kind: "slow", delayMs: 1000 };
const RESET: Fault = { kind: "reset" };
const MALFORMED: Fault = { kind: "malformed" };
const HTML: Fault = { kind: "html" };
const UNKNOWN: Fault = { kind: "unknownStatus" };
const after = (f: Fault): Fault => ({ ...f, afterEffect: true });
const resetIn1s = (): Fault[] => [rate({ "X-RateLimit-Reset": String(Math.ceil(Date.now() / 1000) + 1) })];

// ---- expectations -----------------------------------------------------------------------------------------

const ok = (requests: Expect["requests"], more: Partial<Expect> = {}): Expect => ({
  outcome: "success",
  requests,
  ...more,
});
const fails = (outcome: ErrorName, requests: Expect["requests"], more: Partial<Expect> = {}): Expect => ({
  outcome,
  requests,
  ...more,
});
const GET_NA = "a GET changes nothing on the server: the same as the fault without effect";
const CREATE_ONLY = "only a create can meet the one-job rule (the busy-slot 429)";
/** A status cell: the create (1 POST) plus `n` status requests, the job id kept on failure. */
const polls = (n: number) => ({ create: 1, status: n });
const carries = (s: number, code: string, msg: string) =>
  new RegExp(`HTTP ${s} ${code}: ${msg.replace(/[.()]/g, "\\$&")} \\(request id req-matrix\\)`);
const nonRetried = (s: number, name: ErrorName, code: string, msg: string): Omit<Row, "fault"> => {
  const faults = [status(s, code, msg)];
  const message = carries(s, code, msg);
  return {
    create: { faults, expect: fails(name, { create: 1 }, { jobs: 0, message }) },
    status: {
      faults,
      emulator: DONE_BY_FIRST_POLL,
      expect: fails(name, polls(1), { idKept: true, message }),
    },
    cancel: { faults, expect: fails(name, { cancel: 1 }, { canceled: false, message }) },
    download: { faults, expect: fails(name, { download: 1 }, { message }) },
  };
};

const MATRIX: Row[] = [
  {
    fault: "500/502/503 burst",
    create: { faults: BURST, expect: ok({ create: 4 }, { jobs: 1, log: /sent again.*one-job rule/ }) },
    status: { faults: BURST, emulator: DONE_BY_FIRST_POLL, expect: ok(polls(4)) },
    cancel: { faults: BURST, expect: ok({ cancel: 4 }) },
    download: { faults: BURST, expect: ok({ download: 4 }) },
  },
  {
    fault: "503 after effect",
    create: {
      faults: [s5xx(503, true)],
      expect: fails(
        "CreateOutcomeUnknownError",
        { create: 2 },
        { jobs: 1, message: /sent again, and Intercom answered HTTP 429/ },
      ),
      note: "the job exists but its id was never seen: nothing to keep",
    },
    status: { na: GET_NA },
    cancel: { faults: [s5xx(503, true)], expect: ok({ cancel: 2 }) },
    download: { na: GET_NA },
  },
  {
    fault: "503 ×5 (retry limit 4)",
    create: {
      faults: FIVE_503,
      expect: fails("CreateOutcomeUnknownError", { create: 5 }, { jobs: 0, message: /failed 5 times/ }),
    },
    status: {
      faults: FIVE_503,
      emulator: DONE_BY_FIRST_POLL,
      expect: ok(polls(6), { log: /could not read the status.*still waiting/ }),
    },
    cancel: { faults: FIVE_503, expect: fails("ServerError", { cancel: 5 }, { canceled: false }) },
    download: { faults: FIVE_503, expect: fails("ServerError", { download: 5 }) },
  },
  ...(["Retry-After: 1", "X-RateLimit-Reset: now + 1 s"] as const).map((what): Row => {
    const faults = what.startsWith("Retry") ? [rate({ "Retry-After": "1" })] : resetIn1s;
    const slept: [number, number] = what.startsWith("Retry") ? [1000, 1250] : [900, 2300];
    return {
      fault: `429 with ${what}`,
      create: { faults, expect: ok({ create: 2 }, { jobs: 1, slept }) },
      status: { faults, emulator: DONE_BY_FIRST_POLL, expect: ok(polls(2), { slept }) },
      cancel: { faults, expect: ok({ cancel: 2 }, { slept }) },
      download: { faults, expect: ok({ download: 2 }, { slept }) },
    };
  }),
  {
    fault: "429 with Retry-After: 600 (over maxRetryAfterSeconds)",
    create: {
      faults: [rate({ "Retry-After": "600" })],
      expect: fails("RateLimitError", { create: 1 }, { jobs: 0 }),
    },
    status: {
      faults: [rate({ "Retry-After": "600" })],
      emulator: DONE_BY_FIRST_POLL,
      inputs: { timeoutSeconds: 5 },
      expect: ok(polls(2), { slept: [4000, 5000] }),
      note: "the wait goes on; the next check is no sooner than named, bounded by the deadline",
    },
    cancel: { faults: [rate({ "Retry-After": "600" })], expect: fails("RateLimitError", { cancel: 1 }) },
    download: { faults: [rate({ "Retry-After": "600" })], expect: fails("RateLimitError", { download: 1 }) },
  },
  {
    fault: "busy slot ×2, then free",
    create: { faults: [BUSY, BUSY], expect: ok({ create: 3 }, { jobs: 1, log: /export slot busy/ }) },
    status: { na: CREATE_ONLY },
    cancel: { na: CREATE_ONLY },
    download: { na: CREATE_ONLY },
  },
  {
    fault: "busy slot past slotWaitSeconds",
    create: {
      setup: () =>
        void env.emu.createJobDirectly({ created_at_after: 1717200000, created_at_before: 1717286400 }),
      inputs: { slotWaitSeconds: 0 },
      expect: fails(
        "ExportSlotWaitTimeoutError",
        { create: 1 },
        { jobs: 0, message: /one content data export job per workspace/ },
      ),
    },
    status: { na: CREATE_ONLY },
    cancel: { na: CREATE_ONLY },
    download: { na: CREATE_ONLY },
  },
  {
    fault: "slow headers (1 s > timeout 0.4 s)",
    create: { faults: [SLOW], expect: ok({ create: 2 }, { jobs: 1 }) },
    status: { faults: [SLOW], emulator: DONE_BY_FIRST_POLL, expect: ok(polls(2)) },
    cancel: { faults: [SLOW], expect: ok({ cancel: 2 }) },
    download: { faults: [SLOW], expect: ok({ download: 2 }) },
  },
  {
    fault: "connection reset",
    create: { faults: [RESET], expect: ok({ create: 2 }, { jobs: 1 }) },
    status: { faults: [RESET], emulator: DONE_BY_FIRST_POLL, expect: ok(polls(2)) },
    cancel: { faults: [RESET], expect: ok({ cancel: 2 }) },
    download: { faults: [RESET], expect: ok({ download: 2 }) },
  },
  {
    fault: "connection reset after effect",
    create: {
      faults: [after(RESET)],
      expect: fails("CreateOutcomeUnknownError", { create: 2 }, { jobs: 1 }),
      note: "the job exists but its id was never seen",
    },
    status: { na: GET_NA },
    cancel: { faults: [after(RESET)], expect: ok({ cancel: 2 }) },
    download: { na: GET_NA },
  },
  {
    fault: "malformed JSON (200, cut short)",
    create: {
      faults: [MALFORMED],
      expect: ok({ create: 2, status: 1 }, { jobs: 1, log: /partial answer names job fault0000000000/ }),
      note: "the partial body names a job Intercom does not know (404), so the POST is sent again",
    },
    status: { faults: [MALFORMED], emulator: DONE_BY_FIRST_POLL, expect: ok(polls(2)) },
    cancel: { faults: [MALFORMED], expect: ok({ cancel: 2 }) },
    download: { na: "a download body is not JSON (a body cut short is the download module's truncate case)" },
  },
  {
    fault: "malformed JSON after effect",
    create: {
      faults: [after(MALFORMED)],
      expect: ok({ create: 1, status: 1 }, { jobs: 1 }),
      note: "the job id is read from the partial body and the job read back: nothing orphaned",
    },
    status: { na: GET_NA },
    cancel: { faults: [after(MALFORMED)], expect: ok({ cancel: 2 }) },
    download: { na: GET_NA },
  },
  {
    fault: "HTML error page (502)",
    create: { faults: [HTML], expect: ok({ create: 2 }, { jobs: 1 }) },
    status: {
      faults: [HTML],
      emulator: DONE_BY_FIRST_POLL,
      expect: ok(polls(2), { log: /an HTML page instead of JSON \("502 Bad Gateway"\)/ }),
    },
    cancel: { faults: [HTML], expect: ok({ cancel: 2 }) },
    download: { faults: [HTML], expect: ok({ download: 2 }) },
  },
  {
    fault: "HTML error page after effect",
    create: { faults: [after(HTML)], expect: fails("CreateOutcomeUnknownError", { create: 2 }, { jobs: 1 }) },
    status: { na: GET_NA },
    cancel: { faults: [after(HTML)], expect: ok({ cancel: 2 }) },
    download: { na: GET_NA },
  },
  {
    fault: "unknown status value ('archived')",
    create: {
      faults: [after(UNKNOWN)],
      emulator: DONE_BY_FIRST_POLL,
      inputs: { waitForCompletion: true, ...FIRST_POLL },
      expect: ok({ create: 1, status: 1 }, { jobs: 1, log: /does not know \('archived'\).*waiting/ }),
    },
    status: {
      faults: [UNKNOWN],
      emulator: DONE_BY_FIRST_POLL,
      expect: ok(polls(2), { log: /does not know \('archived'\).*waiting/ }),
    },
    cancel: { faults: [after(UNKNOWN)], expect: ok({ cancel: 1 }, { log: /does not know \('archived'\)/ }) },
    download: { na: "a download has no status value" },
  },
  {
    fault: "400 bad_request",
    ...nonRetried(400, "BadRequestError", "bad_request", "bad 'random_param' parameter"),
  },
  {
    fault: "401 unauthorized",
    ...nonRetried(401, "AuthenticationError", "unauthorized", "Access Token Invalid"),
  },
  {
    fault: "403 api_plan_restricted",
    ...nonRetried(403, "AuthenticationError", "api_plan_restricted", "Active subscription needed."),
  },
  {
    fault: "404 not_found",
    ...nonRetried(404, "NotFoundError", "not_found", "Export job not found for identifier: x"),
    cancel: {
      faults: [status(404, "not_found", "Export job not found for identifier: x")],
      expect: ok({ cancel: 1 }, { canceled: false, log: /unknown to Intercom.*nothing to cancel/ }),
    },
  },
];

// ---- running a cell ---------------------------------------------------------------------------------------

interface Run {
  value?: unknown;
  error?: Error & Record<string, unknown>;
  /** The job the call is about (status, cancel, download). */
  jobId?: string;
  /** download: the bytes a clean download returned, and what this one returned. */
  bytes?: { clean: Buffer; got: Buffer };
}

const inputs = (extra: Record<string, unknown> = {}) => ({
  ...JUNE,
  ...FAST,
  __provider: PROVIDER,
  ...extra,
});

async function capture(fn: () => Promise<unknown>): Promise<Pick<Run, "value" | "error">> {
  try {
    return { value: await fn() };
  } catch (e) {
    return { error: e as Error & Record<string, unknown> };
  }
}

async function readAll(client: ReturnType<typeof testClient>, id: string): Promise<Buffer> {
  const res = await client.download(id);
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function run(call: Call, cell: Cell): Promise<Run> {
  const emu = env.emu;
  const faults = () => (typeof cell.faults === "function" ? cell.faults() : (cell.faults ?? []));
  switch (call) {
    case "create": {
      emu.configure({ pendingMs: 60_000, ...cell.emulator });
      cell.setup?.();
      emu.injectFaults("create", faults());
      return capture(() => create(inputs({ waitForCompletion: false, ...cell.inputs })));
    }
    case "status": {
      emu.configure({ ...cell.emulator });
      emu.injectFaults("status", faults());
      const r = await capture(() => create(inputs({ ...FIRST_POLL, ...cell.inputs })));
      return { ...r, jobId: emu.listJobs()[0]?.id };
    }
    case "cancel": {
      emu.configure({ pendingMs: 60_000, ...cell.emulator });
      const { id, outs } = await create(inputs({ waitForCompletion: false, cancelOnDelete: true }));
      emu.clearRequests();
      emu.injectFaults("cancel", faults());
      return { ...(await capture(() => del(id, outs))), jobId: id };
    }
    case "download": {
      emu.configure({ pendingMs: 0, inProgressMs: 0, ...cell.emulator });
      // One day: a small download the emulator serves well within the request timeout.
      const { id } = await create(inputs({ createdAtAfter: "2024-06-03", createdAtBefore: "2024-06-03" }));
      const client = testClient(emu.url);
      const clean = await readAll(client, id);
      emu.clearRequests();
      emu.injectFaults("download", faults());
      let got: Buffer | undefined;
      const r = await capture(async () => (got = await readAll(client, id)));
      return { error: r.error, jobId: id, bytes: got && { clean, got } };
    }
  }
}

// ---- the table as test cases ------------------------------------------------------------------------------

const CALLS: Call[] = ["create", "status", "cancel", "download"];
const cells = MATRIX.flatMap((row) => CALLS.map((call) => ({ call, fault: row.fault, cell: row[call] })));
const live = cells.filter((c) => !c.cell.na);
const na = cells.filter((c) => c.cell.na);
const describeOutcome = (c: Cell) =>
  c.expect!.outcome === "success" ? "success" : c.expect!.outcome.replace(/Error$/, " error");

test("the matrix covers every call × fault, each cell either specified or N/A with a reason", () => {
  expect(cells).toHaveLength(MATRIX.length * CALLS.length);
  for (const c of cells) expect(Boolean(c.cell.na) !== Boolean(c.cell.expect)).toBe(true);
  expect(new Set(MATRIX.map((r) => r.fault)).size).toBe(MATRIX.length);
});

describe.each(CALLS)("%s", (call) => {
  let clock: ReturnType<typeof fastSeams>;
  beforeEach(() => {
    clock = fastSeams();
  });

  const mine = live.filter((c) => c.call === call);
  test.each(mine.map((c) => [c.fault, describeOutcome(c.cell), c.cell] as const))(
    "× %s → %s",
    async (_fault, _outcome, cell) => {
      const x = cell.expect!;
      const r = await run(call, cell);

      // Outcome: success, or exactly the error class named.
      if (x.outcome === "success") {
        expect(r.error).toBeUndefined();
      } else {
        expect(r.error).toBeDefined();
        expect(r.error!.name).toBe(x.outcome);
        if (!("id" in r.error!)) expect(r.error).toBeInstanceOf(errors[x.outcome] as unknown as typeof Error);
        else expect(r.error).toBeInstanceOf(Error);
        if (x.message) expect(r.error!.message).toMatch(x.message);
      }

      // Exact requests per route, every one authenticated (the token went to the configured host only).
      const counted: Record<string, number> = {};
      for (const q of env.emu.requests) counted[q.route] = (counted[q.route] ?? 0) + 1;
      expect(counted).toEqual(x.requests);
      expect(env.emu.requests.every((q) => q.auth === "valid")).toBe(true);

      // The job, wherever one exists.
      const jobs = env.emu.listJobs().filter((j) => !j.direct);
      if (call === "create") {
        expect(jobs).toHaveLength(x.jobs!);
        if (x.outcome === "success") {
          const { id, outs } = r.value as { id: string; outs: { jobIdentifier: string } };
          expect(jobs.map((j) => j.id)).toEqual([id]);
          expect(outs.jobIdentifier).toBe(id);
        } else if (r.error && "id" in r.error) {
          expect(jobs.map((j) => j.id)).toContain(r.error.id);
        }
      }
      if (call === "status") {
        const id = r.jobId!;
        if (x.outcome === "success") expect(r.value).toMatchObject({ id, outs: { status: "completed" } });
        if (x.idKept) {
          expect(r.error!.id).toBe(id);
          expect(r.error!.properties).toMatchObject({ jobIdentifier: id, __provider: PROVIDER });
        }
      }
      if (call === "cancel") {
        const canceled = x.canceled ?? x.outcome === "success";
        expect(env.emu.getJob(r.jobId!)!.status).toBe(canceled ? "canceled" : "pending");
      }
      if (call === "download" && x.outcome === "success") {
        expect(r.bytes!.got.equals(r.bytes!.clean)).toBe(true);
      }

      if (x.slept) {
        const [min, max] = x.slept;
        expect(clock.sleeps.some((ms) => ms >= min && ms <= max)).toBe(true);
      }
      if (x.log) expect(env.logs.join("\n")).toMatch(x.log);
      // Intercom's request id and code reach the person, wherever they are.
      if (r.error instanceof IntercomExportError && "code" in r.error && x.outcome !== "success") {
        expect(typeof r.error.code).toBe("string");
      }

      // No token anywhere: error, result, logs.
      expectNoLeak(TOKEN, r.error, env.logs);
      expect(JSON.stringify(r.value ?? null)).not.toContain(TOKEN);
    },
  );

  const notApplicable = na.filter((c) => c.call === call);
  if (notApplicable.length > 0) {
    test.each(notApplicable.map((c) => [c.fault, c.cell.na!] as const))("× %s: N/A (%s)", (_f, reason) => {
      expect(reason.length).toBeGreaterThan(10);
    });
  }
});
