/** The provider methods against the emulator over real loopback HTTP. */
import { create, del, read, update, setStackConfig, runtimeSeams } from "../../provider/lifecycle";
import { AuthenticationError, ConfigurationError } from "../../provider/errors";
import { FAST, JUNE, thrown, TOKEN, useEmulator } from "../helpers/provider-env";

const env = useEmulator();
const PROVIDER = "exports.handler = function () {}";
const inputs = (extra: Record<string, unknown> = {}) => ({
  ...JUNE,
  ...FAST,
  __provider: PROVIDER,
  ...extra,
});
const api = () => env.emu.requests.filter((r) => r.route !== "control");

describe("create", () => {
  test("waits until completed and returns the job with normalized outputs", async () => {
    const { id, outs } = await create(inputs());
    expect(id).toMatch(/\S+/);
    expect(outs).toMatchObject({
      jobIdentifier: id,
      status: "completed",
      downloadUrl: `${env.emu.url}/download/content/data/${id}`,
      expired: false,
      createdAtAfter: Date.UTC(2024, 5, 1) / 1000,
      createdAtBefore: Date.UTC(2024, 5, 30) / 1000,
      endpoint: env.emu.url,
      waitForCompletion: true,
      timeoutSeconds: 3600,
      cancelOnDelete: false,
    });
    expect(outs.downloadExpiresAt).toMatch(/^\d+$/);
    expect(outs.downloadExpiresAtIso).toBe(new Date(Number(outs.downloadExpiresAt) * 1000).toISOString());
    expect(outs.completedAt).not.toBe("");
    // Plain JSON only: undefined would crash Pulumi's protobuf encoding.
    expect(JSON.parse(JSON.stringify(outs))).toEqual(outs);
    // One POST, then status polls; every request authenticated and versioned.
    const reqs = api();
    expect(reqs[0]).toMatchObject({ route: "create", method: "POST", status: 200, auth: "valid" });
    expect(reqs.slice(1).every((r) => r.route === "status" && r.status === 200)).toBe(true);
    expect(reqs.length).toBeGreaterThanOrEqual(2);
    for (const r of reqs) {
      expect(r.headers.intercomVersion).toBe("2.8");
      expect(r.headers.userAgent).toMatch(/^pulumi-intercom-export\//);
      expect(r.headers.accept).toBe("application/json");
    }
    expect(env.logs.join("\n")).toContain(`started content data export job ${id}`);
  });

  test("no_data is a success with an empty download URL", async () => {
    env.emu.configure({ outcome: "no_data" });
    const { outs } = await create(inputs());
    expect(outs).toMatchObject({
      status: "no_data",
      downloadUrl: "",
      downloadExpiresAt: "",
      downloadExpiresAtIso: "",
    });
  });

  test.each([
    ["a 200 body", false],
    ["the documented 504 with the job body", true],
  ])(
    "failed (reported with %s) fails with Intercom's status and keeps the job id",
    async (_n, failedAs504) => {
      env.emu.configure({ outcome: "failed", failedAs504 });
      const e = await thrown(() => create(inputs()));
      expect(e.message).toMatch(/did not complete: Intercom reports status 'failed'/);
      expect(e.id).toMatch(/\S+/);
      expect(e.properties).toMatchObject({ jobIdentifier: e.id, status: "failed", __provider: PROVIDER });
      expect(e.reasons).toEqual([e.message]);
    },
  );

  test("a job canceled while we wait fails with status canceled, id kept", async () => {
    env.emu.configure({ pendingMs: 400 });
    const pending = thrown(() => create(inputs()));
    await new Promise((r) => setTimeout(r, 100));
    const job = env.emu.listJobs()[0];
    await fetch(`${env.emu.url}/export/cancel/${job.id}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const e = await pending;
    expect(e.message).toMatch(/status 'canceled'/);
    expect(e.id).toBe(job.id);
    expect(e.properties).toMatchObject({ status: "canceled" });
  });

  test("our own timeout keeps the job id and says how to resume", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    const e = await thrown(() => create(inputs({ timeoutSeconds: 1 })));
    expect(e.message).toMatch(/still 'pending' after timeoutSeconds=1/);
    expect(e.message).toMatch(/run `pulumi up` again to resume/);
    expect(e.id).toBe(env.emu.listJobs()[0].id);
    expect(e.properties).toMatchObject({ status: "pending", jobIdentifier: e.id });
  });

  test("waitForCompletion: false returns at once with the pending job", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    const { id, outs } = await create(inputs({ waitForCompletion: false }));
    expect(outs).toMatchObject({ jobIdentifier: id, status: "pending", downloadUrl: "", completedAt: "" });
    expect(api().map((r) => r.route)).toEqual(["create"]);
  });

  test.each([
    ["job_identfier (documented typo)", { idKey: "job_identfier" as const }],
    ["complete (prose spelling)", { completedStatus: "complete" as const }],
  ])("accepts the %s variant", async (_n, variant) => {
    env.emu.configure(variant);
    const { id, outs } = await create(inputs());
    expect(id).toMatch(/\S+/);
    expect(outs.status).toBe("completed");
  });

  test("bad inputs are refused before any request", async () => {
    const e = await thrown(() => create(inputs({ createdAtAfter: "2024-07-01" })));
    expect(e.message).toMatch(/createdAtAfter/);
    expect(api()).toHaveLength(0);
  });

  test("a wrong token fails with Intercom's 401 message and never echoes the token", async () => {
    runtimeSeams.env = { INTERCOM_ACCESS_TOKEN: "wrong-token-abc123", INTERCOM_BASE_URL: env.emu.url };
    const e = await thrown(() => create(inputs()));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.message).toMatch(/HTTP 401 unauthorized: Access Token Invalid/);
    expect(e.message).not.toContain("wrong-token-abc123");
    expect(env.logs.join("\n")).not.toContain("wrong-token-abc123");
    expect(env.emu.listJobs()).toHaveLength(0);
  });

  test("no token at all is a configuration error naming the key, before any request", async () => {
    runtimeSeams.env = { INTERCOM_BASE_URL: env.emu.url };
    const e = await thrown(() => create(inputs()));
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e.message).toMatch(/intercom:accessToken.*INTERCOM_ACCESS_TOKEN/);
    expect(api()).toHaveLength(0);
  });

  test("stack config wins over the environment", async () => {
    runtimeSeams.env = { INTERCOM_ACCESS_TOKEN: "wrong", INTERCOM_BASE_URL: "http://127.0.0.1:1" };
    setStackConfig({ accessToken: TOKEN, baseUrl: env.emu.url, apiVersion: "2.11" });
    const { outs } = await create(inputs());
    expect(outs.status).toBe("completed");
    expect(api()[0].headers.intercomVersion).toBe("2.11");
  });
});

describe("the busy export slot", () => {
  test("waits for another job to finish, then creates", async () => {
    env.emu.configure({ pendingMs: 200, inProgressMs: 200 });
    const theirs = env.emu.createJobDirectly({ created_at_after: 1717200000, created_at_before: 1717286400 });
    const { id, outs } = await create(inputs());
    expect(id).not.toBe(theirs.id);
    expect(outs.status).toBe("completed");
    const creates = api().filter((r) => r.route === "create");
    expect(creates.length).toBeGreaterThanOrEqual(2);
    expect(creates[0].status).toBe(429);
    expect(creates.at(-1)!.status).toBe(200);
    expect(env.logs.join("\n")).toMatch(
      /export slot busy: another content data export job is pending or in progress/,
    );
  });

  test("gives up after slotWaitSeconds with a message that explains the one-job rule", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    env.emu.createJobDirectly({ created_at_after: 1717200000, created_at_before: 1717286400 });
    const e = await thrown(() => create(inputs({ slotWaitSeconds: 1 })));
    expect(e.name).toBe("ExportSlotWaitTimeoutError");
    expect(e.message).toMatch(/one content data export job per workspace/);
    expect(e.message).toMatch(/slotWaitSeconds=1/);
    expect(e.id).toBeUndefined(); // no job of ours exists
    expect(env.emu.listJobs()).toHaveLength(1);
  });
});

describe("read", () => {
  test("refreshes a running job's status", async () => {
    env.emu.configure({ pendingMs: 100 });
    const { id, outs } = await create(inputs({ waitForCompletion: false }));
    await new Promise((r) => setTimeout(r, 400));
    const res = await read(id, { ...outs, __provider: PROVIDER });
    expect(res.props).toMatchObject({
      status: "completed",
      downloadUrl: `${env.emu.url}/download/content/data/${id}`,
    });
  });

  test("an unchanged completed job reads back identical (refresh shows no changes)", async () => {
    const { id, outs } = await create(inputs());
    const res = await read(id, { ...outs, __provider: PROVIDER });
    expect(res.id).toBe(id);
    expect(res.props).toEqual(outs);
  });

  test("an expired download becomes status expired, and the job stays in state", async () => {
    const { id, outs } = await create(inputs());
    env.emu.expireJob(id);
    const res = await read(id, { ...outs, __provider: PROVIDER });
    expect(res.id).toBe(id);
    expect(res.props).toMatchObject({ status: "expired", expired: true, jobIdentifier: id });
    expect(env.emu.listJobs()).toHaveLength(1); // nothing recreated
  });

  test("a job Intercom no longer knows (404) becomes expired; later reads send nothing", async () => {
    const { id, outs } = await create(inputs());
    env.emu.forgetJob(id);
    const res = await read(id, { ...outs, __provider: PROVIDER });
    expect(res.props).toMatchObject({ status: "expired", expired: true });
    env.emu.clearRequests();
    const again = await read(id, res.props!);
    expect(again.props).toEqual(res.props);
    expect(api()).toHaveLength(0);
  });
});

describe("update", () => {
  test("resumes waiting for a job still running when waiting is turned on", async () => {
    env.emu.configure({ pendingMs: 150 });
    const { id, outs } = await create(inputs({ waitForCompletion: false }));
    expect(outs.status).toBe("pending");
    const res = await update(
      id,
      { ...outs, __provider: PROVIDER },
      inputs({ waitForCompletion: true, timeoutSeconds: 60 }),
    );
    expect(res.outs).toMatchObject({ status: "completed", timeoutSeconds: 60, waitForCompletion: true });
  });

  test("only stores option changes for a finished job, without requests", async () => {
    const { id, outs } = await create(inputs());
    env.emu.clearRequests();
    const res = await update(
      id,
      { ...outs, __provider: PROVIDER },
      inputs({ cancelOnDelete: true, timeoutSeconds: 10 }),
    );
    expect(res.outs).toEqual({ ...outs, cancelOnDelete: true, timeoutSeconds: 10 });
    expect(api()).toHaveLength(0);
  });
});

describe("delete", () => {
  test("sends nothing by default", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    const { id, outs } = await create(inputs({ waitForCompletion: false }));
    env.emu.clearRequests();
    await del(id, outs as unknown as Record<string, unknown>);
    expect(api()).toHaveLength(0);
    expect(env.emu.getJob(id)!.body.status).toBe("pending");
  });

  test("with cancelOnDelete, cancels a pending job", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    const { id, outs } = await create(inputs({ waitForCompletion: false, cancelOnDelete: true }));
    await del(id, outs as unknown as Record<string, unknown>);
    expect(env.emu.getJob(id)!.body.status).toBe("canceled");
    expect(api().filter((r) => r.route === "cancel")).toHaveLength(1);
  });

  test("with cancelOnDelete, a job Intercom no longer knows is done, not an error", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    const { id, outs } = await create(inputs({ waitForCompletion: false, cancelOnDelete: true }));
    env.emu.forgetJob(id);
    await expect(del(id, outs as unknown as Record<string, unknown>)).resolves.toBeUndefined();
  });

  test("with cancelOnDelete, a finished job is left alone without a request", async () => {
    const { id, outs } = await create(inputs({ cancelOnDelete: true }));
    env.emu.clearRequests();
    await del(id, outs as unknown as Record<string, unknown>);
    expect(api()).toHaveLength(0);
  });
});
