/**
 * Engagement per piece of content, from the receipts CSV(s) of a downloaded export. Each receipt row carries
 * the time of the first open, click, reply, unsubscribe and hard bounce of that receipt (`first_*` columns),
 * so one pass over the receipts gives "receipts with at least one X" without joining the per-statistic files:
 * memory grows with the number of distinct (content type, title) pairs, not with rows.
 */
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse";
import { isReceiptsHeader } from "./stats";

export const ENGAGEMENTS = ["open", "click", "reply", "unsubscribe", "bounce"] as const;
export type Engagement = (typeof ENGAGEMENTS)[number];

/** The receipts column holding each engagement's first time (as documented). */
export const ENGAGEMENT_COLUMN: Record<Engagement, string> = {
  open: "first_open",
  click: "first_click",
  reply: "first_reply",
  unsubscribe: "first_unsubscribe",
  bounce: "first_hard_bounce",
};

export interface ContentSummary {
  contentType: string;
  contentTitle: string;
  receipts: number;
  /** Receipts with at least one such event. */
  counts: Record<Engagement, number>;
  /** counts / receipts (0 when there are no receipts). */
  rates: Record<Engagement, number>;
}

export interface ExportSummary {
  /** The receipts files read (names). */
  files: string[];
  /** One entry per (content type, title), most receipts first. */
  content: ContentSummary[];
  total: ContentSummary;
}

const emptyCounts = (): Record<Engagement, number> => ({
  open: 0,
  click: 0,
  reply: 0,
  unsubscribe: 0,
  bounce: 0,
});

/** A `first_*` value counts when it holds a time (empty, `0` and `-1` mean "never"). */
const happened = (value: string | undefined): boolean =>
  value !== undefined && value !== "" && value !== "0" && value !== "-1";

/**
 * Summarizes every receipts file in `dir` (recognized by its columns, whatever its name). Throws when the
 * folder holds none.
 */
export async function summarizeExport(dir: string): Promise<ExportSummary> {
  const names = (await readdir(dir)).filter((n) => /\.csv$/i.test(n) && !n.startsWith(".")).sort();
  const groups = new Map<string, ContentSummary>();
  const files: string[] = [];
  for (const name of names) {
    if (await summarizeFile(join(dir, name), groups)) files.push(name);
  }
  if (files.length === 0) {
    throw new Error(
      `no receipts CSV in ${dir} (looked at ${names.length} .csv file${names.length === 1 ? "" : "s"})`,
    );
  }
  const content = [...groups.values()]
    .map(withRates)
    .sort(
      (a, b) =>
        b.receipts - a.receipts ||
        a.contentType.localeCompare(b.contentType) ||
        a.contentTitle.localeCompare(b.contentTitle),
    );
  const total: ContentSummary = {
    contentType: "",
    contentTitle: "",
    receipts: 0,
    counts: emptyCounts(),
    rates: emptyCounts(),
  };
  for (const c of content) {
    total.receipts += c.receipts;
    for (const e of ENGAGEMENTS) total.counts[e] += c.counts[e];
  }
  return { files, content, total: withRates(total) };
}

function withRates(s: ContentSummary): ContentSummary {
  const rates = emptyCounts();
  for (const e of ENGAGEMENTS) rates[e] = s.receipts ? s.counts[e] / s.receipts : 0;
  return { ...s, rates };
}

/** Adds one file's receipts to `groups`; false (and nothing added) when it is not a receipts file. */
async function summarizeFile(path: string, groups: Map<string, ContentSummary>): Promise<boolean> {
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const parser = source.pipe(parse({ bom: true, skip_empty_lines: true }));
  source.on("error", (e) => parser.destroy(e));
  let index: { type: number; title: number; columns: Record<Engagement, number> } | undefined;
  let first = true;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (first) {
        first = false;
        if (!isReceiptsHeader(record)) return false;
        const at = (c: string) => record.indexOf(c);
        const columns = emptyCounts();
        for (const e of ENGAGEMENTS) columns[e] = at(ENGAGEMENT_COLUMN[e]);
        index = { type: at("content_type"), title: at("content_title"), columns };
        continue;
      }
      const type = record[index!.type] ?? "";
      const title = record[index!.title] ?? "";
      const key = `${type}\u0000${title}`;
      let group = groups.get(key);
      if (!group) {
        group = {
          contentType: type,
          contentTitle: title,
          receipts: 0,
          counts: emptyCounts(),
          rates: emptyCounts(),
        };
        groups.set(key, group);
      }
      group.receipts++;
      for (const e of ENGAGEMENTS) {
        const column = index!.columns[e];
        if (column >= 0 && happened(record[column])) group.counts[e]++;
      }
    }
  } finally {
    parser.destroy();
    source.destroy();
  }
  return !first;
}
