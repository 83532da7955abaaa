/**
 * Splitting a long date range into export windows. Pure: no clock (unless `today` is passed), no I/O.
 *
 * Dates are whole UTC days written `YYYY-MM-DD`, both bounds inclusive (as Intercom documents its ranges).
 * Windows never overlap and leave no gap: when window N ends on day D, window N+1 starts on D+1.
 * Calendar arithmetic uses day numbers (days since 1970-01-01, proleptic Gregorian calendar), not `Date`, so
 * month lengths and leap years (2024 and 2000 are leap years, 2023 and 1900 are not) come from one rule.
 */
import { IntercomExportError } from "../errors";

/**
 * How to cut the range:
 * - `"month"` (default): calendar months; the first window may start mid-month and the last may end mid-month.
 * - `"week"`: ISO weeks, Monday to Sunday.
 * - `"day"`: one window per day.
 * - `{ days: N }`: N consecutive days per window, counted from `anchor` (default: the range's `from`).
 */
export type BackfillWindowSpec = "month" | "week" | "day" | { days: number; anchor?: string };

export interface BackfillWindow {
  /**
   * The calendar period the window belongs to, stable whatever the range: `2024-06` (month), `2024-W23` (ISO
   * week), `2024-06-03` (day, or the first day of an N-day period). Child resources are named after it.
   */
  key: string;
  /** First day, inclusive (`YYYY-MM-DD`). */
  start: string;
  /** Last day, inclusive (`YYYY-MM-DD`). */
  end: string;
  /** Number of days in the window (end - start + 1). */
  days: number;
}

/** An invalid backfill input; `property` names the input at fault (`from`, `to`, `window`). */
export class BackfillInputError extends IntercomExportError {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(message);
  }
}

/** More windows than this is almost certainly a mistake (ten years of days); each window is one export job. */
export const MAX_WINDOWS = 1000;
/** Largest `{ days: N }`. */
export const MAX_WINDOW_DAYS = 3660;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The inverse of dayNumber: `YYYY-MM-DD`. */
export function formatDay(n: number): string {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function describe(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  if (v === null) return "null";
  if (typeof v === "object") return Array.isArray(v) ? "an array" : JSON.stringify(v);
  return String(v);
}

/** Parses a `YYYY-MM-DD` input into its day number; the error names `property`. */
export function parseDay(property: string, value: unknown): number {
  const hint = `${property} must be an ISO date such as "2024-01-01" (a whole UTC day; backfill windows are whole days)`;
  if (typeof value !== "string") throw new BackfillInputError(property, `${hint}; got ${describe(value)}`);
  const m = ISO_DATE.exec(value.trim());
  if (!m) throw new BackfillInputError(property, `${hint}; got ${describe(value)}`);
  const [year, month, day] = m.slice(1).map(Number);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new BackfillInputError(property, `${property} is not a real calendar date: ${describe(value)}`);
  }
  return dayNumber(year, month, day);
}

function civil(n: number): { year: number; month: number; day: number } {
  const [year, month, day] = formatDay(n).split("-").map(Number);
  return { year, month, day };
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
function isoWeekday(n: number): number {
  return (((n + 3) % 7) + 7) % 7;
}

/** ISO-8601 week key of the week holding day `n`: `2025-W01` for 2024-12-30. */
export function isoWeekKey(n: number): string {
  const thursday = n - isoWeekday(n) + 3; // the week belongs to the year of its Thursday
  const { year } = civil(thursday);
  const week = Math.floor((thursday - dayNumber(year, 1, 1)) / 7) + 1;
  return `${year}-W${pad2(week)}`;
}

/** Checks the `window` input; returns it normalized. */
export function parseWindowSpec(
  value: unknown,
  from: number,
): { kind: "month" | "week" | "day" } | { days: number; anchor: number } {
  if (value === undefined || value === null || value === "month") return { kind: "month" };
  if (value === "week" || value === "day") return { kind: value };
  const hint = `window must be "month", "week", "day" or { days: N } with N a whole number from 1 to ${MAX_WINDOW_DAYS}`;
  if (typeof value === "object" && !Array.isArray(value)) {
    const { days, anchor, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) {
      throw new BackfillInputError("window", `${hint}; unknown key '${extra[0]}' in ${describe(value)}`);
    }
    if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
      throw new BackfillInputError("window", `${hint}; got days = ${describe(days)}`);
    }
    return { days, anchor: anchor === undefined ? from : parseDay("window.anchor", anchor) };
  }
  throw new BackfillInputError("window", `${hint}; got ${describe(value)}`);
}

export interface SplitOptions {
  /**
   * Today's date (`YYYY-MM-DD`, UTC). When given, a window that starts after today is refused (Intercom exports
   * messages already sent; the job would be refused too).
   */
  today?: string;
}

/**
 * Splits `[from, to]` (inclusive ISO dates) into consecutive windows. Throws a BackfillInputError naming the
 * input at fault.
 */
export function splitWindows(
  from: string,
  to: string,
  window: BackfillWindowSpec = "month",
  options: SplitOptions = {},
): BackfillWindow[] {
  const first = parseDay("from", from);
  const last = parseDay("to", to);
  if (first > last) {
    throw new BackfillInputError(
      "from",
      `from (${formatDay(first)}) must not be later than to (${formatDay(last)}); both are inclusive days, so use the same date twice for a single day`,
    );
  }
  const spec = parseWindowSpec(window, first);

  // The window holding day `n`: [periodStart, periodEnd] and its key.
  let period: (n: number) => { start: number; end: number; key: string };
  if ("days" in spec) {
    const { days, anchor } = spec;
    period = (n) => {
      const start = anchor + Math.floor((n - anchor) / days) * days;
      return { start, end: start + days - 1, key: formatDay(start) };
    };
  } else if (spec.kind === "month") {
    period = (n) => {
      const { year, month } = civil(n);
      const start = dayNumber(year, month, 1);
      return { start, end: start + daysInMonth(year, month) - 1, key: `${year}-${pad2(month)}` };
    };
  } else if (spec.kind === "week") {
    period = (n) => {
      const start = n - isoWeekday(n);
      return { start, end: start + 6, key: isoWeekKey(n) };
    };
  } else {
    period = (n) => ({ start: n, end: n, key: formatDay(n) });
  }

  const windows: BackfillWindow[] = [];
  for (let day = first; day <= last;) {
    const p = period(day);
    const end = Math.min(p.end, last);
    windows.push({ key: p.key, start: formatDay(day), end: formatDay(end), days: end - day + 1 });
    if (windows.length > MAX_WINDOWS) {
      throw new BackfillInputError(
        "window",
        `from ${formatDay(first)} to ${formatDay(last)} by ${describe(window)} gives more than ${MAX_WINDOWS} windows (one export job each); use a longer window`,
      );
    }
    day = end + 1;
  }

  if (options.today !== undefined) {
    const today = parseDay("today", options.today);
    if (first > today) {
      throw new BackfillInputError(
        "from",
        `from (${formatDay(first)}) is in the future (today is ${formatDay(today)}): an export selects messages already sent`,
      );
    }
    const future = windows.filter((w) => parseDay("start", w.start) > today);
    if (future.length > 0) {
      throw new BackfillInputError(
        "to",
        `to (${formatDay(last)}) is too far in the future: ${future.length} window(s) would start after today (${formatDay(today)}), from ${future[0].start}; end the backfill today or earlier`,
      );
    }
  }
  return windows;
}

/** Today's date in UTC, `YYYY-MM-DD`. */
export function utcToday(nowMs: number = Date.now()): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}
