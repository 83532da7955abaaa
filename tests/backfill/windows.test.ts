/** The pure window splitter behind ContentDataExportBackfill. */
import {
  BackfillInputError,
  BackfillWindow,
  dayNumber,
  daysInMonth,
  formatDay,
  isoWeekKey,
  isLeapYear,
  MAX_WINDOWS,
  splitWindows,
  utcToday,
} from "../../provider/backfill/windows";

const ranges = (ws: BackfillWindow[]) => ws.map((w) => `${w.key}:${w.start}..${w.end}`);

/** Expects a BackfillInputError naming `property`, with a message mentioning it; returns the message. */
function inputError(fn: () => unknown, property: string): string {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BackfillInputError);
  const e = caught as BackfillInputError;
  expect(e.property).toBe(property);
  expect(e.message).toContain(property);
  return e.message;
}

/** The invariants every split must hold: in order, contiguous, inclusive, covering exactly [from, to]. */
function expectContiguous(ws: BackfillWindow[], from: string, to: string): void {
  expect(ws.length).toBeGreaterThan(0);
  expect(ws[0].start).toBe(from);
  expect(ws[ws.length - 1].end).toBe(to);
  const day = (s: string) => Date.parse(`${s}T00:00:00Z`) / 86_400_000;
  let total = 0;
  for (let i = 0; i < ws.length; i++) {
    expect(day(ws[i].end) - day(ws[i].start) + 1).toBe(ws[i].days);
    expect(ws[i].days).toBeGreaterThan(0);
    total += ws[i].days;
    if (i > 0) expect(day(ws[i].start)).toBe(day(ws[i - 1].end) + 1); // no gap, no overlap
  }
  expect(total).toBe(day(to) - day(from) + 1);
  expect(new Set(ws.map((w) => w.key)).size).toBe(ws.length); // keys are unique names
}

describe("calendar arithmetic", () => {
  test("day numbers agree with Date.UTC over 1899-2101, both ways", () => {
    const mismatches: string[] = [];
    for (let n = dayNumber(1899, 1, 1); n <= dayNumber(2101, 12, 31); n += 1) {
      const iso = new Date(n * 86_400_000).toISOString().slice(0, 10);
      const [y, m, d] = iso.split("-").map(Number);
      if (formatDay(n) !== iso || dayNumber(y, m, d) !== n) mismatches.push(iso);
    }
    expect(mismatches).toEqual([]);
    expect(dayNumber(1970, 1, 1)).toBe(0);
    expect(dayNumber(2024, 6, 1)).toBe(Date.UTC(2024, 5, 1) / 86_400_000);
  });

  test("leap years: 2024 and 2000 are, 2023 and 1900 are not", () => {
    expect([2024, 2000, 1600, 2400].map(isLeapYear)).toEqual([true, true, true, true]);
    expect([2023, 1900, 2100, 2025].map(isLeapYear)).toEqual([false, false, false, false]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect([1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2023, m))).toEqual([
      31, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    ]);
  });

  test("ISO week keys, including weeks that straddle a new year", () => {
    expect(isoWeekKey(dayNumber(2024, 6, 3))).toBe("2024-W23");
    expect(isoWeekKey(dayNumber(2024, 12, 30))).toBe("2025-W01"); // Monday of week 1 of 2025
    expect(isoWeekKey(dayNumber(2021, 1, 3))).toBe("2020-W53"); // a Sunday in 2020's 53rd week
    expect(isoWeekKey(dayNumber(2026, 1, 1))).toBe("2026-W01");
  });
});

describe("month windows (the default)", () => {
  test("a whole year gives twelve calendar months with the right month ends", () => {
    const ws = splitWindows("2023-01-01", "2023-12-31");
    expect(ranges(ws)).toEqual([
      "2023-01:2023-01-01..2023-01-31",
      "2023-02:2023-02-01..2023-02-28",
      "2023-03:2023-03-01..2023-03-31",
      "2023-04:2023-04-01..2023-04-30",
      "2023-05:2023-05-01..2023-05-31",
      "2023-06:2023-06-01..2023-06-30",
      "2023-07:2023-07-01..2023-07-31",
      "2023-08:2023-08-01..2023-08-31",
      "2023-09:2023-09-01..2023-09-30",
      "2023-10:2023-10-01..2023-10-31",
      "2023-11:2023-11-01..2023-11-30",
      "2023-12:2023-12-01..2023-12-31",
    ]);
    expectContiguous(ws, "2023-01-01", "2023-12-31");
    expect(ws.reduce((n, w) => n + w.days, 0)).toBe(365);
  });

  test.each([
    ["2024", "2024-02-29", 29],
    ["2023", "2023-02-28", 28],
    ["2000", "2000-02-29", 29],
    ["1900", "1900-02-28", 28],
  ])("February %s ends on %s", (year, lastDay, days) => {
    const ws = splitWindows(`${year}-01-15`, `${year}-03-15`);
    expect(ranges(ws)).toEqual([
      `${year}-01:${year}-01-15..${year}-01-31`,
      `${year}-02:${year}-02-01..${lastDay}`,
      `${year}-03:${year}-03-01..${year}-03-15`,
    ]);
    expect(ws[1].days).toBe(days);
  });

  test("February 29th does not exist in 2023 or 1900", () => {
    expect(inputError(() => splitWindows("2023-02-29", "2023-03-31"), "from")).toMatch(
      /not a real calendar date: '2023-02-29'/,
    );
    inputError(() => splitWindows("1900-01-01", "1900-02-29"), "to");
    expect(splitWindows("2000-02-29", "2000-02-29")).toEqual([
      { key: "2000-02", start: "2000-02-29", end: "2000-02-29", days: 1 },
    ]);
  });

  test("a single day is one window (both bounds inclusive)", () => {
    expect(splitWindows("2024-06-30", "2024-06-30")).toEqual([
      { key: "2024-06", start: "2024-06-30", end: "2024-06-30", days: 1 },
    ]);
  });

  test("a range inside one month is one partial window", () => {
    expect(ranges(splitWindows("2024-06-10", "2024-06-20"))).toEqual(["2024-06:2024-06-10..2024-06-20"]);
  });

  test("starting and ending mid-month: partial first and last windows, whole months between", () => {
    const ws = splitWindows("2024-01-31", "2024-04-01");
    expect(ranges(ws)).toEqual([
      "2024-01:2024-01-31..2024-01-31",
      "2024-02:2024-02-01..2024-02-29",
      "2024-03:2024-03-01..2024-03-31",
      "2024-04:2024-04-01..2024-04-01",
    ]);
    expectContiguous(ws, "2024-01-31", "2024-04-01");
  });

  test("across a year boundary", () => {
    expect(ranges(splitWindows("2023-11-15", "2024-01-10"))).toEqual([
      "2023-11:2023-11-15..2023-11-30",
      "2023-12:2023-12-01..2023-12-31",
      "2024-01:2024-01-01..2024-01-10",
    ]);
  });

  test("keys are stable: extending the range adds windows and leaves the others as they were", () => {
    const before = splitWindows("2024-01-01", "2024-03-31");
    const after = splitWindows("2024-01-01", "2024-04-30");
    expect(after.slice(0, 3)).toEqual(before);
    expect(after[3]).toEqual({ key: "2024-04", start: "2024-04-01", end: "2024-04-30", days: 30 });
    // Extending a partial last month changes that window's range only (same key: the child is replaced).
    const partial = splitWindows("2024-01-01", "2024-03-15");
    expect(partial.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(partial[2].key).toBe(before[2].key);
  });

  test("long ranges stay contiguous (ten years, every leap day)", () => {
    const ws = splitWindows("2015-03-17", "2025-08-09");
    expectContiguous(ws, "2015-03-17", "2025-08-09");
    expect(ws).toHaveLength(10 * 12 + 6);
    expect(ws.filter((w) => w.key.endsWith("-02")).map((w) => w.days)).toEqual([
      29,
      28,
      28,
      28,
      29,
      28,
      28,
      28,
      29,
      28, // 2016 … 2025
    ]);
  });
});

describe("week, day and N-day windows", () => {
  test("ISO weeks, Monday to Sunday, partial at both ends", () => {
    // 2024-06-05 is a Wednesday; 2024-06-20 a Thursday.
    const ws = splitWindows("2024-06-05", "2024-06-20", "week");
    expect(ranges(ws)).toEqual([
      "2024-W23:2024-06-05..2024-06-09",
      "2024-W24:2024-06-10..2024-06-16",
      "2024-W25:2024-06-17..2024-06-20",
    ]);
    expectContiguous(ws, "2024-06-05", "2024-06-20");
  });

  test("weeks across a year boundary take the ISO week-year", () => {
    expect(ranges(splitWindows("2024-12-25", "2025-01-08", "week"))).toEqual([
      "2024-W52:2024-12-25..2024-12-29",
      "2025-W01:2024-12-30..2025-01-05",
      "2025-W02:2025-01-06..2025-01-08",
    ]);
  });

  test("days", () => {
    expect(ranges(splitWindows("2024-02-28", "2024-03-01", "day"))).toEqual([
      "2024-02-28:2024-02-28..2024-02-28",
      "2024-02-29:2024-02-29..2024-02-29",
      "2024-03-01:2024-03-01..2024-03-01",
    ]);
  });

  test("{ days: N } counts from `from` by default, the last window is partial", () => {
    const ws = splitWindows("2024-01-01", "2024-01-25", { days: 10 });
    expect(ranges(ws)).toEqual([
      "2024-01-01:2024-01-01..2024-01-10",
      "2024-01-11:2024-01-11..2024-01-20",
      "2024-01-21:2024-01-21..2024-01-25",
    ]);
    expectContiguous(ws, "2024-01-01", "2024-01-25");
  });

  test("{ days: N, anchor } aligns windows to the anchor, so moving `from` keeps the later windows", () => {
    const a = splitWindows("2024-01-05", "2024-01-25", { days: 10, anchor: "2024-01-01" });
    expect(ranges(a)).toEqual([
      "2024-01-01:2024-01-05..2024-01-10",
      "2024-01-11:2024-01-11..2024-01-20",
      "2024-01-21:2024-01-21..2024-01-25",
    ]);
    const b = splitWindows("2023-12-20", "2024-01-25", { days: 10, anchor: "2024-01-01" });
    expect(b.slice(-2)).toEqual(a.slice(-2));
    expect(b[0]).toMatchObject({ key: "2023-12-12", start: "2023-12-20", end: "2023-12-21" });
  });

  test("every kind of window covers the range exactly", () => {
    for (const spec of ["month", "week", "day", { days: 1 }, { days: 7 }, { days: 45 }] as const) {
      expectContiguous(splitWindows("2023-12-27", "2024-03-03", spec), "2023-12-27", "2024-03-03");
    }
  });
});

describe("invalid input names the field", () => {
  test.each([
    ["from", () => splitWindows("2024/01/01", "2024-02-01"), /from must be an ISO date such as "2024-01-01"/],
    ["from", () => splitWindows("", "2024-02-01"), /got ''/],
    ["to", () => splitWindows("2024-01-01", "2024-13-01"), /to is not a real calendar date: '2024-13-01'/],
    ["to", () => splitWindows("2024-01-01", "2024-04-31"), /not a real calendar date/],
    [
      "to",
      () => splitWindows("2024-01-01", 1717200000 as unknown as string),
      /to must be an ISO date.*got 1717200000/,
    ],
    ["from", () => splitWindows(undefined as unknown as string, "2024-01-01"), /got undefined/],
    ["from", () => splitWindows("2024-01-01T00:00:00Z", "2024-02-01"), /whole UTC day/],
    [
      "from",
      () => splitWindows("2024-07-01", "2024-06-30"),
      /from \(2024-07-01\) must not be later than to \(2024-06-30\)/,
    ],
    [
      "window",
      () => splitWindows("2024-01-01", "2024-02-01", "year" as never),
      /window must be "month", "week", "day" or \{ days: N \}.*got 'year'/,
    ],
    ["window", () => splitWindows("2024-01-01", "2024-02-01", { days: 0 }), /got days = 0/],
    ["window", () => splitWindows("2024-01-01", "2024-02-01", { days: 2.5 }), /got days = 2.5/],
    [
      "window",
      () => splitWindows("2024-01-01", "2024-02-01", { days: 7, every: 2 } as never),
      /unknown key 'every'/,
    ],
    [
      "window.anchor",
      () => splitWindows("2024-01-01", "2024-02-01", { days: 7, anchor: "soon" }),
      /window.anchor must be an ISO date/,
    ],
  ])("%s", (property, fn, message) => {
    expect(inputError(fn, property)).toMatch(message);
  });

  test("too many windows is refused, naming the window", () => {
    expect(inputError(() => splitWindows("2000-01-01", "2010-01-01", "day"), "window")).toContain(
      `more than ${MAX_WINDOWS} windows`,
    );
    expect(splitWindows("2000-01-01", "2002-09-26", "day")).toHaveLength(MAX_WINDOWS);
  });

  test("with `today`: a range starting in the future, or windows starting after today, are refused", () => {
    expect(
      inputError(() => splitWindows("2024-07-01", "2024-07-31", "month", { today: "2024-06-15" }), "from"),
    ).toMatch(/from \(2024-07-01\) is in the future \(today is 2024-06-15\)/);
    expect(
      inputError(() => splitWindows("2024-01-01", "2024-08-31", "month", { today: "2024-06-15" }), "to"),
    ).toMatch(/2 window\(s\) would start after today \(2024-06-15\), from 2024-07-01/);
    // A last window that starts today or earlier is allowed (the component warns about it).
    expect(splitWindows("2024-01-01", "2024-06-30", "month", { today: "2024-06-15" })).toHaveLength(6);
    expect(utcToday(Date.UTC(2024, 5, 15, 23, 59))).toBe("2024-06-15");
  });
});
