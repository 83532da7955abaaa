/**
 * ContentDataExportBackfill under the real Pulumi engine, against the emulator: the program is
 * examples/backfill (importing the built package), first over three monthly windows, then over four.
 * Asserts the children ran one after another (no export-slot 429 at all, each job created only after the
 * previous one completed) and that extending the range by a month creates exactly one new child.
 */
import * as path from "path";
import { Emulator, startEmulator } from "../../emulator";
import { CONTENT_DATA_EXPORT_TYPE } from "../../provider/resource";
import { CONTENT_DATA_EXPORT_BACKFILL_TYPE } from "../../provider/backfill/component";
import { linkPackageInto, REPO_ROOT, requireBuild } from "../examples/package-link";
import { cleanupAll, createTestStack, StateResource, TestStack } from "./harness";

jest.setTimeout(300_000);

const TOKEN = "emulator-token";
const PENDING_MS = 100;
const IN_PROGRESS_MS = 300;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;

let emu: Emulator;
let s: TestStack;

beforeAll(async () => {
  requireBuild();
  linkPackageInto(path.join(REPO_ROOT, "examples", "backfill"));
  emu = await startEmulator({ pendingMs: PENDING_MS, inProgressMs: IN_PROGRESS_MS });
  s = await createTestStack({
    name: "backfill",
    program: "examples/backfill/program.ts",
    programExport: "program",
    config: {
      from: "2024-01-15",
      to: "2024-03-31",
      pollIntervalSeconds: "0.1",
      maxPollIntervalSeconds: "0.3",
      timeoutSeconds: "60",
      // No waiting for a busy export slot: a job started while another runs fails the update at once.
      slotWaitSeconds: "0",
    },
    env: { INTERCOM_ACCESS_TOKEN: TOKEN, INTERCOM_BASE_URL: emu.url },
  });
});

afterAll(async () => {
  await s?.cleanup();
  await cleanupAll();
  await emu?.close();
});

/** The export jobs the emulator saw created, oldest first, with the time of their create request. */
function createdJobs() {
  const creates = emu.requests.filter((r) => r.route === "create");
  expect(creates.every((r) => r.status === 200)).toBe(true);
  return creates.map((r) => {
    const job = emu.getJob(r.jobId!)!;
    return {
      ...job,
      createRequestMs: Date.parse(r.time),
      doneMs: Date.parse(job.createdAt) + PENDING_MS + IN_PROGRESS_MS,
    };
  });
}

function expectSequential(jobs: ReturnType<typeof createdJobs>): void {
  for (let i = 1; i < jobs.length; i++) {
    // Created only once the previous job had completed, and after the provider had seen it completed.
    expect(jobs[i].createRequestMs).toBeGreaterThanOrEqual(jobs[i - 1].doneMs);
    const lastPollOfPrevious = emu.requests
      .filter((r) => r.route === "status" && r.jobId === jobs[i - 1].id)
      .map((r) => Date.parse(r.time))
      .pop()!;
    expect(lastPollOfPrevious).toBeLessThanOrEqual(jobs[i].createRequestMs);
  }
}

const children = (resources: StateResource[]) =>
  resources.filter((r) => r.type === CONTENT_DATA_EXPORT_TYPE).sort((a, b) => a.urn.localeCompare(b.urn));

test("three monthly windows run one after another, each to completion", async () => {
  const r = await s.up();
  expect(r.changes).toEqual({ create: 4 }); // the component and its three children

  // Not a single export-slot 429: the dependsOn chain kept the jobs apart.
  expect(emu.requests.filter((q) => q.status === 429)).toEqual([]);
  const jobs = createdJobs();
  expect(jobs.map((j) => [j.range.created_at_after, j.range.created_at_before])).toEqual([
    [day("2024-01-15"), day("2024-01-31")],
    [day("2024-02-01"), day("2024-02-29")],
    [day("2024-03-01"), day("2024-03-31")],
  ]);
  expectSequential(jobs);

  const exports = r.outputs?.exports as { key: string; jobIdentifier: string; status: string }[];
  expect(exports.map((e) => [e.key, e.status])).toEqual([
    ["2024-01", "completed"],
    ["2024-02", "completed"],
    ["2024-03", "completed"],
  ]);
  expect(exports.map((e) => e.jobIdentifier)).toEqual(jobs.map((j) => j.id));
  expect(r.outputs?.windows).toEqual([
    "2024-01: 2024-01-15..2024-01-31",
    "2024-02: 2024-02-01..2024-02-29",
    "2024-03: 2024-03-01..2024-03-31",
  ]);

  // In state: children of the component, named after their month, each depending on the previous one.
  const resources = await s.resources();
  const component = resources.find((x) => x.type === CONTENT_DATA_EXPORT_BACKFILL_TYPE)!;
  const kids = children(resources);
  expect(kids.map((k) => k.urn.split("::").pop())).toEqual([
    "history-2024-01",
    "history-2024-02",
    "history-2024-03",
  ]);
  expect(kids.every((k) => k.parent === component.urn)).toBe(true);
  expect(kids[0].dependencies ?? []).toEqual([]);
  expect(kids[1].dependencies).toEqual([kids[0].urn]);
  expect(kids[2].dependencies).toEqual([kids[1].urn]);
});

test("extending `to` by a month creates exactly one new child and leaves the others unchanged", async () => {
  const before = children(await s.resources());
  emu.clearRequests();
  await s.setConfig("to", "2024-04-30");

  const r = await s.up();
  expect(r.changes).toEqual({ create: 1, same: 4 });
  expect(r.summary).toEqual({ create: 1, same: 5 }); // the engine also counts the stack
  expect(r.steps.filter((x) => x.op === "create").map((x) => x.urn.split("::").pop())).toEqual([
    "history-2024-04",
  ]);

  const jobs = createdJobs();
  expect(jobs).toHaveLength(1);
  expect(jobs[0].range).toEqual({
    created_at_after: day("2024-04-01"),
    created_at_before: day("2024-04-30"),
  });
  expect(emu.requests.filter((q) => q.status === 429)).toEqual([]);
  // The earlier windows sent nothing at all: no status polls, no new jobs.
  expect(emu.requests.every((q) => q.jobId === jobs[0].id)).toBe(true);

  const after = children(await s.resources());
  expect(after).toHaveLength(4);
  expect(after.slice(0, 3).map((k) => [k.urn, k.id, k.outputs?.status])).toEqual(
    before.map((k) => [k.urn, k.id, "completed"]),
  );
  expect(after[3]).toMatchObject({ id: jobs[0].id, outputs: { status: "completed" } });
  expect(after[3].dependencies).toEqual([after[2].urn]);
});
