/**
 * Smoke test of the e2e harness itself, with a tiny dynamic provider (fixtures/echo-program.ts) under the real
 * Pulumi CLI: preview, up, up again (no changes), refresh (no changes), destroy, and the state in between.
 */
import { Echo } from "./fixtures/echo-program";
import { cleanupAll, createTestStack, descendants, processAlive, TestStack } from "./harness";

const FIXTURE = "tests/e2e/fixtures/echo-program.ts";
const ECHO_TYPE = "pulumi-nodejs:dynamic/echo:Echo";

jest.setTimeout(300_000);

afterAll(() => cleanupAll());

describe("e2e harness (in-process Automation API)", () => {
  let s: TestStack;

  beforeAll(async () => {
    s = await createTestStack({
      name: "harness-smoke",
      program: FIXTURE,
      config: { message: "world", unused: { value: "s3cret-config-value", secret: true } },
      env: { ECHO_TEST_VALUE: "from-harness-env" },
    });
  });

  afterAll(() => s?.cleanup());

  test("preview plans one create", async () => {
    const r = await s.preview();
    expect(r.ok).toBe(true);
    expect(r.changes).toEqual({ create: 1 });
    expect(r.summary).toEqual({ create: 2 }); // the engine also counts the Stack resource
  });

  test("up creates the resource, with env and outputs", async () => {
    const t0 = Date.now();
    const r = await s.up();
    process.stderr.write(`[harness smoke] pulumi up of one dynamic resource: ${Date.now() - t0} ms\n`);
    expect(r.changes).toEqual({ create: 1 });
    expect(r.outputs).toMatchObject({ greeting: "hello, world", envValue: "from-harness-env" });
    expect(String(r.outputs?.id)).toMatch(/^echo-[0-9a-f]{12}$/);
    // The provider's console output is forwarded by the engine as a diagnostic and captured in the logs.
    expect(r.diagnostics.some((d) => d.message.includes("[echo] create"))).toBe(true);
    expect(s.logs).toContain("[echo] create");
  });

  test("state holds the resource with its outputs; secret config stays encrypted", async () => {
    const [res, ...rest] = await s.resources(ECHO_TYPE);
    expect(rest).toHaveLength(0);
    expect(res.id).toMatch(/^echo-/);
    expect(res.outputs).toMatchObject({
      message: "world",
      revision: 0,
      greeting: "hello, world",
      envValue: "from-harness-env",
    });
    expect(typeof res.outputs?.__provider).toBe("string");
    expect(await s.outputs()).toMatchObject({ greeting: "hello, world" });
    expect(s.rawState()).not.toContain("s3cret-config-value");
  });

  test("second up: no changes", async () => {
    const r = await s.up({ expectNoChanges: true });
    expect(r.changes).toEqual({ same: 1 });
    expect(r.summary).toEqual({ same: 2 });
  });

  test("refresh: no changes", async () => {
    const r = await s.refresh({ expectNoChanges: true });
    expect(r.changes).toEqual({ same: 1 });
    expect(s.logs).toContain("[echo] read");
  });

  test("a failing operation returns the error text", async () => {
    await s.setConfig("message", "fail-on-create");
    const r = await s.expectFailure("up");
    expect(r.error).toContain("echo provider refused to create 'fail-on-create'");
    await s.setConfig("message", "world");
  });

  test("destroy deletes it", async () => {
    const r = await s.destroy();
    expect(r.changes).toEqual({ delete: 1 });
    expect(await s.resources()).toEqual([]);
  });
});

describe("e2e harness (inline function program)", () => {
  test("a closure defined in the test file, replaced with setProgram", async () => {
    const s = await createTestStack({
      name: "harness-inline",
      program: async () => ({ g: new Echo("inline", { message: "inline" }).greeting }),
    });
    try {
      expect((await s.up()).outputs).toEqual({ g: "hello, inline" });
      s.setProgram(async () => ({ g: new Echo("inline", { message: "inline", revision: 1 }).greeting }));
      expect((await s.up()).changes).toEqual({ update: 1 });
      await expect(s.spawn("up")).rejects.toThrow(/module path/);
    } finally {
      await s.cleanup();
    }
    expect(s.history.map((h) => h.kind)).toEqual(["up", "up", "destroy"]);
  });
});

describe("e2e harness (child-process runner)", () => {
  test("up in a child process, then a value unknown at preview time", async () => {
    const s = await createTestStack({
      name: "harness-child",
      program: FIXTURE,
      config: { chain: "true" },
      env: { ECHO_TEST_VALUE: "from-child-env" },
    });
    try {
      const preview = await s.preview();
      expect(preview.changes).toEqual({ create: 2 });

      const run = await s.spawn("up");
      const done = await run.done;
      expect(done.code).toBe(0);
      expect(done.result?.ok).toBe(true);
      expect(done.result?.changes).toEqual({ create: 2 });
      expect(done.result?.outputs).toMatchObject({
        envValue: "from-child-env",
        secondGreeting: "hello, hello, world",
      });

      // The state written by the child is visible in-process.
      expect(await s.resources(ECHO_TYPE)).toHaveLength(2);
      expect((await s.up()).changes).toEqual({ same: 2 });
    } finally {
      await s.cleanup();
    }
  });
});

describe("e2e harness (killing a child `pulumi up`)", () => {
  test("SIGKILL mid-create leaves a lock and a pending create; cancel + refresh recover", async () => {
    const s = await createTestStack({
      name: "harness-kill",
      program: FIXTURE,
      config: { message: "slow:60000:killed" },
    });
    try {
      const run = await s.spawn("up");
      await run.waitForOutput("[echo] slow create started", 60_000);
      const tree = descendants(run.pid); // the pulumi CLI and the dynamic provider (its own process group)
      expect(tree.length).toBeGreaterThanOrEqual(2);
      run.kill("SIGKILL");
      const done = await run.done;
      expect(done.signal).toBe("SIGKILL");
      expect(done.result).toBeUndefined();
      await new Promise((r) => setTimeout(r, 200));
      expect(tree.filter(processAlive)).toEqual([]);

      // The killed CLI left its lock behind in the file backend, and the create pending in the state.
      const locked = await s.expectFailure("up");
      expect(locked.error).toContain("the stack is currently locked");
      await s.cancel();
      const state = await s.exportState();
      const pending =
        (state.deployment as { pending_operations?: { type: string }[] }).pending_operations ?? [];
      expect(pending.map((p) => p.type)).toEqual(["creating"]);

      await s.refresh({ clearPendingCreates: true });
      const after = await s.exportState();
      expect((after.deployment as { pending_operations?: unknown[] }).pending_operations ?? []).toEqual([]);

      await s.setConfig("message", "recovered");
      expect((await s.up()).changes).toEqual({ create: 1 });
    } finally {
      await s.cleanup();
    }
  });
});
