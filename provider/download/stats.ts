/**
 * What a downloaded CSV file is and holds: its statistic (from the file name), its row count (data rows,
 * counted with csv-parse while the bytes stream past, so quoted line breaks count right), size, CRC-32 and
 * SHA-256. Nothing is buffered beyond the chunk in flight.
 */
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import * as zlib from "node:zlib";
import { parse, type Parser } from "csv-parse";

/**
 * `<stat>_YYYYMMDD.csv` as observed in production (`receipt_20251121.csv`, `hard_bounce_20251121.csv`), and
 * the docs' `<stat>_YYYYMMDD_hhmmss.csv` (`receipts_20180612_103000.csv`).
 */
const STAT_FILE = /^(.+?)_(\d{8})(?:_(\d{6}))?\.csv$/i;

/**
 * The statistic a file holds, from its name. The docs' plural `receipts` is reported as `receipt` (the name
 * production uses), so both spellings land on one statistic. A name of another shape yields the name without
 * `.csv`.
 */
export function statisticOf(fileName: string): string {
  const m = STAT_FILE.exec(fileName);
  const base = (m ? m[1] : fileName.replace(/\.csv$/i, "")).toLowerCase();
  return base === "receipts" ? "receipt" : base;
}

/** The columns of a receipts file that identify it, whatever its name. */
export function isReceiptsHeader(header: readonly string[]): boolean {
  return ["receipt_id", "received_at", "content_type", "content_title"].every((c) => header.includes(c));
}

export interface CsvFacts {
  /** Data rows (records after the header). */
  rows: number;
  /** The header record ([] for an empty file). */
  header: string[];
  bytes: number;
  /** CRC-32 of the bytes, or undefined when this Node has no zlib.crc32 (before 20.15). */
  crc32: number | undefined;
  sha256: string;
}

type Crc32 = (data: Buffer, value?: number) => number;
const crc32: Crc32 | undefined = (zlib as unknown as { crc32?: Crc32 }).crc32;
export const CRC32_AVAILABLE = crc32 !== undefined;

/** The CSV did not parse. The message says "CSV: " and csv-parse's own; `detail` is the latter alone. */
export class CsvError extends Error {
  constructor(readonly detail: string) {
    super(`CSV: ${detail}`);
    this.name = "CsvError";
  }
}

/**
 * A pass-through stream that parses the CSV going through it and measures it. Put it between a source and the
 * file being written; `facts()` resolves once the stream finished and the parser accepted the whole file. A
 * CSV error (unclosed quote at the end, a malformed row) fails the stream.
 */
export class CsvInspector extends Transform {
  private readonly parser: Parser;
  private readonly hash = createHash("sha256");
  private crc = 0;
  private bytes = 0;
  private records = 0;
  private header: string[] = [];
  private readonly done: Promise<void>;
  private result: CsvFacts | undefined;

  constructor() {
    super();
    // Strict RFC 4180 parsing; a UTF-8 BOM is dropped. Every record is counted, empty lines are not records.
    this.parser = parse({ bom: true, skip_empty_lines: true });
    this.parser.on("data", (record: string[]) => {
      if (this.records++ === 0) this.header = record;
    });
    this.done = new Promise((resolve, reject) => {
      this.parser.on("end", resolve);
      this.parser.on("error", reject);
    });
    this.done.catch(() => undefined); // reported through destroy() below, and again by _flush
    this.parser.on("error", (e) => this.destroy(new CsvError(e.message)));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (crc32) this.crc = crc32(chunk, this.crc);
    this.hash.update(chunk);
    if (this.parser.write(chunk)) callback(null, chunk);
    else this.parser.once("drain", () => callback(null, chunk));
  }

  override _flush(callback: TransformCallback): void {
    this.parser.end();
    this.done.then(
      () => {
        this.result = {
          rows: Math.max(0, this.records - 1),
          header: this.header,
          bytes: this.bytes,
          crc32: crc32 ? this.crc >>> 0 : undefined,
          sha256: this.hash.digest("hex"),
        };
        callback();
      },
      (e: Error) => callback(new CsvError(e.message)),
    );
  }

  /** The measurements, once the stream has finished. */
  facts(): CsvFacts {
    if (!this.result) throw new Error("CsvInspector.facts() called before the stream finished");
    return this.result;
  }
}
