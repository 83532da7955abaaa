/**
 * ContentDataExport under the REAL Pulumi engine (issue 3, end-to-end tests 1–7 and 9, plus a wrong token):
 * preview with unknowns, create, no-op up and refresh, replace vs. in-place update, a failed job, expiry on
 * refresh, destroy with and without cancelOnDelete, and bad inputs refused by `check`.
 *
 * Every scenario runs in its own temporary stack (tests/e2e/harness.ts: private PULUMI_HOME, `file://` backend),
 * one after another, against one emulator in this jest process. The dynamic provider process runs with the repo
 * root as its cwd, so `__provider` loads `dist/provider/runtime.js`: build first (`npm run build`, which
 * `npm test` does). Run alone: `npx jest tests/e2e/content-data-export.test.ts --selectProjects e2e`.
 */
import { PulumiFn } from "@pulumi/pulumi/automation";
import { Emulator, startEmulator } from "../../emulator";
import { ContentDataExport, CONTENT_DATA_EXPORT_TYPE } from "../../provider";
import { DaySource } from "./fixtures/day-source";
import {
  EMULATOR_TIMINGS,
  exportProgram,
  FAST,
  JUNE_1,
  JUNE_30,
  providerEnv as envFor,
  TOKEN,
} from "./fixtures/export-program";
import { cleanupAll, createTestStack, TestStack } from "./harness";

jest.setTimeout(180_000);

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator(EMULATOR_TIMINGS);
});

afterAll(async () => {
  await cleanupAll();
  await emu?.close();
});

// Every scenario starts from an empty emulator: no jobs, no requests, the start options (timings, outcome).
beforeEach(() => emu.reset());

const providerEnv = (extra: Record<string, string> = {}) => envFor(emu, extra);

/** Runs `fn` with a fresh temporary stack, then destroys and removes it (also when `fn` fails). */
async function withStack(
  name: string,
  program: PulumiFn,
  fn: (s: TestStack) => Promise<void>,
  { env = providerEnv() }: { env?: Record<string, string> } = {},
): Promise<void> {
  const s = await createTestStack({ name, program, env });
  try {
    await fn(s);
  } catch (e) {
    // The CLI output is the only way to see what the engine and the provider did.
    process.stderr.write(`\n----- CLI output of stack ${name} -----\n${s.logs}\n-----\n`);
    throw e;
  } finally {
    await s.cleanup();
  }
}

/** Only the range: every option at its default (the first status check comes after 2 s). */
const JUNE_RANGE_ONLY = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30" };

const routes = () => emu.requests.map((r) => r.route);

/** The one ContentDataExport in the stack's state. */
async function exportInState(s: TestStack) {
  const all = await s.resources(CONTENT_DATA_EXPORT_TYPE);
  expect(all).toHaveLength(1);
  return all[0];
}

/** Cancels a job through the emulator's API (what a person would do), to free the workspace's export slot. */
async function cancelDirectly(id: string): Promise<void> {
  const r = await fetch(`${emu.url}/export/cancel/${id}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, Accept: "application/json" },
  });
  expect(r.status).toBe(200);
}

test("1. preview with createdAtBefore unknown (another resource's output) succeeds and sends nothing", async () => {
  const program: PulumiFn = async () => {
    const end = new DaySource("end", { day: "2024-06-30" });
    const e = new ContentDataExport("export", {
      createdAtAfter: "2024-06-01",
      createdAtBefore: end.value,
      ...FAST,
    });
    return { createdAtBefore: e.createdAtBefore, status: e.status };
  };
  await withStack("unknown-input", program, async (s) => {
    const preview = await s.preview();
    expect(preview.changes).toEqual({ create: 2 });
    expect(preview.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(emu.requests).toEqual([]);
    expect(emu.listJobs()).toEqual([]);

    // And `up` resolves the unknown: the export is created with the other resource's value.
    const up = await s.up();
    expect(up.changes).toEqual({ create: 2 });
    expect(up.outputs).toEqual({ createdAtBefore: JUNE_30, status: "completed" });
    expect(emu.listJobs().map((j) => j.range)).toEqual([
      { created_at_after: JUNE_1, created_at_before: JUNE_30 },
    ]);
  });
});

test("2. up creates the export: outputs normalized, the emulator's job completed", async () => {
  await withStack("create", exportProgram(), async (s) => {
    const r = await s.up();
    expect(r.changes).toEqual({ create: 1 });
    const out = r.outputs!;
    const id = String(out.jobIdentifier);
    expect(id).toMatch(/^[a-z0-9]{16}$/);
    expect(out).toMatchObject({
      id,
      status: "completed",
      downloadUrl: `${emu.url}/download/content/data/${id}`,
      expired: false,
      createdAtAfter: JUNE_1,
      createdAtBefore: JUNE_30,
      endpoint: emu.url,
      pollIntervalSeconds: FAST.pollIntervalSeconds,
      maxPollIntervalSeconds: FAST.maxPollIntervalSeconds,
    });
    expect(out.downloadExpiresAt).toMatch(/^\d+$/);
    expect(out.downloadExpiresAtIso).toBe(new Date(Number(out.downloadExpiresAt) * 1000).toISOString());
    expect(String(out.completedAt)).not.toBe("");

    const jobs = emu.listJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      id,
      status: "completed",
      range: { created_at_after: JUNE_1, created_at_before: JUNE_30 },
    });
    expect(String(jobs[0].downloadExpiresAt)).toBe(out.downloadExpiresAt);
    // One create, then status polls; all authenticated.
    expect(routes()[0]).toBe("create");
    expect(routes().slice(1).length).toBeGreaterThanOrEqual(1);
    expect(
      routes()
        .slice(1)
        .every((r) => r === "status"),
    ).toBe(true);
    expect(emu.requests.every((r) => r.auth === "valid" && r.status === 200)).toBe(true);

    // The resource id is Intercom's job id; the provider said so as soon as it had it. State also keeps every
    // option with its effective value (read/update/delete only see the state).
    const res = await exportInState(s);
    expect(res.id).toBe(id);
    expect(res.outputs).toMatchObject({
      jobIdentifier: id,
      waitForCompletion: true,
      timeoutSeconds: 3600,
      slotWaitSeconds: 900,
      cancelOnDelete: false,
    });
    expect(s.logs).toContain(`started content data export job ${id}`);
  });
});

// Options the program does not set are still outputs, with their effective (default) values.
test("2b. option outputs carry their defaults when the program does not set them", async () => {
  await withStack("option-defaults", exportProgram({}, JUNE_RANGE_ONLY), async (s) => {
    const r = await s.up();
    expect(r.outputs).toMatchObject({
      status: "completed",
      waitForCompletion: true,
      timeoutSeconds: 3600,
      pollIntervalSeconds: 1,
      maxPollIntervalSeconds: 60,
      slotWaitSeconds: 900,
      cancelOnDelete: false,
    });
  });
});

test("3. a second up reports no changes (no request); refresh reports no changes (one status request)", async () => {
  await withStack("no-changes", exportProgram(), async (s) => {
    const first = await s.up();
    const id = String(first.outputs!.jobIdentifier);
    const before = (await exportInState(s)).outputs;

    emu.clearRequests();
    const again = await s.up({ expectNoChanges: true });
    expect(again.changes).toEqual({ same: 1 });
    expect(emu.requests).toEqual([]);

    const refresh = await s.refresh({ expectNoChanges: true });
    expect(refresh.changes).toEqual({ same: 1 });
    expect(emu.requests.map((r) => [r.route, r.jobId])).toEqual([["status", id]]);
    expect((await exportInState(s)).outputs).toEqual(before);
    expect(emu.listJobs()).toHaveLength(1);
  });
});

test("4. changing the range replaces (a new job); changing only timeoutSeconds updates in place", async () => {
  await withStack("replace-update", exportProgram(), async (s) => {
    const first = String((await s.up()).outputs!.jobIdentifier);

    s.setProgram(exportProgram({ createdAtAfter: "2024-06-02" }));
    emu.clearRequests();
    const replaced = await s.up();
    expect(replaced.summary).toMatchObject({ replace: 1 });
    expect(replaced.stdout).toMatch(/1 replaced/);
    const second = String(replaced.outputs!.jobIdentifier);
    expect(second).not.toBe(first);
    expect(replaced.outputs).toMatchObject({ status: "completed", createdAtAfter: JUNE_1 + 86400 });
    expect(emu.listJobs().map((j) => j.id)).toEqual([first, second]);
    // The old, finished job is left alone (no cancel: cancelOnDelete is off and it is done anyway).
    expect(routes()).not.toContain("cancel");
    expect((await exportInState(s)).id).toBe(second);

    s.setProgram(exportProgram({ createdAtAfter: "2024-06-02", timeoutSeconds: 1800 }));
    emu.clearRequests();
    const updated = await s.up();
    expect(updated.changes).toEqual({ update: 1 });
    expect(updated.summary).toMatchObject({ update: 1 });
    expect(updated.summary.replace).toBeUndefined();
    expect(updated.outputs).toMatchObject({
      jobIdentifier: second,
      timeoutSeconds: 1800,
      status: "completed",
    });
    expect(emu.listJobs()).toHaveLength(2);
    expect(emu.requests).toEqual([]); // the job is finished: nothing to wait for
  });
});

test("5. a failed job fails up with Intercom's status, keeps the job id in state; the next up replaces it", async () => {
  await withStack("failed-job", exportProgram(), async (s) => {
    emu.configure({ outcome: "failed" });
    const failed = await s.expectFailure("up");
    const [job] = emu.listJobs();
    expect(job.status).toBe("failed");
    expect(failed.error).toContain(`Content data export job ${job.id} did not complete`);
    expect(failed.error).toContain("Intercom reports status 'failed'");

    // The job is recorded in state despite the failure (read from the exported stack).
    const state = await s.exportState();
    const resources = (state.deployment as { resources: { type: string; id?: string; outputs?: object }[] })
      .resources;
    const inState = resources.filter((r) => r.type === CONTENT_DATA_EXPORT_TYPE);
    expect(inState).toHaveLength(1);
    expect(inState[0].id).toBe(job.id);
    expect(inState[0].outputs).toMatchObject({ jobIdentifier: job.id, status: "failed", downloadUrl: "" });

    // README: "The next `pulumi up` … replaces a failed or canceled one with a new job".
    emu.configure({ outcome: "auto" });
    const retried = await s.up();
    expect(retried.summary).toMatchObject({ replace: 1 });
    const jobs = emu.listJobs();
    expect(jobs).toHaveLength(2);
    expect(jobs[1].status).toBe("completed");
    expect(retried.outputs).toMatchObject({ jobIdentifier: jobs[1].id, status: "completed" });
    expect((await exportInState(s)).id).toBe(jobs[1].id);
  });
});

test("6. refresh after the download expired shows status expired and creates no new job", async () => {
  await withStack("expired", exportProgram(), async (s) => {
    const id = String((await s.up()).outputs!.jobIdentifier);
    expect(emu.expireJob(id)?.expired).toBe(true);

    emu.clearRequests();
    await s.refresh();
    // (The engine lists the step as unchanged: since read returns no new inputs, Pulumi 3.276 diffs inputs.
    // The outputs in state are what changed.)
    expect(emu.requests.map((r) => [r.route, r.jobId])).toEqual([["status", id]]);
    const res = await exportInState(s);
    expect(res.id).toBe(id);
    expect(res.outputs).toMatchObject({ jobIdentifier: id, status: "expired", expired: true });

    // Not silently re-run: the next up changes nothing and sends nothing.
    emu.clearRequests();
    const up = await s.up({ expectNoChanges: true });
    expect(up.changes).toEqual({ same: 1 });
    expect(up.outputs).toMatchObject({ jobIdentifier: id, status: "expired", expired: true });
    expect(emu.requests).toEqual([]);
    expect(emu.listJobs()).toHaveLength(1);
  });
});

describe("7. destroy", () => {
  test("without cancelOnDelete: succeeds and sends no request, even for a job still pending", async () => {
    emu.configure({ pendingMs: 120_000 });
    await withStack("destroy-plain", exportProgram({ waitForCompletion: false }), async (s) => {
      const up = await s.up();
      expect(up.outputs).toMatchObject({ status: "pending", downloadUrl: "" });
      const id = String(up.outputs!.jobIdentifier);
      expect(routes()).toEqual(["create"]);

      emu.clearRequests();
      const destroy = await s.destroy();
      expect(destroy.changes).toEqual({ delete: 1 });
      expect(emu.requests).toEqual([]);
      expect(emu.getJob(id)?.status).toBe("pending");
      expect(await s.resources()).toEqual([]);
      await cancelDirectly(id); // free the export slot
    });
  });

  test("without cancelOnDelete, a completed job: succeeds with no request", async () => {
    await withStack("destroy-done", exportProgram(), async (s) => {
      await s.up();
      emu.clearRequests();
      expect((await s.destroy()).changes).toEqual({ delete: 1 });
      expect(emu.requests).toEqual([]);
    });
  });

  test("with cancelOnDelete and waitForCompletion false: cancels the pending job (one cancel request)", async () => {
    emu.configure({ pendingMs: 120_000 });
    const program = exportProgram({ waitForCompletion: false, cancelOnDelete: true });
    await withStack("destroy-cancel", program, async (s) => {
      const up = await s.up();
      expect(up.outputs).toMatchObject({ status: "pending", cancelOnDelete: true });
      const id = String(up.outputs!.jobIdentifier);

      emu.clearRequests();
      const destroy = await s.destroy();
      expect(destroy.changes).toEqual({ delete: 1 });
      expect(emu.requests.map((r) => [r.route, r.jobId, r.status])).toEqual([["cancel", id, 200]]);
      expect(emu.getJob(id)?.status).toBe("canceled");
      expect(s.logs).toContain(`cancel requested for job ${id}`);
    });
  });
});

describe("9. bad input fails preview with the CheckFailure text and sends no request", () => {
  test.each([
    [
      "after > before",
      { createdAtAfter: "2024-07-01", createdAtBefore: "2024-06-30" },
      /property createdAtAfter value \{2024-07-01\} has a problem: createdAtAfter \(2024-07-01\) must not be later than createdAtBefore \(2024-06-30\)/,
    ],
    [
      "a milliseconds value",
      { createdAtAfter: 1717200000000, createdAtBefore: "2024-06-30" },
      /property createdAtAfter value \{1\.7172e\+12\} has a problem: createdAtAfter looks like milliseconds \(1717200000000\b.*use Math\.floor\(value \/ 1000\) = 1717200000/,
    ],
  ])("%s", async (_name, range, message) => {
    await withStack("bad-input", exportProgram(range), async (s) => {
      const r = await s.expectFailure("preview");
      expect(r.error).toMatch(message);
      expect(emu.requests).toEqual([]);
      expect(await s.resources()).toEqual([]);
    });
  });
});

test("a wrong token fails up with Intercom's 401 message; no job, nothing in state", async () => {
  const wrong = "wrong-e2e-token-5c1d8e";
  await withStack(
    "wrong-token",
    exportProgram(),
    async (s) => {
      const r = await s.expectFailure("up");
      expect(r.error).toMatch(/HTTP 401 unauthorized: Access Token Invalid/);
      expect(emu.listJobs()).toEqual([]);
      expect(emu.requests.map((q) => [q.route, q.status, q.auth])).toEqual([["create", 401, "invalid"]]);
      expect(await s.resources()).toEqual([]);
      expect(s.logs).not.toContain(wrong);
    },
    { env: providerEnv({ INTERCOM_ACCESS_TOKEN: wrong }) },
  );
});
