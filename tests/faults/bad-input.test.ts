/**
 * Bad inputs end in `check` and never reach Intercom. Each case goes through the provider's `check` (a
 * CheckFailure naming the property) AND its `create` (refused with a message naming the property), with the
 * emulator up, and the emulator's request log must stay empty. tests/unit/check.test.ts covers the reasons'
 * wording through checkInputs; this table is about nothing being sent.
 */
import { check, create } from "../../provider/lifecycle";
import { TOKEN, useEmulator } from "../helpers/provider-env";
import { expectNoLeak, fastSeams } from "./helpers";

const env = useEmulator();
const ok = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30" };
const JUNE_1 = Date.UTC(2024, 5, 1) / 1000;
const JUNE_30 = Date.UTC(2024, 5, 30) / 1000;
const now = () => Math.floor(Date.now() / 1000);
const DAY = 86400;

// [case, inputs, the property a CheckFailure must name]
const BAD: [string, () => Record<string, unknown>, string][] = [
  // empty objects and missing bounds
  ["empty object", () => ({}), "createdAtAfter"],
  ["empty object (before)", () => ({}), "createdAtBefore"],
  ["after missing", () => ({ createdAtBefore: "2024-06-30" }), "createdAtAfter"],
  ["before missing", () => ({ createdAtAfter: "2024-06-01" }), "createdAtBefore"],
  ["bounds undefined", () => ({ createdAtAfter: undefined, createdAtBefore: undefined }), "createdAtAfter"],
  // wrong types
  ["boolean bound", () => ({ ...ok, createdAtAfter: true }), "createdAtAfter"],
  ["null bound", () => ({ ...ok, createdAtBefore: null }), "createdAtBefore"],
  ["object bound", () => ({ ...ok, createdAtAfter: { date: "2024-06-01" } }), "createdAtAfter"],
  ["array bound", () => ({ ...ok, createdAtAfter: [JUNE_1] }), "createdAtAfter"],
  ["Date object bound", () => ({ ...ok, createdAtAfter: new Date("2024-06-01") }), "createdAtAfter"],
  ["waitForCompletion string", () => ({ ...ok, waitForCompletion: "true" }), "waitForCompletion"],
  ["cancelOnDelete number", () => ({ ...ok, cancelOnDelete: 1 }), "cancelOnDelete"],
  ["timeoutSeconds string", () => ({ ...ok, timeoutSeconds: "3600" }), "timeoutSeconds"],
  ["slotWaitSeconds boolean", () => ({ ...ok, slotWaitSeconds: false }), "slotWaitSeconds"],
  // strings that are not dates
  ["prose date", () => ({ ...ok, createdAtAfter: "June 1st 2024" }), "createdAtAfter"],
  ["US date", () => ({ ...ok, createdAtAfter: "06/01/2024" }), "createdAtAfter"],
  ["empty string", () => ({ ...ok, createdAtBefore: "" }), "createdAtBefore"],
  ["impossible date", () => ({ ...ok, createdAtAfter: "2023-02-29" }), "createdAtAfter"],
  ["date-time without timezone", () => ({ ...ok, createdAtAfter: "2024-06-01T00:00:00" }), "createdAtAfter"],
  ["'now'", () => ({ ...ok, createdAtBefore: "now" }), "createdAtBefore"],
  // floats, negatives, NaN, Infinity
  ["float seconds", () => ({ ...ok, createdAtAfter: JUNE_1 + 0.5 }), "createdAtAfter"],
  ["negative seconds", () => ({ ...ok, createdAtAfter: -1 }), "createdAtAfter"],
  ["negative digit string", () => ({ ...ok, createdAtAfter: "-86400" }), "createdAtAfter"],
  ["NaN", () => ({ ...ok, createdAtAfter: NaN }), "createdAtAfter"],
  ["Infinity", () => ({ ...ok, createdAtBefore: Infinity }), "createdAtBefore"],
  ["-Infinity", () => ({ ...ok, createdAtAfter: -Infinity }), "createdAtAfter"],
  ["timeoutSeconds float", () => ({ ...ok, timeoutSeconds: 60.5 }), "timeoutSeconds"],
  ["timeoutSeconds zero", () => ({ ...ok, timeoutSeconds: 0 }), "timeoutSeconds"],
  ["pollIntervalSeconds negative", () => ({ ...ok, pollIntervalSeconds: -2 }), "pollIntervalSeconds"],
  ["pollIntervalSeconds NaN", () => ({ ...ok, pollIntervalSeconds: NaN }), "pollIntervalSeconds"],
  ["slotWaitSeconds negative", () => ({ ...ok, slotWaitSeconds: -1 }), "slotWaitSeconds"],
  // milliseconds and huge numbers
  ["milliseconds", () => ({ ...ok, createdAtAfter: JUNE_1 * 1000 }), "createdAtAfter"],
  ["Date.now()", () => ({ ...ok, createdAtBefore: Date.now() }), "createdAtBefore"],
  ["milliseconds digit string", () => ({ ...ok, createdAtAfter: String(JUNE_1 * 1000) }), "createdAtAfter"],
  ["1e300", () => ({ ...ok, createdAtAfter: 1e300 }), "createdAtAfter"],
  ["40-digit string", () => ({ ...ok, createdAtAfter: "9".repeat(40) }), "createdAtAfter"],
  ["Number.MAX_SAFE_INTEGER", () => ({ ...ok, createdAtBefore: Number.MAX_SAFE_INTEGER }), "createdAtBefore"],
  ["timeoutSeconds huge", () => ({ ...ok, timeoutSeconds: 1e12 }), "timeoutSeconds"],
  ["YYYYMMDD number", () => ({ ...ok, createdAtAfter: 20240601 }), "createdAtAfter"],
  // order and future
  [
    "after > before",
    () => ({ createdAtAfter: "2024-07-01", createdAtBefore: "2024-06-30" }),
    "createdAtAfter",
  ],
  [
    "after > before by 1 s",
    () => ({ createdAtAfter: JUNE_30 + 1, createdAtBefore: JUNE_30 }),
    "createdAtAfter",
  ],
  [
    "future range",
    () => ({ createdAtAfter: now() + 30 * DAY, createdAtBefore: now() + 60 * DAY }),
    "createdAtAfter",
  ],
  [
    "future by one hour",
    () => ({ createdAtAfter: now() + 3600, createdAtBefore: now() + 7200 }),
    "createdAtAfter",
  ],
  ["year 3000", () => ({ createdAtAfter: "3000-01-01", createdAtBefore: "3000-01-31" }), "createdAtAfter"],
  // unknown extra properties
  ["unknown property", () => ({ ...ok, foo: 1 }), "foo"],
  ["misspelled option", () => ({ ...ok, timeoutSecond: 60 }), "timeoutSecond"],
  [
    "Intercom's snake_case",
    () => ({ created_at_after: JUNE_1, createdAtBefore: JUNE_30 }),
    "created_at_after",
  ],
  ["accessToken as an input", () => ({ ...ok, accessToken: TOKEN }), "accessToken"],
  // options that only make sense together
  [
    "maxPollIntervalSeconds below pollIntervalSeconds",
    () => ({ ...ok, pollIntervalSeconds: 10, maxPollIntervalSeconds: 1 }),
    "maxPollIntervalSeconds",
  ],
];

beforeEach(() => {
  fastSeams();
});

test("the table has at least 40 bad inputs", () => {
  expect(BAD.length).toBeGreaterThanOrEqual(40);
});

test.each(BAD)(
  "%s: check names the property, create refuses, nothing is sent",
  async (_name, make, property) => {
    const inputs = { ...make(), __provider: "exports.handler = function () {}" };

    const { failures } = await check({}, inputs);
    const named = (failures ?? []).filter((f) => f.property === property);
    expect(named.length).toBeGreaterThan(0);
    for (const f of failures ?? []) expect(f.reason).toContain(f.property);

    let error: Error | undefined;
    try {
      await create(inputs);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeDefined();
    expect(error!.message).toContain(property);

    expect(env.emu.requests).toEqual([]);
    expect(env.emu.listJobs()).toEqual([]);
    expectNoLeak(TOKEN, error, env.logs);
  },
);
