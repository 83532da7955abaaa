/**
 * Child process for benchmark 4: the floor for any Node.js client, a bare `http.get(url).pipe(createWriteStream)`
 * with no checks at all. Prints `RESULT {"ms", "bytes", "maxRssKb"}`.
 */
import { createWriteStream } from "node:fs";
import * as http from "node:http";

const [url, file] = process.argv.slice(2);
const start = performance.now();
http.get(
  url,
  { headers: { Authorization: `Bearer ${process.env.BENCH_TOKEN}`, Accept: "application/octet-stream" } },
  (res) => {
    let bytes = 0;
    res.on("data", (chunk: Buffer) => (bytes += chunk.length));
    res.pipe(createWriteStream(file)).on("finish", () => {
      const result = { ms: performance.now() - start, bytes, maxRssKb: process.resourceUsage().maxRSS };
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    });
  },
);
