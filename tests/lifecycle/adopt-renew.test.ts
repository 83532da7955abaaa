/** Issue 7 against the emulator: adopting existing jobs, and renewing expired exports. */
import { create, diff, read } from "../../provider/lifecycle";
import { NotFoundError } from "../../provider/errors";
import { FAST, JUNE, thrown, useEmulator } from "../helpers/provider-env";

const env = useEmulator();
const PROVIDER = "exports.handler = function () {}";
const RANGE = { created_at_after: 1717200000, created_at_before: 1719705600 };

test("adopting a completed job sends no POST and tracks it", async () => {
  const theirs = env.emu.createJobDirectly(RANGE);
  await new Promise((r) => setTimeout(r, 250)); // pending 40 ms + in progress 80 ms
  env.emu.clearRequests();
  const { id, outs } = await create({ jobIdentifier: theirs.id, ...FAST, __provider: PROVIDER });
  expect(id).toBe(theirs.id);
  expect(outs).toMatchObject({
    jobIdentifier: theirs.id,
    adopted: true,
    status: "completed",
    createdAtAfter: null,
    createdAtBefore: null,
    requestedAt: "",
    downloadUrl: `${env.emu.url}/download/content/data/${theirs.id}`,
  });
  expect(env.emu.requests.map((r) => `${r.method} ${r.route}`)).toEqual(["GET status"]);
  expect(env.logs.join("\n")).toContain(`adopted existing content data export job ${theirs.id}`);
});

test("adopting a job still in progress waits for it, and records the declared range", async () => {
  env.emu.configure({ pendingMs: 150, inProgressMs: 150 });
  const theirs = env.emu.createJobDirectly(RANGE);
  const { outs } = await create({ jobIdentifier: theirs.id, ...JUNE, ...FAST, __provider: PROVIDER });
  expect(outs).toMatchObject({
    status: "completed",
    adopted: true,
    createdAtAfter: 1717200000,
    createdAtBefore: 1719705600,
  });
  expect(env.emu.requests.filter((r) => r.route === "create")).toHaveLength(0);
  expect(env.emu.requests.filter((r) => r.route === "status").length).toBeGreaterThan(1);
});

test("adopting a job Intercom does not know fails clearly, without creating anything", async () => {
  const e = await thrown(() => create({ jobIdentifier: "nosuchjob123", ...FAST, __provider: PROVIDER }));
  expect(e).toBeInstanceOf(NotFoundError);
  expect(e.message).toMatch(/Cannot adopt job 'nosuchjob123': Intercom does not know it/);
  expect(e.message).toMatch(/Export job not found for identifier: nosuchjob123/);
  expect(e.id).toBeUndefined();
  expect(env.emu.listJobs()).toHaveLength(0);
});

test("an interrupted run's log names the job id to adopt", async () => {
  const { id } = await create({ ...JUNE, ...FAST, __provider: PROVIDER });
  expect(env.logs.join("\n")).toContain(`adopt it with jobIdentifier: "${id}"`);
});

describe("renewWhenExpired", () => {
  test.each([
    [true, ["expired"]],
    [false, []],
  ])(
    "renewWhenExpired=%s: after expiry, refresh marks it expired and diff replaces only when asked",
    async (renew, replaces) => {
      const inputs = { ...JUNE, ...FAST, renewWhenExpired: renew, __provider: PROVIDER };
      const { id, outs } = await create(inputs);
      expect(outs.renewWhenExpired).toBe(renew);
      expect((await diff(id, { ...outs, __provider: PROVIDER }, inputs)).changes).toBe(false);
      env.emu.expireJob(id);
      const refreshed = await read(id, { ...outs, __provider: PROVIDER });
      expect(refreshed.props).toMatchObject({ status: "expired", expired: true });
      const d = await diff(id, refreshed.props!, inputs);
      expect(d.replaces).toEqual(replaces);
      expect(d.changes).toBe(renew);
      if (renew) {
        // The replacement is a plain create for the same range: a new job, a new URL.
        const renewed = await create(inputs);
        expect(renewed.id).not.toBe(id);
        expect(renewed.outs).toMatchObject({
          status: "completed",
          expired: false,
          createdAtAfter: outs.createdAtAfter,
        });
        expect(renewed.outs.downloadUrl).not.toBe(outs.downloadUrl);
      }
    },
  );
});
