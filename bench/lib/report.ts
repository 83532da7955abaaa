/** What each benchmark hands back, and the table built from it. */

export type Verdict = "met" | "MISSED" | "-";

export interface Row {
  /** What is measured. */
  measure: string;
  ours: string;
  baseline: string;
  goal: string;
  verdict: Verdict;
  /** For a missed goal: why, in one sentence. */
  why?: string;
}

export interface SectionResult {
  id: number;
  title: string;
  /** What the baseline is. */
  baseline: string;
  rows: Row[];
  /** Markdown with the details (method, per-run figures) for docs/benchmarks.md. */
  details: string;
  durationMs: number;
}

export const verdict = (ok: boolean): Verdict => (ok ? "met" : "MISSED");

/** A plain-text table for stdout. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? "").padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A Markdown table. */
export function mdTable(headers: string[], rows: string[][]): string {
  const esc = (s: string) => (s ?? "").replace(/\|/g, "\\|");
  return [
    `| ${headers.map(esc).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}
