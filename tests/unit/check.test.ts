import { check } from "../../provider/lifecycle";
import { checkInputs, parseTimestamp, UNKNOWN } from "../../provider/schema";

const NOW = Date.UTC(2026, 11, 3, 12) / 1000; // 2026-12-03T12:00:00Z
const JUNE_1 = Date.UTC(2024, 5, 1) / 1000;
const JUNE_30 = Date.UTC(2024, 5, 30) / 1000;
const ok = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30" };

describe("good inputs pass check", () => {
  const good: [string, Record<string, unknown>][] = [
    ["ISO dates", ok],
    ["unix seconds", { createdAtAfter: JUNE_1, createdAtBefore: JUNE_30 }],
    [
      "digit strings (stack config values are strings)",
      { createdAtAfter: String(JUNE_1), createdAtBefore: String(JUNE_30) },
    ],
    [
      "date-times with Z",
      { createdAtAfter: "2024-06-01T00:00:00Z", createdAtBefore: "2024-06-30T23:59:59Z" },
    ],
    [
      "date-times with offset",
      { createdAtAfter: "2024-06-01T02:00:00+02:00", createdAtBefore: "2024-06-30T12:00+02:00" },
    ],
    ["one day (same bound twice)", { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-01" }],
    ["zero (all history)", { createdAtAfter: 0, createdAtBefore: JUNE_30 }],
    [
      "end in the future (month in progress)",
      { createdAtAfter: "2026-12-01", createdAtBefore: "2026-12-31" },
    ],
    [
      "every option",
      {
        ...ok,
        waitForCompletion: false,
        timeoutSeconds: 60,
        pollIntervalSeconds: 0.5,
        maxPollIntervalSeconds: 10,
        slotWaitSeconds: 0,
        cancelOnDelete: true,
      },
    ],
    ["with __provider", { ...ok, __provider: "exports.handler = ..." }],
    ["unknown after (preview)", { createdAtAfter: UNKNOWN, createdAtBefore: "2024-06-30" }],
    [
      "unknown everything (preview)",
      { createdAtAfter: UNKNOWN, createdAtBefore: UNKNOWN, timeoutSeconds: UNKNOWN },
    ],
  ];
  test.each(good)("%s", (_name, inputs) => {
    expect(checkInputs(inputs, NOW)).toEqual([]);
  });
});

describe("bad inputs fail check with a failure naming the property and the rule", () => {
  // [description, inputs, property named, text the reason must contain]
  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["empty object: after missing", {}, "createdAtAfter", /required/],
    ["empty object: before missing", {}, "createdAtBefore", /required/],
    ["after missing", { createdAtBefore: "2024-06-30" }, "createdAtAfter", /required/],
    ["before missing", { createdAtAfter: "2024-06-01" }, "createdAtBefore", /required/],
    [
      "after > before",
      { createdAtAfter: "2024-07-01", createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /must not be later than createdAtBefore/,
    ],
    [
      "after > before by one second",
      { createdAtAfter: JUNE_30 + 1, createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /must not be later/,
    ],
    [
      "milliseconds after",
      { createdAtAfter: JUNE_1 * 1000, createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /milliseconds.*Math\.floor/,
    ],
    [
      "milliseconds before",
      { createdAtAfter: JUNE_1, createdAtBefore: JUNE_30 * 1000 },
      "createdAtBefore",
      /milliseconds/,
    ],
    [
      "milliseconds as digit string",
      { createdAtAfter: String(JUNE_1 * 1000), createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /milliseconds/,
    ],
    [
      "Date.now()-like float ms",
      { createdAtAfter: 1717200000123.5, createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /whole|milliseconds/,
    ],
    ["negative after", { createdAtAfter: -1, createdAtBefore: JUNE_30 }, "createdAtAfter", /negative/],
    ["negative before", { createdAtAfter: 0, createdAtBefore: -86400 }, "createdAtBefore", /negative/],
    [
      "negative digit string",
      { createdAtAfter: "-5", createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /negative/,
    ],
    [
      "float seconds",
      { createdAtAfter: 1717200000.5, createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /whole unix seconds/,
    ],
    ["NaN", { createdAtAfter: NaN, createdAtBefore: JUNE_30 }, "createdAtAfter", /finite/],
    ["Infinity", { createdAtAfter: JUNE_1, createdAtBefore: Infinity }, "createdAtBefore", /finite/],
    ["-Infinity", { createdAtAfter: -Infinity, createdAtBefore: JUNE_30 }, "createdAtAfter", /finite/],
    [
      "huge number",
      { createdAtAfter: 1e300, createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /milliseconds|finite|whole/,
    ],
    [
      "huge digit string",
      { createdAtAfter: "9".repeat(40), createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /milliseconds/,
    ],
    [
      "YYYYMMDD number",
      { createdAtAfter: 20240601, createdAtBefore: JUNE_30 },
      "createdAtAfter",
      /YYYYMMDD.*"2024-06-01"/,
    ],
    [
      "not a date",
      { createdAtAfter: "June 1st", createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /ISO-8601/,
    ],
    [
      "US date",
      { createdAtAfter: "06/01/2024", createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /ISO-8601/,
    ],
    [
      "empty string",
      { createdAtAfter: "", createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /must not be empty/,
    ],
    [
      "whitespace string",
      { createdAtAfter: "2024-06-01", createdAtBefore: "   " },
      "createdAtBefore",
      /must not be empty/,
    ],
    [
      "impossible date",
      { createdAtAfter: "2024-02-30", createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /not a real calendar date/,
    ],
    [
      "month 13",
      { createdAtAfter: "2024-13-01", createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /not a real calendar date/,
    ],
    [
      "date-time without timezone",
      { createdAtAfter: "2024-06-01T00:00:00", createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /no timezone/,
    ],
    [
      "boolean bound",
      { createdAtAfter: true, createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /unix seconds/,
    ],
    ["null bound", { createdAtAfter: null, createdAtBefore: "2024-06-30" }, "createdAtAfter", /unix seconds/],
    [
      "object bound",
      { createdAtAfter: { date: "2024-06-01" }, createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /unix seconds/,
    ],
    [
      "array bound",
      { createdAtAfter: ["2024-06-01"], createdAtBefore: "2024-06-30" },
      "createdAtAfter",
      /unix seconds/,
    ],
    [
      "future range",
      { createdAtAfter: "2027-01-01", createdAtBefore: "2027-01-31" },
      "createdAtAfter",
      /in the future/,
    ],
    [
      "future by one hour",
      { createdAtAfter: NOW + 3600, createdAtBefore: NOW + 7200 },
      "createdAtAfter",
      /in the future/,
    ],
    ["unknown property", { ...ok, foo: 1 }, "foo", /unknown property 'foo'/],
    ["misspelled property", { ...ok, timeoutSecond: 5 }, "timeoutSecond", /did you mean 'timeoutSeconds'/],
    [
      "snake_case property",
      { created_at_after: JUNE_1, createdAtBefore: JUNE_30 },
      "created_at_after",
      /did you mean 'createdAtAfter'/,
    ],
    [
      "waitForCompletion string",
      { ...ok, waitForCompletion: "yes" },
      "waitForCompletion",
      /must be a boolean/,
    ],
    ["cancelOnDelete number", { ...ok, cancelOnDelete: 1 }, "cancelOnDelete", /must be a boolean/],
    ["timeoutSeconds zero", { ...ok, timeoutSeconds: 0 }, "timeoutSeconds", />= 1/],
    ["timeoutSeconds negative", { ...ok, timeoutSeconds: -10 }, "timeoutSeconds", />= 1/],
    ["timeoutSeconds float", { ...ok, timeoutSeconds: 1.5 }, "timeoutSeconds", /whole number/],
    ["timeoutSeconds string", { ...ok, timeoutSeconds: "60" }, "timeoutSeconds", /whole number/],
    ["timeoutSeconds huge", { ...ok, timeoutSeconds: 1e9 }, "timeoutSeconds", /<= 172800/],
    ["timeoutSeconds Infinity", { ...ok, timeoutSeconds: Infinity }, "timeoutSeconds", /whole number|<=/],
    ["pollIntervalSeconds zero", { ...ok, pollIntervalSeconds: 0 }, "pollIntervalSeconds", /> 0/],
    ["pollIntervalSeconds NaN", { ...ok, pollIntervalSeconds: NaN }, "pollIntervalSeconds", /number|NaN/],
    [
      "maxPollIntervalSeconds below pollIntervalSeconds",
      { ...ok, pollIntervalSeconds: 10, maxPollIntervalSeconds: 5 },
      "maxPollIntervalSeconds",
      /at least pollIntervalSeconds/,
    ],
    [
      "maxPollIntervalSeconds below the default pollIntervalSeconds",
      { ...ok, maxPollIntervalSeconds: 0.5 },
      "maxPollIntervalSeconds",
      /at least pollIntervalSeconds \(1, the default\)/,
    ],
    [
      "pollIntervalSeconds above the default cap",
      { ...ok, pollIntervalSeconds: 120 },
      "pollIntervalSeconds",
      /at most maxPollIntervalSeconds \(60, the default\)/,
    ],
    ["slotWaitSeconds negative", { ...ok, slotWaitSeconds: -1 }, "slotWaitSeconds", />= 0/],
  ];

  test.each(bad)("%s", (_name, inputs, property, reason) => {
    const failures = checkInputs(inputs, NOW);
    const mine = failures.filter((f) => f.property === property);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((f) => f.reason).join(" | ")).toMatch(reason);
    // Every reason names its property, so the message stands on its own in `pulumi preview` output.
    for (const f of failures) expect(f.reason).toContain(f.property);
  });

  test("the table has at least 40 cases", () => {
    expect(bad.length).toBeGreaterThanOrEqual(40);
  });
});

describe("check through the provider method", () => {
  test("returns the inputs unchanged, unknowns included, and the failures", async () => {
    const news = { createdAtAfter: UNKNOWN, createdAtBefore: "2024-06-30", __provider: "x" };
    const res = await check({}, news);
    expect(res.inputs).toEqual(news);
    expect(res.failures).toEqual([]);
    const bad = await check({}, { createdAtAfter: "2024-07-01", createdAtBefore: "2024-06-30" });
    expect(bad.failures).toEqual([expect.objectContaining({ property: "createdAtAfter" })]);
  });
});

describe("parseTimestamp", () => {
  test("a date is midnight UTC, as Intercom's own example sends it", () => {
    expect(parseTimestamp("x", "2018-06-01")).toEqual({ seconds: 1527811200 });
    expect(parseTimestamp("x", "2018-06-30")).toEqual({ seconds: 1530316800 });
  });
  test("date-times honour their offset", () => {
    expect(parseTimestamp("x", "2024-06-01T02:00:00+02:00")).toEqual({ seconds: JUNE_1 });
    expect(parseTimestamp("x", "2024-06-01T00:00:00.999Z")).toEqual({ seconds: JUNE_1 });
  });
  test("leap day is a real date in 2024 and not in 2023", () => {
    expect(parseTimestamp("x", "2024-02-29")).toEqual({ seconds: Date.UTC(2024, 1, 29) / 1000 });
    expect(parseTimestamp("x", "2023-02-29")).toHaveProperty("error");
  });
});
