/**
 * Child process for benchmark 4: one `downloadExport` (the package's download function: status check, streamed
 * body, verification, unpacking into CSV files). Its own peak RSS is what the benchmark reports. Prints
 * `RESULT {...}` with times in ms (performance.now()) and maxRSS in KB.
 */
import { downloadExport } from "../../provider/download/download";

async function main(): Promise<void> {
  const [baseUrl, jobIdentifier, outDir] = process.argv.slice(2);
  let downloadBytes = 0;
  let lastDownloadAt = NaN;
  const start = performance.now();
  const files = await downloadExport({
    jobIdentifier,
    outDir,
    config: { baseUrl },
    env: { INTERCOM_ACCESS_TOKEN: process.env.BENCH_TOKEN },
    onProgress: (p) => {
      if (p.phase === "download") {
        downloadBytes = p.bytes;
        lastDownloadAt = performance.now();
      }
    },
  });
  const end = performance.now();
  const result = {
    transferMs: lastDownloadAt - start,
    totalMs: end - start,
    downloadBytes,
    csvBytes: files.reduce((n, f) => n + f.bytes, 0),
    rows: files.reduce((n, f) => n + f.rows, 0),
    files: files.length,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
