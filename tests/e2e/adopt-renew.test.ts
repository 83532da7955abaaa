/**
 * Issue 7 under the real Pulumi engine: adopt a job created directly on the emulator; expire a job, refresh,
 * and check that `pulumi up` renews it only when renewWhenExpired is set.
 */
import { startEmulator, type Emulator } from "../../emulator";
import { ContentDataExport, ContentDataExportArgs } from "../../provider";
import { providerEnv } from "./fixtures/export-program";
import { cleanupAll, createTestStack, TestStack } from "./harness";

jest.setTimeout(300_000);
const TOKEN = "adopt-renew-e2e-token";
const TYPE = "pulumi-nodejs:dynamic/intercom:ContentDataExport";
const FAST = { pollIntervalSeconds: 0.1, maxPollIntervalSeconds: 0.5 };

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ tokens: [TOKEN], pendingMs: 100, inProgressMs: 300 });
});
afterAll(async () => {
  await cleanupAll();
  await emu?.close();
});

/** A stack whose single export takes its args from a variable the test changes between operations. */
async function stackWith(
  name: string,
  initial: ContentDataExportArgs,
): Promise<{ s: TestStack; set(a: ContentDataExportArgs): void }> {
  let args = initial;
  const s = await createTestStack({
    name,
    program: async () => {
      const e = new ContentDataExport("export", { ...args });
      return {
        jobIdentifier: e.jobIdentifier,
        status: e.status,
        downloadUrl: e.downloadUrl,
        adopted: e.adopted,
      };
    },
    env: providerEnv(emu, { INTERCOM_ACCESS_TOKEN: TOKEN }),
  });
  return { s, set: (a) => (args = a) };
}

test("adopt: a job started outside Pulumi is tracked without a POST, and a second up is a no-op", async () => {
  emu.reset();
  emu.configure({ tokens: [TOKEN], pendingMs: 100, inProgressMs: 300 });
  const theirs = emu.createJobDirectly({ created_at_after: 1717200000, created_at_before: 1719705600 });
  const { s } = await stackWith("adopt", { jobIdentifier: theirs.id, ...FAST });
  try {
    const up = await s.up();
    expect(up.changes).toEqual({ create: 1 });
    expect(up.outputs).toMatchObject({ jobIdentifier: theirs.id, status: "completed", adopted: true });
    expect(emu.requests.filter((r) => r.route === "create")).toHaveLength(0);
    const [res] = await s.resources(TYPE);
    expect(res.id).toBe(theirs.id);
    expect((await s.up()).changes).toEqual({ same: 1 });
  } finally {
    await s.cleanup();
  }
});

test("adopt: an unknown job id fails `pulumi up` with a clear message and records nothing", async () => {
  emu.reset();
  emu.configure({ tokens: [TOKEN] });
  const { s } = await stackWith("adopt-unknown", { jobIdentifier: "doesnotexist99", ...FAST });
  try {
    const r = await s.expectFailure("up");
    expect(r.error).toMatch(/Cannot adopt job 'doesnotexist99': Intercom does not know it/);
    expect(await s.resources(TYPE)).toHaveLength(0);
    expect(emu.listJobs()).toHaveLength(0);
  } finally {
    await s.cleanup();
  }
});

test.each([
  [false, { same: 1 }],
  [true, { replace: 1 }],
])(
  "renewWhenExpired=%s: refresh after expiry shows expired; up renews only when asked",
  async (renew, upChanges) => {
    emu.reset();
    emu.configure({ tokens: [TOKEN], pendingMs: 100, inProgressMs: 300 });
    const { s } = await stackWith(`renew-${renew}`, {
      createdAtAfter: "2024-06-01",
      createdAtBefore: "2024-06-30",
      renewWhenExpired: renew,
      ...FAST,
    });
    try {
      const first = await s.up();
      const firstId = String(first.outputs?.jobIdentifier);
      emu.expireJob(firstId);
      await s.refresh();
      const [expired] = await s.resources(TYPE);
      expect(expired.outputs).toMatchObject({ status: "expired", expired: true, jobIdentifier: firstId });
      expect(emu.listJobs()).toHaveLength(1); // refresh never creates

      const up = await s.up();
      expect(up.changes).toMatchObject(upChanges);
      if (!renew) expect(up.changes).toEqual({ same: 1 });
      const [after] = await s.resources(TYPE);
      if (renew) {
        expect(after.id).not.toBe(firstId);
        expect(after.outputs).toMatchObject({ status: "completed", expired: false });
        expect(up.outputs?.downloadUrl).toBe(`${emu.url}/download/content/data/${after.id}`);
        expect(emu.listJobs()).toHaveLength(2);
      } else {
        expect(after.id).toBe(firstId);
        expect(after.outputs).toMatchObject({ status: "expired" });
        expect(emu.listJobs()).toHaveLength(1);
      }
    } finally {
      await s.cleanup();
    }
  },
);
