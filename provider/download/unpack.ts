/**
 * Unpacking a downloaded body (already complete on disk) into CSV files in a staging folder, verifying it on
 * the way: ZIP with yauzl (entry sizes checked by yauzl, CRC-32 checked here against the central directory,
 * because yauzl does not check it), gzip with zlib (trailer CRC-32 and length checked by zlib), plain CSV as
 * is. Every CSV is parsed while it streams (csv-parse), so the row count is exact and a CSV cut inside a
 * quoted field is caught. Memory stays constant: one chunk in flight per stream.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { basename, join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import * as yauzl from "yauzl";
import type { BodyFormat } from "./sniff";
import { CsvError, CsvInspector, isReceiptsHeader, statisticOf } from "./stats";

/** A CSV file complete in the staging folder, not yet published. */
export interface StagedFile {
  name: string;
  stagedPath: string;
  statistic: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** A problem with the body. `retryable`: a fresh download may fix it (truncation, corruption). */
export class BodyError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

export interface UnpackOptions {
  /** For a single-CSV body (gzip or plain): a name from Content-Disposition or the URL, if one was usable. */
  suggestedName?: string;
  /** Dates a single-CSV body's file name when no name was suggested. */
  date: Date;
  /** Bytes unpacked so far, of `total` when known. */
  onProgress?: (bytes: number, total: number | undefined, file: string) => void;
}

export async function unpack(
  format: BodyFormat,
  bodyPath: string,
  stagingDir: string,
  o: UnpackOptions,
): Promise<StagedFile[]> {
  if (format === "zip") return unpackZip(bodyPath, stagingDir, o);
  return [await unpackSingle(format, bodyPath, stagingDir, o)];
}

// ---------------------------------------------------------------------------------------------------------
// ZIP

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings off so entry names are checked here (and an unsafe name is told apart from corruption).
    const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
    yauzl.open(path, options, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}

/**
 * The file name an entry is written under, or why it is refused. Entries are written flat into the folder:
 * only the last path segment is kept, after the whole name passed yauzl's own safety check (no absolute path,
 * no `..` segment, no backslash).
 */
export function safeEntryName(rawName: string): { name: string } | { problem: string } {
  const problem = yauzl.validateFileName(rawName);
  if (problem !== null) return { problem: `unsafe archive entry ${JSON.stringify(rawName)}: ${problem}` };
  const name = rawName.split("/").pop() ?? "";
  if (name === "" || name.startsWith(".") || /[\x00-\x1f:*?"<>|]/.test(name)) {
    return { problem: `unsafe archive entry ${JSON.stringify(rawName)}: unusable file name` };
  }
  return { name };
}

async function unpackZip(bodyPath: string, stagingDir: string, o: UnpackOptions): Promise<StagedFile[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(bodyPath);
  } catch (e) {
    // No central directory at the end: the archive is cut short or is not a ZIP after all.
    throw new BodyError(`not a readable ZIP archive: ${(e as Error).message}`, true);
  }
  const staged: StagedFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  let done = 0;
  try {
    const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const list: yauzl.Entry[] = [];
      zip.on("entry", (entry: yauzl.Entry) => {
        list.push(entry);
        zip.readEntry();
      });
      zip.on("end", () => resolve(list));
      zip.on("error", reject);
      zip.readEntry();
    }).catch((e: Error) => {
      throw new BodyError(`corrupt ZIP central directory: ${e.message}`, true);
    });
    const files: { entry: yauzl.Entry; name: string }[] = [];
    for (const entry of entries) {
      const rawName = yauzl.getFileNameLowLevel(
        entry.generalPurposeBitFlag,
        entry.fileNameRaw,
        entry.extraFields,
        false,
      );
      if (rawName.endsWith("/")) continue; // a folder
      const checked = safeEntryName(rawName);
      if ("problem" in checked) throw new BodyError(checked.problem, false);
      if (!/\.csv$/i.test(checked.name)) continue; // not data (a README, __MACOSX resource forks…)
      if (seen.has(checked.name.toLowerCase())) {
        throw new BodyError(`two archive entries are both named ${checked.name}`, false);
      }
      seen.add(checked.name.toLowerCase());
      files.push({ entry, name: checked.name });
      total += entry.uncompressedSize;
    }
    for (const { entry, name } of files) {
      const stagedPath = join(stagingDir, `${staged.length}.csv.part`);
      const inspector = new CsvInspector();
      let source: NodeJS.ReadableStream;
      try {
        source = await openEntry(zip, entry);
      } catch (e) {
        throw new BodyError(`cannot read ${name} from the archive: ${(e as Error).message}`, true);
      }
      const meter = new PassThrough();
      meter.on("data", (chunk: Buffer) => o.onProgress?.((done += chunk.length), total, name));
      try {
        await pipeline(source, meter, inspector, createWriteStream(stagedPath, { flags: "wx" }));
      } catch (e) {
        throw new BodyError(`${name}: ${(e as Error).message}`, true);
      }
      const facts = inspector.facts();
      if (facts.crc32 !== undefined && facts.crc32 !== entry.crc32 >>> 0) {
        throw new BodyError(
          `${name}: CRC-32 mismatch (archive says ${hex(entry.crc32)}, the data gives ${hex(facts.crc32)})`,
          true,
        );
      }
      staged.push({
        name,
        stagedPath,
        statistic: statisticOf(name),
        rows: facts.rows,
        bytes: facts.bytes,
        sha256: facts.sha256,
      });
    }
    return staged;
  } finally {
    zip.close();
  }
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

// ---------------------------------------------------------------------------------------------------------
// One CSV, gzipped or plain

async function unpackSingle(
  format: "gzip" | "csv",
  bodyPath: string,
  stagingDir: string,
  o: UnpackOptions,
): Promise<StagedFile> {
  const inspector = new CsvInspector();
  const source = createReadStream(bodyPath, { highWaterMark: 1 << 20 });
  let read = 0;
  source.on("data", (chunk) => o.onProgress?.((read += chunk.length), undefined, "(body)"));
  const partPath = join(stagingDir, "0.csv.part");
  try {
    if (format === "gzip") {
      // zlib checks the gzip trailer (CRC-32 and length) and fails on a stream cut short.
      await pipeline(source, createGunzip(), inspector, createWriteStream(partPath, { flags: "wx" }));
    } else {
      // Already a CSV on disk: parse it to count rows, then move the body itself into place.
      await pipeline(source, inspector, new Writable({ write: (_c, _e, cb) => cb() }));
      await rename(bodyPath, partPath);
    }
  } catch (e) {
    const what = format === "gzip" ? "gzipped CSV" : "CSV";
    // The parser's errors already say "CSV: ": here its detail alone, after what was parsed.
    throw new BodyError(`${what}: ${e instanceof CsvError ? e.detail : (e as Error).message}`, true);
  }
  const facts = inspector.facts();
  const name = o.suggestedName ?? defaultName(facts.header, o.date);
  return {
    name,
    stagedPath: partPath,
    statistic: statisticOf(name),
    rows: facts.rows,
    bytes: facts.bytes,
    sha256: facts.sha256,
  };
}

/** `receipt_YYYYMMDD.csv` for a receipts file (the ZIP's naming), `export_YYYYMMDD.csv` otherwise. */
function defaultName(header: string[], date: Date): string {
  const ymd = date.toISOString().slice(0, 10).replace(/-/g, "");
  return `${isReceiptsHeader(header) ? "receipt" : "export"}_${ymd}.csv`;
}

/**
 * A usable CSV file name from a Content-Disposition header or a URL path, or undefined. `x.csv.gz` gives
 * `x.csv` (the file is written decompressed); anything that is not a plain `*.csv` name is ignored.
 */
export function suggestedFileName(contentDisposition: string | null, url: string): string | undefined {
  const candidates: string[] = [];
  if (contentDisposition) {
    const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(contentDisposition);
    const plain = /filename\s*=\s*"?([^";]+)"?/.exec(contentDisposition);
    if (star) {
      try {
        candidates.push(decodeURIComponent(star[1].trim()));
      } catch {
        // ignore a malformed encoding
      }
    }
    if (plain) candidates.push(plain[1].trim());
  }
  try {
    candidates.push(decodeURIComponent(basename(new URL(url).pathname)));
  } catch {
    // not a URL
  }
  for (const candidate of candidates) {
    const name = basename(candidate.replace(/\\/g, "/")).replace(/\.gz$/i, "");
    if (/^[A-Za-z0-9][A-Za-z0-9._-]*\.csv$/i.test(name)) return name;
  }
  return undefined;
}
