/**
 * Benchmark 6: time and peak RSS of the CLI's `summary` over a large export (the CSV files benchmark 4 unpacked),
 * against `wc -l` over the same CSV files: the floor for anything that reads every line.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { mdTable, SectionResult } from "./lib/report";
import {
  DIST,
  fmtKb,
  fmtMs,
  fmtRate,
  mbps,
  measureCommand,
  Measured,
  median,
  note,
  REPO_ROOT,
} from "./lib/util";

const RUNS = 2;

export async function summary(csvDir: string, csvBytes: number): Promise<SectionResult> {
  const started = performance.now();
  const csvs = fs
    .readdirSync(csvDir)
    .filter((n) => n.endsWith(".csv"))
    .map((n) => path.join(csvDir, n));
  const receipts = csvs.filter((f) => path.basename(f).startsWith("receipt"));
  const receiptBytes = receipts.reduce((n, f) => n + fs.statSync(f).size, 0);
  const ours: Measured[] = [];
  const wc: Measured[] = [];
  let totalReceipts = NaN;
  let wcLines = NaN;
  for (let i = 0; i < RUNS; i++) {
    note(`6: summary over ${(csvBytes / 1e6).toFixed(0)} MB of CSV, run ${i + 1}/${RUNS} (ours, then wc -l)`);
    const r = await measureCommand(
      process.execPath,
      [path.join(DIST, "provider/cli/main.js"), "summary", "--json", csvDir],
      {
        cwd: REPO_ROOT,
      },
    );
    if (r.code !== 0) throw new Error(`summary failed (${r.code}): ${r.stderr}`);
    totalReceipts = (JSON.parse(r.stdout) as { total: { receipts: number } }).total.receipts;
    ours.push(r);
    const w = await measureCommand("wc", ["-l", ...csvs]);
    if (w.code !== 0) throw new Error(`wc failed: ${w.stderr}`);
    wcLines = receipts.reduce((n, f) => {
      const m = new RegExp(`^\\s*(\\d+) ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m").exec(w.stdout);
      return n + (m ? Number(m[1]) : NaN);
    }, 0);
    wc.push(w);
  }
  const oursMs = median(ours.map((r) => r.wallMs));
  const wcMs = median(wc.map((r) => r.wallMs));
  const oursRss = Math.max(...ours.map((r) => r.peakRssKb));
  const wcRss = Math.max(...wc.map((r) => r.peakRssKb));
  const rows = [
    {
      measure: `summary over ${(csvBytes / 1e6).toFixed(0)} MB of CSV: time`,
      ours: `${fmtMs(oursMs)} (${fmtRate(mbps(receiptBytes, oursMs))}, ${(oursMs / wcMs).toFixed(0)}× wc)`,
      baseline: `wc -l ${fmtMs(wcMs)}`,
      goal: "- (wc -l is the floor)",
      verdict: "-" as const,
    },
    {
      measure: `summary over ${(csvBytes / 1e6).toFixed(0)} MB of CSV: peak RSS`,
      ours: fmtKb(oursRss),
      baseline: `wc -l ${fmtKb(wcRss)}`,
      goal: "- (flat)",
      verdict: "-" as const,
    },
  ];
  const details = [
    `\`pulumi-intercom-export summary --json <dir>\` (a fresh \`node dist/provider/cli/main.js\`, start-up ` +
      `included) over the ${csvs.length} CSV files benchmark 4 unpacked (${(csvBytes / 1e6).toFixed(0)} MB; the ` +
      `receipts file, the only one summary reads, is ${(receiptBytes / 1e6).toFixed(0)} MB), against \`wc -l\` over ` +
      `the same files, files in the page cache. Median of ${RUNS} runs; peak RSS from GNU time.`,
    "",
    mdTable(
      ["", "ours: summary", "floor: wc -l"],
      [
        ["wall time", fmtMs(oursMs), fmtMs(wcMs)],
        ["receipts throughput", fmtRate(mbps(receiptBytes, oursMs)), fmtRate(mbps(receiptBytes, wcMs))],
        ["peak RSS", fmtKb(oursRss), fmtKb(wcRss)],
        [
          "receipts counted",
          totalReceipts.toLocaleString("en-US"),
          `${(wcLines - receipts.length).toLocaleString("en-US")} (lines − headers)`,
        ],
      ],
    ),
    "",
    "summary parses every receipt with csv-parse (quoted fields, embedded line breaks) and groups by content; " +
      "wc -l only counts newline bytes, so it is a floor, not a competitor.",
  ].join("\n");
  return {
    id: 6,
    title: "CLI summary over a large export",
    baseline: "wc -l over the same CSV files (the floor)",
    rows,
    details,
    durationMs: performance.now() - started,
  };
}
