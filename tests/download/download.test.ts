/**
 * downloadExport against the emulator (and small foreign servers) over real loopback HTTP, writing real files:
 * the three body formats, retries after truncation, corrupt and hostile bodies, expiry, and the token.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startEmulator, STATS, statFileName, type Emulator } from "../../emulator";
import { downloadExport, type DownloadExportOptions } from "../../provider/download";
import {
  AuthenticationError,
  DownloadExpiredError,
  DownloadFormatError,
  DownloadIntegrityError,
  DownloadNotReadyError,
} from "../../provider/errors";
import type { Logger } from "../../provider/log";
import {
  completedJob,
  entries,
  expectedFile,
  expectedRows,
  FAST_RETRY,
  foreignHost,
  patch,
  TOKEN,
  useTempDirs,
  zipOf,
} from "./helpers";

let emu: Emulator;
const tempDir = useTempDirs();
const warnings: string[] = [];
const log: Logger = { info: () => undefined, warn: (m) => void warnings.push(m) };

beforeAll(async () => {
  emu = await startEmulator({ pendingMs: 0, inProgressMs: 0 });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  warnings.length = 0;
});

/** downloadExport with the emulator's config and test timings. */
const download = (o: Partial<DownloadExportOptions> & { outDir: string }) =>
  downloadExport({
    config: { accessToken: TOKEN, baseUrl: emu.url },
    env: {},
    retry: FAST_RETRY,
    retryDelayMs: 5,
    log,
    ...o,
  });

const downloads = () => emu.requests.filter((r) => r.route === "download");

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error("expected a rejection");
}

const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, "");

describe("formats", () => {
  test("ZIP (as observed in production): one verified CSV per statistic, rows as the emulator generated them", async () => {
    const job = completedJob(emu);
    const out = tempDir();
    const progress: string[] = [];
    const files = await download({
      jobIdentifier: job.id,
      outDir: out,
      onProgress: (p) => progress.push(p.phase),
    });

    const rows = expectedRows(emu, job);
    expect(files.map((f) => f.name)).toEqual(STATS.map((s) => statFileName(s, job.createdAtMs)));
    for (const f of files) {
      expect(f.file).toBe(join(out, f.name));
      expect(rows[f.statistic as keyof typeof rows]).toBe(f.rows);
    }
    expect(files[0]).toMatchObject({ statistic: "receipt", rows: rows.receipt });
    expect(rows.receipt).toBe(30 * 40);
    // Byte-for-byte what the emulator generated.
    const receipt = await expectedFile(emu, job, "receipt");
    expect(files[0]).toMatchObject({ bytes: receipt.bytes, sha256: receipt.sha256 });
    expect(readFileSync(files[0].file).length).toBe(receipt.bytes);
    // Only the CSVs are left: no body, no staging folder.
    expect(entries(out)).toEqual(files.map((f) => f.name).sort());
    expect(progress).toContain("download");
    expect(progress).toContain("unpack");
    // One status call, then one download with the octet Accept header and the token.
    expect(emu.requests.map((r) => r.route)).toEqual(["status", "download"]);
    expect(downloads()[0]).toMatchObject({ auth: "valid", status: 200 });
    expect(downloads()[0].headers.accept).toBe("application/octet-stream");
  });

  test.each(["gzip-csv", "csv"] as const)(
    "%s (as the spec's prose says): the receipts file, named like the ZIP's",
    async (format) => {
      emu.configure({ downloadFormat: format });
      const job = completedJob(emu);
      const out = tempDir();
      const files = await download({ jobIdentifier: job.id, outDir: out });
      const receipt = await expectedFile(emu, job, "receipt");
      expect(files).toEqual([
        {
          file: join(out, `receipt_${today()}.csv`),
          name: `receipt_${today()}.csv`,
          statistic: "receipt",
          rows: expectedRows(emu, job).receipt,
          bytes: receipt.bytes,
          sha256: receipt.sha256,
        },
      ]);
      expect(entries(out)).toEqual([files[0].name]);
    },
  );

  test("rows are CSV records: a quoted line break does not start a row; the docs' receipts_YYYYMMDD_hhmmss name", async () => {
    const csv = 'receipt_id,content_title\n1,"two\nlines"\n2,"say ""hi"", ok"\n3,plain\n';
    const host = await foreignHost((res) => {
      res.writeHead(200, { "Content-Disposition": 'attachment; filename="receipts_20180612_103000.csv"' });
      res.end(csv);
    });
    try {
      const out = tempDir();
      const files = await download({ downloadUrl: `${host.url}/export.bin`, outDir: out });
      expect(files).toMatchObject([{ name: "receipts_20180612_103000.csv", statistic: "receipt", rows: 3 }]);
      expect(readFileSync(files[0].file, "utf8")).toBe(csv);
    } finally {
      await host.close();
    }
  });
});

describe("integrity: retried from scratch, nothing partial left behind", () => {
  test("a body cut short once is downloaded again and succeeds", async () => {
    const job = completedJob(emu);
    emu.injectFaults("download", [{ kind: "truncate" }]);
    const out = tempDir();
    const files = await download({ jobIdentifier: job.id, outDir: out });
    expect(files).toHaveLength(STATS.length);
    expect(files[0].sha256).toBe((await expectedFile(emu, job, "receipt")).sha256);
    expect(downloads()).toHaveLength(2);
    expect(warnings.join("\n")).toMatch(/attempt 1\/3 failed: .*cut short|announced/);
    expect(entries(out)).toEqual(files.map((f) => f.name).sort());
  });

  test("a body cut short every time is rejected; the folder keeps exactly what it had", async () => {
    const job = completedJob(emu);
    emu.injectFaults("download", Array(3).fill({ kind: "truncate" }));
    const out = tempDir();
    const existing = join(out, statFileName("receipt", job.createdAtMs));
    writeFileSync(existing, "previous download\n");
    const e = await rejection(download({ jobIdentifier: job.id, outDir: out }));
    expect(e).toBeInstanceOf(DownloadIntegrityError);
    expect(e).toMatchObject({ attempts: 3 });
    expect(e.message).toMatch(/failed after 3 attempts: .*(cut short|announced)/);
    expect(e.message).toContain("Nothing was written to the destination");
    expect(downloads()).toHaveLength(3);
    expect(entries(out)).toEqual([statFileName("receipt", job.createdAtMs)]);
    expect(readFileSync(existing, "utf8")).toBe("previous download\n");
  });

  test("a gzip stream without its trailer (every announced byte sent) is caught by zlib", async () => {
    const gz = gzipSync("receipt_id,received_at\n" + "1,1717200000\n".repeat(5000));
    // The server sends all it announces, so no length check can notice: only the gzip trailer can.
    const host = await foreignHost((res) => res.end(gz.subarray(0, gz.length - 6)));
    try {
      const out = tempDir();
      const e = await rejection(download({ downloadUrl: `${host.url}/d`, outDir: out, maxAttempts: 2 }));
      expect(e).toBeInstanceOf(DownloadIntegrityError);
      expect(e.message).toMatch(/gzipped CSV: unexpected end of file/);
      expect(host.seen).toHaveLength(2);
      expect(entries(out)).toEqual([]);
    } finally {
      await host.close();
    }
  });

  test("a CSV that ends inside a quoted field is rejected, the cause said once", async () => {
    const csv = 'receipt_id,content_title\n1,"never closed\n';
    const bodies: [string, Buffer, RegExp][] = [
      ["CSV", Buffer.from(csv), /: CSV: Quote Not Closed/],
      ["gzipped CSV", gzipSync(csv), /: gzipped CSV: Quote Not Closed/],
      ["ZIP", await zipOf({ "receipt_20240701.csv": csv }), /: receipt_20240701\.csv: CSV: Quote Not Closed/],
    ];
    for (const [, body, message] of bodies) {
      const host = await foreignHost((res) => res.end(body));
      try {
        const e = await rejection(
          download({ downloadUrl: `${host.url}/d`, outDir: tempDir(), maxAttempts: 1 }),
        );
        expect(e).toBeInstanceOf(DownloadIntegrityError);
        expect(e.message).toMatch(message);
        expect(e.message).not.toMatch(/CSV: CSV:|CSV: .*CSV:/);
      } finally {
        await host.close();
      }
    }
  });

  test("a ZIP entry whose bytes do not match its CRC-32 is rejected", async () => {
    const good = await zipOf({ "receipt_20240701.csv": "receipt_id,received_at\n1,1717200000\n" });
    const bad = patch(good, "1717200000", "1717200001"); // same length: yauzl's size check passes
    const host = await foreignHost((res) => res.end(bad));
    try {
      const out = tempDir();
      const e = await rejection(download({ downloadUrl: `${host.url}/d`, outDir: out, maxAttempts: 2 }));
      expect(e).toBeInstanceOf(DownloadIntegrityError);
      expect(e.message).toMatch(/receipt_20240701\.csv: CRC-32 mismatch/);
      expect(host.seen).toHaveLength(2);
      expect(entries(out)).toEqual([]);
    } finally {
      await host.close();
    }
  });

  test("garbage after a ZIP signature, and an HTML page with status 200, are rejected", async () => {
    const bodies = [
      Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(4000, 7)]),
      Buffer.from("<html>oops</html>"),
    ];
    for (const [i, body] of bodies.entries()) {
      const host = await foreignHost((res) => res.end(body));
      try {
        const out = tempDir();
        const e = await rejection(download({ downloadUrl: `${host.url}/d`, outDir: out, maxAttempts: 1 }));
        expect(e).toBeInstanceOf(DownloadIntegrityError);
        expect(e.message).toMatch(i === 0 ? /not a readable ZIP archive/ : /HTML/);
        expect(entries(out)).toEqual([]);
      } finally {
        await host.close();
      }
    }
  });

  test("an archive entry named ../x is refused at once, and nothing is written anywhere", async () => {
    const zip = patch(
      await zipOf({ "aa/receipt_20240701.csv": "receipt_id\n1\n", "open_20240701.csv": "receipt_id\n1\n" }),
      "aa/receipt",
      "../receipt",
    );
    const host = await foreignHost((res) => res.end(zip));
    try {
      const parent = tempDir();
      const out = join(parent, "out");
      const e = await rejection(download({ downloadUrl: `${host.url}/d`, outDir: out }));
      expect(e).toBeInstanceOf(DownloadFormatError);
      expect(e.message).toMatch(/unsafe archive entry "\.\.\/receipt_20240701\.csv"/);
      expect(host.seen).toHaveLength(1); // not retried: the archive is intact, just hostile
      expect(entries(parent)).toEqual([]); // not even the folder made for it
    } finally {
      await host.close();
    }
  });

  test("5xx and resets before any body are retried by the client", async () => {
    const job = completedJob(emu);
    emu.injectFaults("download", [{ kind: "status", status: 500 }, { kind: "reset" }]);
    const files = await download({ jobIdentifier: job.id, outDir: tempDir() });
    expect(files).toHaveLength(STATS.length);
    expect(downloads().map((r) => r.status)).toEqual([500, 0, 200]);
  });
});

describe("availability", () => {
  test("an expired download is a DownloadExpiredError that says what to do", async () => {
    const job = completedJob(emu);
    emu.expireJob(job.id);
    const out = tempDir();
    const e = await rejection(download({ jobIdentifier: job.id, outDir: out }));
    expect(e).toBeInstanceOf(DownloadExpiredError);
    expect(e.message).toMatch(
      new RegExp(`download of export job ${job.id} is no longer available: HTTP 404 .*expired at \\d{4}-`),
    );
    expect(e.message).toMatch(/two days\. Run the export again/);
    // Intercom's sentence is quoted without its final period: no ".;" or "..".
    expect(e.message).toMatch(
      /HTTP 404 The requested resource does not exist; the job's download expired at/,
    );
    expect(e.message).not.toMatch(/\.[;.]/);
    expect(entries(out)).toEqual([]);
  });

  test("expired by URL, and a job Intercom has forgotten, are DownloadExpiredError too", async () => {
    const job = completedJob(emu);
    const url = emu.getJob(job.id)!.body.download_url;
    emu.configure({ forgetExpiredJobs: true });
    emu.expireJob(job.id);
    const byUrl = await rejection(download({ downloadUrl: url, outDir: tempDir() }));
    expect(byUrl).toBeInstanceOf(DownloadExpiredError);
    expect(byUrl.message).toContain(`the export at ${url}`);
    expect(byUrl.message).toContain(": HTTP 404 The requested resource does not exist. Intercom keeps");
    const byId = await rejection(download({ jobIdentifier: job.id, outDir: tempDir() }));
    expect(byId).toBeInstanceOf(DownloadExpiredError);
    expect(byId.message).toMatch(/does not know the job .*mistyped, or the job expired/);
  });

  test("a failed download removes the folders it created, and only those", async () => {
    const job = completedJob(emu);
    const url = emu.getJob(job.id)!.body.download_url;
    emu.expireJob(job.id);
    const parent = tempDir();
    // By id: the status says completed, the download answers 404.
    const byId = await rejection(download({ jobIdentifier: job.id, outDir: join(parent, "exp8788") }));
    expect(byId).toBeInstanceOf(DownloadExpiredError);
    expect(entries(parent)).toEqual([]);
    // Several levels made for it: all removed.
    await rejection(download({ jobIdentifier: job.id, outDir: join(parent, "a", "b", "c") }));
    expect(entries(parent)).toEqual([]);
    // By URL, of a job the emulator forgot.
    emu.configure({ forgetExpiredJobs: true });
    const byUrl = await rejection(download({ downloadUrl: url, outDir: join(parent, "x") }));
    expect(byUrl).toBeInstanceOf(DownloadExpiredError);
    expect(entries(parent)).toEqual([]);
    // An integrity failure after every attempt, into a folder that did not exist.
    const host = await foreignHost((res) => res.end("<html>oops</html>"));
    try {
      await rejection(download({ downloadUrl: `${host.url}/d`, outDir: join(parent, "y"), maxAttempts: 1 }));
    } finally {
      await host.close();
    }
    expect(entries(parent)).toEqual([]);
    // A folder that was there already stays, empty or not.
    mkdirSync(join(parent, "mine", "sub"), { recursive: true });
    await rejection(download({ jobIdentifier: job.id, outDir: join(parent, "mine", "sub") }));
    await rejection(download({ jobIdentifier: job.id, outDir: join(parent, "mine", "new") }));
    expect(entries(parent)).toEqual(["mine"]);
    expect(entries(join(parent, "mine"))).toEqual(["sub"]);
  });

  test("a running job is not ready; a no_data job downloads nothing", async () => {
    emu.configure({ pendingMs: 60_000 });
    const running = emu.createJobDirectly({ created_at_after: 1717200000, created_at_before: 1717200000 });
    const e = await rejection(download({ jobIdentifier: running.id, outDir: tempDir() }));
    expect(e).toBeInstanceOf(DownloadNotReadyError);
    expect(e.message).toMatch(/status is 'pending': it is still running/);

    emu.reset();
    emu.configure({ outcome: "no_data" });
    const empty = completedJobOrNoData();
    const out = tempDir();
    await expect(download({ jobIdentifier: empty, outDir: out })).resolves.toEqual([]);
    expect(entries(out)).toEqual([]);
    expect(downloads()).toHaveLength(0);
  });

  test("a bad token fails with the client's AuthenticationError and creates nothing", async () => {
    const job = completedJob(emu);
    const parent = tempDir();
    const e = await rejection(
      download({
        jobIdentifier: job.id,
        outDir: join(parent, "x"),
        config: { accessToken: "nope-1234", baseUrl: emu.url },
      }),
    );
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(entries(parent)).toEqual([]);
  });
});

function completedJobOrNoData(): string {
  const job = emu.createJobDirectly({ created_at_after: 1717200000, created_at_before: 1717200000 });
  expect(emu.getJob(job.id)!.status).toBe("no_data");
  return job.id;
}

describe("the token", () => {
  test("a 401 from a download URL on another host says the token was not sent there", async () => {
    const host = await foreignHost((res) => {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({ type: "error.list", errors: [{ code: "unauthorized", message: "No access" }] }),
      );
    });
    try {
      const parent = tempDir();
      const e = await rejection(download({ downloadUrl: `${host.url}/d/abc`, outDir: join(parent, "x") }));
      expect(e).toBeInstanceOf(AuthenticationError); // still the same kind, for code that tells them apart
      expect(e).toMatchObject({ status: 401, code: "unauthorized", path: "/d/abc" });
      const hostPort = host.url.replace(/^http:\/\//, "");
      expect(e.message).toContain(
        `HTTP 401 unauthorized: No access. The access token was not sent to ${hostPort}, which is not the configured Intercom host (${emu.url})`,
      );
      expect(e.message).not.toMatch(/Check the access token/);
      expect(host.seen[0].authorization).toBeUndefined();
      expect(entries(parent)).toEqual([]);
    } finally {
      await host.close();
    }
  });

  test("is not sent to a download URL on another host (download_url, or a redirect there)", async () => {
    const zip = await zipOf(
      { "receipt_20240701.csv": "receipt_id,received_at\n1,1717200000\n2,1717200001\n" },
      true,
    );
    const host = await foreignHost((res) => res.end(zip));
    try {
      emu.configure({ downloadBaseUrl: host.url });
      const job = completedJob(emu);
      const url = emu.getJob(job.id)!.body.download_url;
      expect(url.startsWith(host.url)).toBe(true);
      const files = await download({ downloadUrl: url, outDir: tempDir() });
      expect(files).toMatchObject([{ name: "receipt_20240701.csv", statistic: "receipt", rows: 2 }]);

      emu.injectFaults("download", [
        { kind: "status", status: 302, headers: { Location: `${host.url}/signed?sig=abc` }, body: "" },
      ]);
      const redirected = await download({
        downloadUrl: `${emu.url}/download/content/data/${job.id}`,
        outDir: tempDir(),
      });
      expect(redirected).toMatchObject([{ rows: 2 }]);

      expect(host.seen).toHaveLength(2);
      for (const headers of host.seen) {
        expect(headers.authorization).toBeUndefined();
        expect(headers.accept).toBe("application/octet-stream");
      }
      // The emulator itself did get the token (the request that answered with the redirect).
      expect(downloads()).toEqual([expect.objectContaining({ auth: "valid", status: 302 })]);
    } finally {
      await host.close();
    }
  });
});
