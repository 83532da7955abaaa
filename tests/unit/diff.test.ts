import { diff, setStackConfig, runtimeSeams } from "../../provider/lifecycle";
import { UNKNOWN } from "../../provider/schema";

const JUNE_1 = Date.UTC(2024, 5, 1) / 1000;
const JUNE_30 = Date.UTC(2024, 5, 30) / 1000;

/** Old outputs as create stores them. */
const olds = {
  jobIdentifier: "job1",
  status: "completed",
  downloadUrl: "https://api.intercom.io/download/content/data/job1",
  downloadExpiresAt: "1719900000",
  downloadExpiresAtIso: "2024-07-02T06:00:00.000Z",
  expired: false,
  createdAtAfter: JUNE_1,
  createdAtBefore: JUNE_30,
  requestedAt: "2024-07-01T00:00:00.000Z",
  completedAt: "2024-07-01T00:01:00.000Z",
  endpoint: "https://api.intercom.io",
  waitForCompletion: true,
  timeoutSeconds: 3600,
  pollIntervalSeconds: 1,
  maxPollIntervalSeconds: 60,
  slotWaitSeconds: 900,
  cancelOnDelete: false,
  __provider: "p",
};
const news = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30", __provider: "p" };

beforeEach(() => {
  setStackConfig({});
  runtimeSeams.env = {};
});

test.each<
  [string, Record<string, unknown>, Record<string, unknown>, { changes: boolean; replaces: string[] }]
>([
  ["identical range in another notation: no changes", olds, news, { changes: false, replaces: [] }],
  [
    "unix seconds input: no changes",
    olds,
    { ...news, createdAtAfter: JUNE_1, createdAtBefore: String(JUNE_30) },
    { changes: false, replaces: [] },
  ],
  [
    "explicit defaults: no changes",
    olds,
    { ...news, waitForCompletion: true, timeoutSeconds: 3600 },
    { changes: false, replaces: [] },
  ],
  [
    "start moved: replace",
    olds,
    { ...news, createdAtAfter: "2024-05-31" },
    { changes: true, replaces: ["createdAtAfter"] },
  ],
  [
    "end moved: replace",
    olds,
    { ...news, createdAtBefore: "2024-07-01" },
    { changes: true, replaces: ["createdAtBefore"] },
  ],
  [
    "unknown start: replace",
    olds,
    { ...news, createdAtAfter: UNKNOWN },
    { changes: true, replaces: ["createdAtAfter"] },
  ],
  [
    "timeoutSeconds only: in-place update",
    olds,
    { ...news, timeoutSeconds: 60 },
    { changes: true, replaces: [] },
  ],
  [
    "waitForCompletion only: update",
    olds,
    { ...news, waitForCompletion: false },
    { changes: true, replaces: [] },
  ],
  [
    "pollIntervalSeconds only: update",
    olds,
    { ...news, pollIntervalSeconds: 5 },
    { changes: true, replaces: [] },
  ],
  ["cancelOnDelete only: update", olds, { ...news, cancelOnDelete: true }, { changes: true, replaces: [] }],
  ["unknown option: update", olds, { ...news, timeoutSeconds: UNKNOWN }, { changes: true, replaces: [] }],
  [
    "failed job: replaced by a new one",
    { ...olds, status: "failed" },
    news,
    { changes: true, replaces: ["status"] },
  ],
  ["canceled job: replaced", { ...olds, status: "canceled" }, news, { changes: true, replaces: ["status"] }],
  [
    "expired job without renew: no changes (no silent re-run)",
    { ...olds, status: "expired", expired: true },
    news,
    { changes: false, replaces: [] },
  ],
  [
    "no_data job: no changes",
    { ...olds, status: "no_data", downloadUrl: "" },
    news,
    { changes: false, replaces: [] },
  ],
])("%s", async (_name, o, n, want) => {
  const res = await diff("job1", o, n);
  expect({ changes: res.changes, replaces: res.replaces }).toEqual(want);
});

test("a different endpoint (region or base URL) replaces the resource", async () => {
  runtimeSeams.env = { INTERCOM_REGION: "eu" };
  const res = await diff("job1", olds, news);
  expect(res.replaces).toEqual(["endpoint"]);
  setStackConfig({ baseUrl: "https://api.intercom.io" });
  expect((await diff("job1", olds, news)).changes).toBe(false);
});

test("with cancelOnDelete, a running job is deleted (canceled) before its replacement is created", async () => {
  const running = { ...olds, status: "in_progress", cancelOnDelete: true };
  const res = await diff("job1", running, { ...news, createdAtBefore: "2024-07-31", cancelOnDelete: true });
  expect(res.deleteBeforeReplace).toBe(true);
  const done = await diff(
    "job1",
    { ...olds, cancelOnDelete: true },
    { ...news, createdAtBefore: "2024-07-31" },
  );
  expect(done.deleteBeforeReplace).toBe(false);
});
