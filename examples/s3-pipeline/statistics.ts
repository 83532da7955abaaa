/**
 * The statistic files of a content data export and their CSV columns, as documented by Intercom.
 *
 * A download is a ZIP of `<statistic>_YYYYMMDD.csv` files, one per statistic that has rows (a statistic with
 * no records is left out). Documented columns: the receipts file (below, in the documented order, including the
 * documented misspelling `first_dismisall`) and the click file (`receipt_id`, `clicked_at`). The other
 * statistic files are assumed to follow the click file's shape, `receipt_id,<verb>_at` (not documented).
 */

export const RECEIPT_COLUMNS = [
  "user_id",
  "user_external_id",
  "company_id",
  "email",
  "name",
  "ruleset_id",
  "content_id",
  "content_type",
  "content_title",
  "ruleset_version_id",
  "receipt_id",
  "received_at",
  "series_id",
  "series_title",
  "node_id",
  "first_reply",
  "first_completion",
  "first_series_completion",
  "first_series_disengagement",
  "first_series_exit",
  "first_goal_success",
  "first_open",
  "first_click",
  "first_dismisall",
  "first_unsubscribe",
  "first_hard_bounce",
] as const;

/** Timestamp column of each engagement file (`receipt_id,<column>`): only `clicked_at` is documented. */
export const EVENT_TIME_COLUMN = {
  open: "opened_at",
  click: "clicked_at",
  reply: "replied_at",
  completion: "completed_at",
  dismissal: "dismissed_at",
  unsubscribe: "unsubscribed_at",
  hard_bounce: "hard_bounced_at",
  goal_success: "goal_succeeded_at",
  series_completion: "series_completed_at",
  series_disengagement: "series_disengaged_at",
  series_exit: "series_exited_at",
} as const;

export type EngagementStatistic = keyof typeof EVENT_TIME_COLUMN;
export type Statistic = "receipt" | EngagementStatistic;

/** Every known statistic: receipts first, then the engagement files. */
export const STATISTICS: readonly Statistic[] = [
  "receipt",
  ...(Object.keys(EVENT_TIME_COLUMN) as EngagementStatistic[]),
];

export function isStatistic(name: string): name is Statistic {
  return (STATISTICS as readonly string[]).includes(name);
}

/** The CSV header of a statistic's file, in order. */
export function columnsOf(statistic: Statistic): string[] {
  return statistic === "receipt" ? [...RECEIPT_COLUMNS] : ["receipt_id", EVENT_TIME_COLUMN[statistic]];
}

/** A short description per column, for Glue column comments. */
export function columnComment(statistic: Statistic, column: string): string {
  if (column === "receipt_id") {
    return statistic === "receipt" ? "ID of the receipt" : "ID of the receipt linked to this stat";
  }
  if (column === "company_id" || column === "series_id") return `${column.replace("_", " ")}; -1 when absent`;
  if (column === "received_at") return "when the message was received, unix seconds";
  if (column.startsWith("first_")) return "first event in the export's range, unix seconds; empty when none";
  if (column.endsWith("_at")) return "when the event happened, unix seconds";
  return column.replace(/_/g, " ");
}
