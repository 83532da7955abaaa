/**
 * A generated export of about 300 MB, downloaded from the emulator over loopback and checked byte for byte
 * against what the emulator generated, with memory sampled throughout.
 *
 * The download runs in a child Node process (the built package, `npm test` builds first) so its memory is
 * measured alone: the emulator generating the body lives in this process. The child also runs with a 64 MB
 * old-space cap, so a download that buffered the body would not just grow, it would crash. (Run in-process,
 * RSS grows by 75-150 MB here, and a forced GC shows that is garbage V8 has not collected yet, not live data:
 * heapUsed stays around 13 MB. The cap makes V8 collect it.)
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { startEmulator, STATS, type Emulator } from "../../emulator";
import type { DownloadedFile } from "../../provider/download";
import { completedJob, entries, expectedFile, expectedRows, TOKEN, useTempDirs } from "./helpers";

const ROOT = path.resolve(__dirname, "../..");
const TARGET = 300_000_000;
let emu: Emulator;
const tempDir = useTempDirs();

beforeAll(async () => {
  emu = await startEmulator({ pendingMs: 0, inProgressMs: 0, targetDownloadBytes: TARGET });
});
afterAll(() => emu.close());

/** Downloads in a fresh process; returns its files, bytes received and peak RSS growth. */
const CHILD = `
  const { downloadExport } = require(${JSON.stringify(path.join(ROOT, "dist/provider/download"))});
  const baseline = process.memoryUsage().rss;
  let peak = baseline, received = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = Date.now();
  downloadExport({
    jobIdentifier: process.env.JOB, outDir: process.env.OUT, env: process.env,
    onProgress: (p) => { if (p.phase === "download") received = p.bytes; },
  }).then((files) => {
    clearInterval(sampler);
    process.stdout.write(JSON.stringify({ files, received, growth: peak - baseline, ms: Date.now() - started }));
  }, (e) => { console.error(e); process.exit(1); });`;

test("a ~300 MB export downloads in constant memory, byte for byte", async () => {
  const job = completedJob(emu);
  const out = tempDir();
  const { stdout } = await promisify(execFile)(process.execPath, ["--max-old-space-size=64", "-e", CHILD], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      JOB: job.id,
      OUT: out,
      INTERCOM_ACCESS_TOKEN: TOKEN,
      INTERCOM_BASE_URL: emu.url,
    },
    encoding: "utf8",
  });
  const { files, received, growth, ms } = JSON.parse(stdout) as {
    files: DownloadedFile[];
    received: number;
    growth: number;
    ms: number;
  };

  // The body really was that big (the emulator stores big exports uncompressed).
  expect(received).toBeGreaterThan(TARGET);
  const receipt = await expectedFile(emu, job, "receipt");
  expect(receipt.bytes).toBeGreaterThanOrEqual(TARGET);
  expect(files[0]).toMatchObject({
    statistic: "receipt",
    bytes: receipt.bytes,
    sha256: receipt.sha256,
    // No field of the generated data holds a line break, so records = lines - header.
    rows: receipt.newlines - 1,
  });
  const rows = expectedRows(emu, job);
  expect(files.map((f) => f.statistic)).toEqual([...STATS]);
  for (const f of files.slice(1)) expect(f.rows).toBe(rows[f.statistic as keyof typeof rows]);
  expect(entries(out)).toEqual(files.map((f) => f.name).sort());

  expect(growth).toBeLessThan(100 * 1024 * 1024);
  console.log(
    `big download: ${(received / 1e6).toFixed(1)} MB body, ${files[0].rows} receipt rows, ` +
      `peak RSS growth ${(growth / 1048576).toFixed(1)} MiB, ${(ms / 1000).toFixed(1)} s`,
  );
}, 180_000);
