/** Issue 7 at unit level: the inputs and diff rules for adopting a job and renewing expired exports. */
import { diff, runtimeSeams, setStackConfig } from "../../provider/lifecycle";
import { checkInputs, UNKNOWN } from "../../provider/schema";

const NOW = Date.UTC(2026, 11, 3, 12) / 1000;

describe("check", () => {
  test.each<[string, Record<string, unknown>]>([
    ["a job id alone", { jobIdentifier: "al9w983lwu88w1fd" }],
    [
      "a job id with a declared range",
      { jobIdentifier: "al9w983lwu88w1fd", createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30" },
    ],
    ["an unknown job id (preview)", { jobIdentifier: UNKNOWN }],
    [
      "renewWhenExpired on a created job",
      { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30", renewWhenExpired: true },
    ],
  ])("accepts %s", (_n, inputs) => expect(checkInputs(inputs, NOW)).toEqual([]));

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "one bound with a job id",
      { jobIdentifier: "abc", createdAtAfter: "2024-06-01" },
      "createdAtBefore",
      /required when createdAtAfter is given/,
    ],
    [
      "renew with a job id",
      { jobIdentifier: "abc", renewWhenExpired: true },
      "renewWhenExpired",
      /cannot be combined with jobIdentifier/,
    ],
    ["an id with a slash", { jobIdentifier: "../../etc" }, "jobIdentifier", /must be an Intercom job id/],
    ["an empty id", { jobIdentifier: "" }, "jobIdentifier", /must be an Intercom job id/],
    ["a dot-dot id", { jobIdentifier: ".." }, "jobIdentifier", /must be an Intercom job id/],
    ["a dot id", { jobIdentifier: "." }, "jobIdentifier", /must be an Intercom job id/],
    ["a numeric id", { jobIdentifier: 42 }, "jobIdentifier", /must be a string/],
    [
      "renewWhenExpired as a string",
      { createdAtAfter: 0, createdAtBefore: 1, renewWhenExpired: "true" },
      "renewWhenExpired",
      /must be a boolean/,
    ],
    ["no range and no id", {}, "createdAtAfter", /required.*or set jobIdentifier/],
  ])("refuses %s", (_n, inputs, property, reason) => {
    const mine = checkInputs(inputs, NOW).filter((f) => f.property === property);
    expect(mine.map((f) => f.reason).join(" | ")).toMatch(reason);
  });
});

describe("diff", () => {
  const base = {
    jobIdentifier: "job1",
    status: "completed",
    downloadUrl: "u",
    downloadExpiresAt: String(NOW + 86400),
    expired: false,
    createdAtAfter: Date.UTC(2024, 5, 1) / 1000,
    createdAtBefore: Date.UTC(2024, 5, 30) / 1000,
    adopted: false,
    endpoint: "https://api.intercom.io",
    __provider: "p",
  };
  const adopted = { ...base, adopted: true, createdAtAfter: null, createdAtBefore: null };
  const range = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30", __provider: "p" };
  beforeEach(() => {
    setStackConfig({});
    runtimeSeams.env = {};
    runtimeSeams.clock = { now: () => NOW * 1000, sleep: async () => undefined };
  });
  afterAll(() => {
    runtimeSeams.clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>, string[], boolean]>([
    ["adopted, same id: no changes", adopted, { jobIdentifier: "job1", __provider: "p" }, [], false],
    [
      "adopted, another id: replace",
      adopted,
      { jobIdentifier: "job2", __provider: "p" },
      ["jobIdentifier"],
      true,
    ],
    [
      "adopted, id removed (range declared now): replace with a new job",
      adopted,
      range,
      ["createdAtAfter", "createdAtBefore", "jobIdentifier"],
      true,
    ],
    ["created, id set to our own job: no changes", base, { ...range, jobIdentifier: "job1" }, [], false],
    [
      "created, id set to another job: replace",
      base,
      { ...range, jobIdentifier: "other" },
      ["jobIdentifier"],
      true,
    ],
    ["unknown id: replace", adopted, { jobIdentifier: UNKNOWN, __provider: "p" }, ["jobIdentifier"], true],
    ["expired without renew: no changes", { ...base, status: "expired", expired: true }, range, [], false],
    [
      "expired with renew: replace",
      { ...base, status: "expired", expired: true, renewWhenExpired: true },
      { ...range, renewWhenExpired: true },
      ["expired"],
      true,
    ],
    [
      "past its expiry time, with renew: replace",
      { ...base, downloadExpiresAt: String(NOW - 1), renewWhenExpired: true },
      { ...range, renewWhenExpired: true },
      ["expired"],
      true,
    ],
    [
      "valid, with renew: no changes",
      { ...base, renewWhenExpired: true },
      { ...range, renewWhenExpired: true },
      [],
      false,
    ],
    [
      "turning renew on for a valid export: in-place update",
      base,
      { ...range, renewWhenExpired: true },
      [],
      true,
    ],
  ])("%s", async (_n, olds, news, replaces, changes) => {
    const res = await diff("job1", olds, news);
    expect(res.replaces).toEqual(replaces);
    expect(res.changes).toBe(changes);
  });
});
