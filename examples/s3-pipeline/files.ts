/** The CSV files of a downloaded export, listed from the folder they were downloaded to. */
import * as fs from "fs";
import * as path from "path";
import type { ExportFile } from "./pipeline";

/**
 * `receipt_20240701.csv` → `receipt`; also the docs' `receipts_20180612_103000.csv` → `receipt`. A name of
 * another shape yields the name without `.csv`.
 */
export function statisticOf(fileName: string): string {
  const m = /^(.+?)_(\d{8})(?:_\d{6})?\.csv$/i.exec(fileName);
  const base = (m ? m[1] : fileName.replace(/\.csv$/i, "")).toLowerCase();
  return base === "receipts" ? "receipt" : base;
}

/** The `.csv` files directly in `dir`, sorted by name; [] when the folder does not exist (not downloaded yet). */
export function listExportFiles(dir: string): ExportFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.csv$/i.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ file: path.join(dir, name), name, statistic: statisticOf(name) }));
}
