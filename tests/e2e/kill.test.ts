/**
 * Interrupted `pulumi up` under the REAL Pulumi engine (issue 4): SIGKILL the CLI (and the dynamic provider with
 * it) while the export job is in progress, then recover without editing state by hand.
 *
 * What the killed run leaves, and what the next run does (the README's "Failure modes" quotes this):
 * - The job keeps running in Intercom. Its id was logged ("started content data export job <id>") but never
 *   reached state: the create was still running, so state only has a pending "creating" operation.
 * - The file backend keeps the killed CLI's lock: the next `pulumi up` fails with "the stack is currently locked
 *   by 1 lock(s) ... delete the lock file with `pulumi cancel`". `pulumi cancel` removes it (not a state edit).
 * - `pulumi up` then warns "Attempting to deploy or update resources with 1 pending operations from previous
 *   deployment" and creates the export again. Intercom refuses the new job while the orphaned one runs
 *   (busy-slot 429); the provider waits for the slot (slotWaitSeconds, logged), then starts its job, waits for
 *   it, and state ends with a completed export.
 * - The pending create stays in state (and the warning on every run) until `pulumi refresh` clears it:
 *   interactively, or with `--clear-pending-creates`.
 *
 * Run alone (after `npm run build`): `npx jest tests/e2e/kill.test.ts --selectProjects e2e`.
 */
import { Emulator, startEmulator } from "../../emulator";
import { CONTENT_DATA_EXPORT_TYPE } from "../../provider";
import { cleanupAll, createTestStack, descendants, processAlive, TestStack } from "./harness";

jest.setTimeout(240_000);

const TOKEN = "tok_e2e_KILL_5c1f0a9e7d2b4368";
/** The orphaned job runs ~15 s: long enough to kill the run while it waits, short enough to wait out. */
const JOB = { pendingMs: 12_000, inProgressMs: 3_000 };

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ ...JOB, tokens: [TOKEN] });
});

afterAll(async () => {
  await cleanupAll();
  await emu?.close();
});

type Deployment = { resources?: { type: string; id?: string }[]; pending_operations?: { type: string }[] };

test("SIGKILL while waiting; `pulumi cancel` and `pulumi up` end with a completed export, no state edit", async () => {
  const s: TestStack = await createTestStack({
    name: "kill",
    program: "tests/e2e/fixtures/kill-program.ts",
    config: { pollIntervalSeconds: "0.5", maxPollIntervalSeconds: "1", slotWaitSeconds: "120" },
    env: {
      INTERCOM_ACCESS_TOKEN: TOKEN,
      INTERCOM_BASE_URL: emu.url,
      INTERCOM_REGION: "",
      INTERCOM_API_VERSION: "",
    },
  });
  try {
    // 1. `pulumi up` in a child process; kill it (CLI and provider) once the provider is waiting for the job.
    const run = await s.spawn("up");
    const out = await run.waitForOutput(/job \w+ is pending after/, 120_000);
    const orphan = /started content data export job (\w+)/.exec(out)![1];
    const tree = descendants(run.pid);
    run.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    expect(tree.filter(processAlive)).toEqual([]);

    // 2. What it left: the job runs on in Intercom; state has no resource for it, only a pending create.
    expect(emu.getJob(orphan)!.status).toBe("pending");
    const killed = (await s.exportState()).deployment as Deployment;
    expect((killed.pending_operations ?? []).map((p) => p.type)).toEqual(["creating"]);
    expect((killed.resources ?? []).filter((r) => r.type === CONTENT_DATA_EXPORT_TYPE)).toEqual([]);
    expect(s.rawState()).not.toContain(orphan);

    // 3. The next `pulumi up` is refused: the killed CLI's lock. `pulumi cancel` removes it.
    const locked = await s.expectFailure("up");
    expect(locked.error).toMatch(/the stack is currently locked by 1 lock\(s\)/);
    expect(locked.error).toMatch(/pulumi cancel/);
    await s.cancel();

    // 4. `pulumi up`: warns about the pending create, waits for the slot the orphan holds, creates, completes.
    emu.clearRequests();
    const up = await s.up();
    expect(up.changes).toEqual({ create: 1 });
    expect(up.stdout).toMatch(/Attempting to deploy or update resources with 1 pending operations/);
    expect(up.stdout).toMatch(/export slot busy: another content data export job is pending or in progress/);
    const creates = emu.requests.filter((r) => r.route === "create").map((r) => r.status);
    expect(creates.length).toBeGreaterThanOrEqual(2);
    expect(creates.slice(0, -1).every((st) => st === 429)).toBe(true);
    expect(creates.at(-1)).toBe(200);

    // 5. State: one completed export (a new job: the orphan's id was never known).
    const [exp] = await s.resources(CONTENT_DATA_EXPORT_TYPE);
    expect(exp.id).toBeDefined();
    expect(exp.id).not.toBe(orphan);
    expect(exp.outputs).toMatchObject({ jobIdentifier: exp.id, status: "completed", expired: false });
    expect(emu.getJob(exp.id!)!.status).toBe("completed");
    expect(emu.getJob(orphan)!.status).toBe("completed"); // it finished on its own; its result is unused

    // 6. The engine keeps the interrupted create pending (and warns on every run) until a refresh clears it;
    //    non-interactively that is `pulumi refresh --clear-pending-creates`. Then all is quiet.
    expect(((await s.exportState()).deployment as Deployment).pending_operations).toHaveLength(1);
    await s.refresh({ clearPendingCreates: true });
    expect(((await s.exportState()).deployment as Deployment).pending_operations ?? []).toEqual([]);
    const quiet = await s.up();
    expect(quiet.changes).toEqual({ same: 1 });
    expect(quiet.stdout).not.toMatch(/pending operations/);
    expect((await s.resources(CONTENT_DATA_EXPORT_TYPE))[0].outputs).toMatchObject({ status: "completed" });

    // The token appears nowhere: state, CLI output (provider logs included), the killed run's output.
    expect(s.rawState()).not.toContain(TOKEN);
    expect(s.logs).not.toContain(TOKEN);
    expect(run.output()).not.toContain(TOKEN);
  } catch (e) {
    process.stderr.write(`\n----- CLI output of stack kill -----\n${s.logs}\n-----\n`);
    throw e;
  } finally {
    await s.cleanup();
  }
});
