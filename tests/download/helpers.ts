/** Helpers for the download tests: completed emulator jobs, expected contents, temp folders, a foreign host. */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ZipFile } from "yazl";
import { dataWindow, rowCounts, type Emulator, type Stat } from "../../emulator";
import { csvStream } from "../../emulator/data";

export const TOKEN = "emulator-token";
/** 2024-06-01 .. 2024-06-30 (inclusive days) in unix seconds. */
export const JUNE_2024 = { created_at_after: 1717200000, created_at_before: 1719705600 };
/** Fast client retries for tests (real backoff shape, millisecond delays). */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

export interface Job {
  id: string;
  createdAtMs: number;
}

/** A job created "in Intercom" that is already completed (the emulator must run with pendingMs/inProgressMs 0). */
export function completedJob(emu: Emulator, range = JUNE_2024): Job {
  const job = emu.createJobDirectly(range);
  const now = emu.getJob(job.id)!;
  if (now.status !== "completed")
    throw new Error(`job ${job.id} is ${now.status}; run the emulator with 0 ms timings`);
  return { id: job.id, createdAtMs: Date.parse(job.createdAt) };
}

function dataOf(emu: Emulator, job: Job, range = JUNE_2024) {
  const o = emu.options;
  const window = dataWindow(range, Math.floor(job.createdAtMs / 1000), o.rangeMode, o.workspaceCreatedAt);
  return {
    window,
    data: { seed: o.dataSeed, receiptsPerDay: o.receiptsPerDay, targetBytes: o.targetDownloadBytes },
  };
}

/** Rows per statistic the emulator puts in the job's export (its own accounting, not our parser's). */
export function expectedRows(emu: Emulator, job: Job, range = JUNE_2024): Record<Stat, number> {
  const { window, data } = dataOf(emu, job, range);
  return rowCounts(window, data);
}

/** Size and SHA-256 of the CSV the emulator generates for a statistic (streamed; nothing kept). */
export async function expectedFile(
  emu: Emulator,
  job: Job,
  stat: Stat,
  range = JUNE_2024,
): Promise<{ bytes: number; sha256: string; newlines: number }> {
  const { window, data } = dataOf(emu, job, range);
  const hash = createHash("sha256");
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of csvStream(stat, window, data)) {
    const b = chunk as Buffer;
    hash.update(b);
    bytes += b.length;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) newlines++;
  }
  return { bytes, sha256: hash.digest("hex"), newlines };
}

/** A fresh temp folder per test, removed afterwards. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), "intercom-dl-test-"));
    dirs.push(d);
    return d;
  };
}

/** Every entry in a folder, hidden ones included (staging folders start with a dot). */
export const entries = (dir: string): string[] => readdirSync(dir).sort();

export interface Foreign {
  url: string;
  /** Headers of every request received. */
  seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * A plain HTTP server on another port (so another origin than the emulator) answering every request with
 * `respond`.
 */
export async function foreignHost(
  respond: (res: import("node:http").ServerResponse, n: number) => void,
): Promise<Foreign> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    respond(res, seen.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A ZIP in memory (yazl), entries stored uncompressed unless `compress`. */
export async function zipOf(files: Record<string, string>, compress = false): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name, { compress });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of `from` by `to` (same length) in a buffer copy. */
export function patch(buffer: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error("patch must keep the length");
  const out = Buffer.from(buffer);
  let found = 0;
  for (let i = out.indexOf(from); i !== -1; i = out.indexOf(from, i + 1)) {
    out.write(to, i, "latin1");
    found++;
  }
  if (found === 0) throw new Error(`'${from}' not found`);
  return out;
}
