/** examples/backfill: its defaults (the program itself runs under the real engine in tests/e2e/backfill.test.ts). */
import { lastTwelveMonths, windowFromConfig } from "../../examples/backfill/range";
import { splitWindows } from "../../provider/backfill/windows";

describe("examples/backfill defaults", () => {
  test("a year of history: the twelve complete months before the current one", () => {
    expect(lastTwelveMonths(new Date(Date.UTC(2025, 0, 15, 10)))).toEqual({
      from: "2024-01-01",
      to: "2024-12-31",
    });
    expect(lastTwelveMonths(new Date(Date.UTC(2024, 2, 1)))).toEqual({
      from: "2023-03-01",
      to: "2024-02-29",
    });
    expect(lastTwelveMonths(new Date(Date.UTC(2023, 2, 31, 23, 59)))).toEqual({
      from: "2022-03-01",
      to: "2023-02-28",
    });
    const { from, to } = lastTwelveMonths(new Date(Date.UTC(2024, 6, 4)));
    expect(splitWindows(from, to).map((w) => w.key)).toEqual([
      "2023-07",
      "2023-08",
      "2023-09",
      "2023-10",
      "2023-11",
      "2023-12",
      "2024-01",
      "2024-02",
      "2024-03",
      "2024-04",
      "2024-05",
      "2024-06",
    ]);
  });

  test("the window config value", () => {
    expect(windowFromConfig(undefined)).toBe("month");
    expect(windowFromConfig("week")).toBe("week");
    expect(windowFromConfig("day")).toBe("day");
    expect(windowFromConfig("10")).toEqual({ days: 10 });
    expect(() => windowFromConfig("fortnight")).toThrow(
      /config 'window' must be month, week, day or a number of days/,
    );
  });
});
