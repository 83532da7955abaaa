/**
 * Synthetic, deterministic export data: a small workspace (users, outbound content) and, per UTC day, a fixed
 * number of receipts with engagement events. Each day is generated from its own seeded PRNG, so the same day
 * always yields the same receipts whatever range it is requested in, and nothing has to be kept in memory:
 * CSV rows are produced lazily while the download streams.
 */
import { Readable } from "node:stream";

/** Statistic files, in the order they are written to the ZIP (base names seen in production: `<stat>_YYYYMMDD.csv`). */
export const STATS = [
  "receipt",
  "open",
  "click",
  "reply",
  "completion",
  "dismissal",
  "unsubscribe",
  "hard_bounce",
  "goal_success",
  "series_completion",
  "series_disengagement",
  "series_exit",
] as const;
export type Stat = (typeof STATS)[number];
export type EngagementStat = Exclude<Stat, "receipt">;
export const ENGAGEMENT_STATS = STATS.filter((s): s is EngagementStat => s !== "receipt");

/** Receipts CSV columns exactly as documented, including the documented misspelling `first_dismisall`. */
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

/** The receipts column that holds the first event of each statistic. */
const FIRST_COLUMN: Record<EngagementStat, (typeof RECEIPT_COLUMNS)[number]> = {
  reply: "first_reply",
  completion: "first_completion",
  series_completion: "first_series_completion",
  series_disengagement: "first_series_disengagement",
  series_exit: "first_series_exit",
  goal_success: "first_goal_success",
  open: "first_open",
  click: "first_click",
  dismissal: "first_dismisall",
  unsubscribe: "first_unsubscribe",
  hard_bounce: "first_hard_bounce",
};

/**
 * Timestamp column of each statistic file (`receipt_id,<column>`). Only `clicked_at` is documented; the
 * others are inferred by analogy.
 */
export const STAT_TIME_COLUMN: Record<EngagementStat, string> = {
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
};

export function csvHeader(stat: Stat): string[] {
  return stat === "receipt" ? [...RECEIPT_COLUMNS] : ["receipt_id", STAT_TIME_COLUMN[stat]];
}

// ---------------------------------------------------------------------------------------------------------
// Seeded PRNG

/** 32-bit integer hash (murmur3 finaliser), used to derive independent seeds from (seed, salt, n). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32 seeded from several integers; returns floats in [0, 1). */
export function prng(...parts: number[]): () => number {
  let state = 0x9e3779b9;
  for (const part of parts) state = mix(state ^ mix(part | 0) ^ mix(Math.floor(part / 2 ** 32)));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)];

// ---------------------------------------------------------------------------------------------------------
// The workspace: content and users

interface Content {
  rulesetId: string;
  /** One content id per version; an A/B test has two. */
  contentIds: string[];
  rulesetVersionId: string;
  type: string;
  title: string;
  series?: { id: string; title: string; nodeId: string };
  /** Relative frequency of this content among receipts. */
  weight: number;
  /** Probability that a receipt gets at least one event of the statistic. */
  rates: Partial<Record<EngagementStat, number>>;
}

const ONBOARDING = { id: "4101", title: "Onboarding, week 1" };

/**
 * Outbound content of the synthetic workspace. Titles deliberately contain commas and quotes so clients'
 * CSV parsing is exercised. Content type strings are plausible, not documented.
 */
const CONTENT: readonly Content[] = [
  {
    rulesetId: "31245001",
    contentIds: ["52001001", "52001002"],
    rulesetVersionId: "71001001",
    type: "Email",
    title: 'Welcome to Acme, let\'s get "started"',
    weight: 5,
    rates: { open: 0.6, click: 0.25, reply: 0.04, unsubscribe: 0.02, hard_bounce: 0.015, goal_success: 0.1 },
  },
  {
    rulesetId: "31245002",
    contentIds: ["52002001"],
    rulesetVersionId: "71002003",
    type: "Post",
    title: "What's new in June: dashboards, exports & more",
    weight: 3,
    rates: { open: 0.5, click: 0.2, reply: 0.03, dismissal: 0.15 },
  },
  {
    rulesetId: "31245003",
    contentIds: ["52003001"],
    rulesetVersionId: "71003001",
    type: "Custom Bot",
    title: "Qualify inbound leads",
    weight: 2,
    rates: { open: 0.7, reply: 0.35, completion: 0.2, goal_success: 0.05 },
  },
  {
    rulesetId: "31245004",
    contentIds: ["52004001"],
    rulesetVersionId: "71004002",
    type: "Survey",
    title: "NPS survey, Q2",
    weight: 2,
    rates: { open: 0.55, completion: 0.3, dismissal: 0.2 },
  },
  {
    rulesetId: "31245005",
    contentIds: ["52005001"],
    rulesetVersionId: "71005001",
    type: "Tour",
    title: "Getting started tour",
    weight: 2,
    rates: { open: 0.8, completion: 0.35, dismissal: 0.3 },
  },
  {
    rulesetId: "31245006",
    contentIds: ["52006001"],
    rulesetVersionId: "71006001",
    type: "Chat",
    title: "Need a hand? Our team is online",
    weight: 2,
    rates: { open: 0.6, reply: 0.12, click: 0.05 },
  },
  {
    rulesetId: "31245007",
    contentIds: ["52007001"],
    rulesetVersionId: "71007004",
    type: "Email",
    title: "Day 1: set up your workspace",
    series: { ...ONBOARDING, nodeId: "9001" },
    weight: 3,
    rates: {
      open: 0.55,
      click: 0.2,
      unsubscribe: 0.01,
      hard_bounce: 0.01,
      series_completion: 0.1,
      series_disengagement: 0.05,
      series_exit: 0.03,
    },
  },
  {
    rulesetId: "31245008",
    contentIds: ["52008001"],
    rulesetVersionId: "71008001",
    type: "Post",
    title: "Day 3: invite your team",
    series: { ...ONBOARDING, nodeId: "9002" },
    weight: 2,
    rates: { open: 0.45, click: 0.15, series_completion: 0.08, series_exit: 0.02 },
  },
];
const TOTAL_WEIGHT = CONTENT.reduce((sum, c) => sum + c.weight, 0);

function pickContent(r: () => number): Content {
  let x = r() * TOTAL_WEIGHT;
  for (const c of CONTENT) {
    x -= c.weight;
    if (x < 0) return c;
  }
  return CONTENT[CONTENT.length - 1];
}

interface User {
  id: string;
  externalId: string;
  companyId: string;
  email: string;
  name: string;
}

const FIRST_NAMES = [
  "Ada",
  "Bruno",
  "Chen",
  "Dagny",
  "Emeka",
  "Farah",
  "Grace",
  "Hiro",
  "Ines",
  "Jonas",
  "Kemi",
];
const LAST_NAMES = [
  "Okafor",
  "Lindqvist",
  "O'Brien",
  "Nakamura",
  "Silva",
  "Smith, Jr.",
  "Dubois",
  "Kowalski",
];
const USER_POOL = 500;
const userCache = new Map<number, User[]>();

/** A fixed pool of users per seed; leads have no external id, a third of users have no company (-1). */
function users(seed: number): User[] {
  let pool = userCache.get(seed);
  if (pool) return pool;
  const r = prng(seed, 0x75736572);
  pool = [];
  for (let i = 0; i < USER_POOL; i++) {
    const first = pick(r, FIRST_NAMES);
    const last = pick(r, LAST_NAMES);
    const hex = (n: number) =>
      Math.floor(r() * 16 ** n)
        .toString(16)
        .padStart(n, "0");
    const isLead = r() < 0.3;
    const hasCompany = r() < 0.66;
    const mailbox = `${first}.${last.replace(/[^A-Za-z]/g, "")}${i}`.toLowerCase();
    pool.push({
      id: `5f${hex(6)}${hex(8)}${hex(8)}`,
      externalId: isLead ? "" : `usr_${100000 + i}`,
      companyId: hasCompany ? String(6100 + Math.floor(r() * 40)) : "-1",
      email: `${mailbox}@example.com`,
      name: `${first} ${last}`,
    });
  }
  userCache.set(seed, pool);
  return pool;
}

// ---------------------------------------------------------------------------------------------------------
// Receipts

export interface ExportRange {
  created_at_after: number;
  created_at_before: number;
}

/** Inclusive window of unix seconds whose receipts an export contains. */
export interface DataWindow {
  start: number;
  end: number;
}

export interface DataConfig {
  seed: number;
  receiptsPerDay: number;
  /** 0 = no padding; otherwise pad the receipts CSV to about this many bytes. */
  targetBytes: number;
}

export interface Receipt {
  user: User;
  content: Content;
  contentId: string;
  receiptId: string;
  receivedAt: number;
  /** Event timestamps per statistic, already limited to the export window, ascending. */
  events: Partial<Record<EngagementStat, number[]>>;
}

const DAY = 86400;
export const dayStart = (unixSeconds: number): number => Math.floor(unixSeconds / DAY) * DAY;

/**
 * The window an export covers. By default ranges are inclusive whole UTC days (docs: "2018-06-01 until
 * 2018-06-30 will get all data for those days"). Data can exist neither before the workspace was created nor
 * after the job was created. Returns undefined when nothing can be in range.
 */
export function dataWindow(
  range: ExportRange,
  jobCreatedAtSec: number,
  rangeMode: "whole-days" | "exact",
  workspaceCreatedAt: number,
): DataWindow | undefined {
  let start = range.created_at_after;
  let end = range.created_at_before;
  if (rangeMode === "whole-days") {
    start = dayStart(start);
    end = dayStart(end) + DAY - 1;
  }
  start = Math.max(start, workspaceCreatedAt);
  end = Math.min(end, jobCreatedAtSec);
  return start <= end ? { start, end } : undefined;
}

/** Draws the events of one receipt. Always consumes the same draws for the same content, so days stay stable. */
function drawEvents(r: () => number, content: Content, receivedAt: number): Receipt["events"] {
  const events: Receipt["events"] = {};
  const after = (base: number, maxSeconds: number) => base + 5 + Math.floor(r() * r() * maxSeconds);
  const bounced = r() < (content.rates.hard_bounce ?? 0);
  if (bounced) {
    events.hard_bounce = [receivedAt + 2 + Math.floor(r() * 60)];
    return events;
  }
  for (const stat of ENGAGEMENT_STATS) {
    if (stat === "hard_bounce") continue;
    const rate = content.rates[stat] ?? 0;
    if (rate === 0 || r() >= rate) continue;
    // Opens and clicks can repeat; every other statistic happens at most once per receipt.
    const repeats = stat === "open" || stat === "click" ? 1 + Math.floor(r() * 3) : 1;
    const base = stat === "click" && events.open ? events.open[0] : receivedAt;
    const times: number[] = [];
    let t = base;
    for (let i = 0; i < repeats; i++) times.push((t = after(t, 2 * DAY)));
    events[stat] = times;
  }
  return events;
}

/** All receipts of one UTC day (before window filtering), generated from the day's own PRNG. */
function* receiptsOfDay(day: number, config: DataConfig): Generator<Receipt> {
  const dayNumber = day / DAY;
  const r = prng(config.seed, dayNumber);
  const pool = users(config.seed);
  const offsets = Array.from({ length: config.receiptsPerDay }, () => Math.floor(r() * DAY)).sort(
    (a, b) => a - b,
  );
  for (let i = 0; i < offsets.length; i++) {
    const content = pickContent(r);
    const receivedAt = day + offsets[i];
    yield {
      user: pool[Math.floor(r() * pool.length)],
      content,
      contentId: pick(r, content.contentIds),
      receiptId: String(dayNumber * 10_000_000 + i),
      receivedAt,
      events: drawEvents(r, content, receivedAt),
    };
  }
}

/** Regular receipts received inside the window, with events clipped to the window's end. */
export function* receiptsInWindow(window: DataWindow | undefined, config: DataConfig): Generator<Receipt> {
  if (!window) return;
  for (let day = dayStart(window.start); day <= window.end; day += DAY) {
    for (const receipt of receiptsOfDay(day, config)) {
      if (receipt.receivedAt < window.start || receipt.receivedAt > window.end) continue;
      // Docs: "Only events within the export job's requested date range are counted".
      const events: Receipt["events"] = {};
      for (const stat of ENGAGEMENT_STATS) {
        const kept = receipt.events[stat]?.filter((t) => t <= window.end);
        if (kept?.length) events[stat] = kept;
      }
      yield { ...receipt, events };
    }
  }
}

export function hasReceipts(window: DataWindow | undefined, config: DataConfig): boolean {
  return !receiptsInWindow(window, config).next().done;
}

/** Rows per statistic file (padding receipts not counted: they only exist when there are regular ones). */
export function rowCounts(window: DataWindow | undefined, config: DataConfig): Record<Stat, number> {
  const counts = Object.fromEntries(STATS.map((s) => [s, 0])) as Record<Stat, number>;
  for (const receipt of receiptsInWindow(window, config)) {
    counts.receipt++;
    for (const stat of ENGAGEMENT_STATS) counts[stat] += receipt.events[stat]?.length ?? 0;
  }
  return counts;
}

/**
 * Padding receipts: realistic rows without engagement, received at random moments of the window. Their ids
 * live in their own range so they never collide with regular receipts.
 */
function* paddingReceipts(window: DataWindow, config: DataConfig): Generator<Receipt> {
  const r = prng(config.seed, 0x70616464, window.start, window.end);
  const pool = users(config.seed);
  for (let i = 0; ; i++) {
    const content = pickContent(r);
    yield {
      user: pool[Math.floor(r() * pool.length)],
      content,
      contentId: pick(r, content.contentIds),
      receiptId: String(9_000_000_000_000 + i),
      receivedAt: window.start + Math.floor(r() * (window.end - window.start + 1)),
      events: {},
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// CSV

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: (string | number | undefined)[]): string => fields.map(csvField).join(",") + "\n";

function receiptLine(receipt: Receipt): string {
  const { user, content } = receipt;
  const first = (stat: EngagementStat) => receipt.events[stat]?.[0];
  const byColumn: Record<(typeof RECEIPT_COLUMNS)[number], string | number | undefined> = {
    user_id: user.id,
    user_external_id: user.externalId,
    company_id: user.companyId,
    email: user.email,
    name: user.name,
    ruleset_id: content.rulesetId,
    content_id: receipt.contentId,
    content_type: content.type,
    content_title: content.title,
    ruleset_version_id: content.rulesetVersionId,
    receipt_id: receipt.receiptId,
    received_at: receipt.receivedAt,
    series_id: content.series?.id ?? "-1",
    series_title: content.series?.title ?? "",
    node_id: content.series?.nodeId ?? "",
    first_reply: undefined,
    first_completion: undefined,
    first_series_completion: undefined,
    first_series_disengagement: undefined,
    first_series_exit: undefined,
    first_goal_success: undefined,
    first_open: undefined,
    first_click: undefined,
    first_dismisall: undefined,
    first_unsubscribe: undefined,
    first_hard_bounce: undefined,
  };
  for (const stat of ENGAGEMENT_STATS) byColumn[FIRST_COLUMN[stat]] = first(stat);
  return csvLine(RECEIPT_COLUMNS.map((column) => byColumn[column]));
}

function* csvLines(stat: Stat, window: DataWindow | undefined, config: DataConfig): Generator<string> {
  const header = csvLine(csvHeader(stat));
  yield header;
  if (stat !== "receipt") {
    for (const receipt of receiptsInWindow(window, config)) {
      for (const t of receipt.events[stat] ?? []) yield csvLine([receipt.receiptId, t]);
    }
    return;
  }
  let bytes = Buffer.byteLength(header);
  let any = false;
  for (const receipt of receiptsInWindow(window, config)) {
    const line = receiptLine(receipt);
    bytes += Buffer.byteLength(line);
    any = true;
    yield line;
  }
  if (!window || !any || config.targetBytes <= 0) return;
  for (const receipt of paddingReceipts(window, config)) {
    if (bytes >= config.targetBytes) return;
    const line = receiptLine(receipt);
    bytes += Buffer.byteLength(line);
    yield line;
  }
}

/** A byte stream of one statistic's CSV, generated lazily in ~64 KiB chunks (respects backpressure). */
export function csvStream(stat: Stat, window: DataWindow | undefined, config: DataConfig): Readable {
  function* chunks(): Generator<Buffer> {
    let pending: string[] = [];
    let size = 0;
    for (const line of csvLines(stat, window, config)) {
      pending.push(line);
      size += line.length;
      if (size >= 64 * 1024) {
        yield Buffer.from(pending.join(""));
        pending = [];
        size = 0;
      }
    }
    if (pending.length) yield Buffer.from(pending.join(""));
  }
  return Readable.from(chunks(), { objectMode: false });
}
