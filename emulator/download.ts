/**
 * Packing an export for download: a ZIP of per-statistic CSV files (what production clients observe), or the
 * receipts CSV alone, gzipped or plain (what the spec's prose "gzipped CSV" suggests). Everything is streamed:
 * yazl pulls each entry from a lazily generated CSV stream, so a multi-hundred-MB export never sits in memory.
 */
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { ZipFile } from "yazl";
import { csvStream, rowCounts, STATS, type DataConfig, type DataWindow, type Stat } from "./data";

export type DownloadFormat = "zip" | "gzip-csv" | "csv";

export interface ExportContents {
  window: DataWindow | undefined;
  data: DataConfig;
  /** Job creation time; dates the file names and the ZIP entries. */
  createdAtMs: number;
}

/** `YYYYMMDD` of a moment, in UTC. */
export function fileDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, "");
}

/** Entry name as observed in production: `<stat>_YYYYMMDD.csv` (the old docs show `_YYYYMMDD_hhmmss`). */
export function statFileName(stat: Stat, createdAtMs: number): string {
  return `${stat}_${fileDate(createdAtMs)}.csv`;
}

/**
 * Statistics that go into the ZIP. Docs: "If a statistic has no records then it will not be included in the
 * zipped file".
 */
export function includedStats(contents: ExportContents): Stat[] {
  const counts = rowCounts(contents.window, contents.data);
  return STATS.filter((stat) => counts[stat] > 0);
}

/**
 * Padded (big) exports are stored uncompressed so the download really is about `targetBytes` long;
 * otherwise synthetic CSV compresses ~10x and the size would be meaningless.
 */
const compressionLevel = (data: DataConfig): number => (data.targetBytes > 0 ? 0 : 6);

export function downloadStream(contents: ExportContents, format: DownloadFormat): Readable {
  const { window, data, createdAtMs } = contents;
  if (format === "csv") return csvStream("receipt", window, data);
  if (format === "gzip-csv") {
    return csvStream("receipt", window, data).pipe(createGzip({ level: compressionLevel(data) }));
  }
  const zip = new ZipFile();
  const level = compressionLevel(data);
  for (const stat of includedStats(contents)) {
    zip.addReadStreamLazy(
      statFileName(stat, createdAtMs),
      { mtime: new Date(createdAtMs), mode: 0o100644, compress: level > 0, compressionLevel: level },
      (cb) => cb(null, csvStream(stat, window, data)),
    );
  }
  zip.end();
  return zip.outputStream as Readable;
}

/**
 * Length of a download, found by generating it once and discarding the bytes (output is deterministic).
 * Used by the `truncate` fault, which must announce the full Content-Length without buffering the body.
 */
export async function downloadLength(contents: ExportContents, format: DownloadFormat): Promise<number> {
  let total = 0;
  for await (const chunk of downloadStream(contents, format)) total += (chunk as Buffer).length;
  return total;
}
