/** Defaults of the backfill example: a year of history, and the `window` config value. */

/** The twelve complete calendar months before the one holding `now` (UTC), as inclusive ISO dates. */
export function lastTwelveMonths(now: Date = new Date()): { from: string; to: string } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth(); // 0-based: the current month, not included
  const from = new Date(Date.UTC(y - 1, m, 1));
  const to = new Date(Date.UTC(y, m, 0)); // day 0 = the last day of the previous month
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

/** The `window` config value: "month" (default), "week", "day", or a number of days ("10"). */
export function windowFromConfig(value: string | undefined): "month" | "week" | "day" | { days: number } {
  if (value === undefined || value === "") return "month";
  if (value === "month" || value === "week" || value === "day") return value;
  if (/^\d+$/.test(value)) return { days: Number(value) };
  throw new Error(`config 'window' must be month, week, day or a number of days; got '${value}'`);
}
