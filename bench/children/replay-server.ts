/**
 * Child process for benchmark 4: a loopback server that serves a download the emulator produced earlier (saved
 * to a file) at the speed of the page cache, and forwards every other request to the emulator. The emulator
 * generates big exports on the fly at a few tens of MB/s, which would cap both clients at the same speed; this
 * server lets the clients' own throughput show. Both clients (ours and curl) download from it.
 *
 *   node replay-server.js <emulator URL>        prints "listening on http://127.0.0.1:PORT"
 *   POST /__replay {"id": "...", "file": "...", "headers": {...}}   serve that file for /download/content/data/<id>
 */
import { createReadStream, statSync } from "node:fs";
import * as http from "node:http";

const emulator = new URL(process.argv[2]);
const downloads = new Map<string, { file: string; headers: Record<string, string> }>();

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://replay").pathname;
  if (req.method === "POST" && path === "/__replay") {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      const { id, file, headers } = JSON.parse(body) as {
        id: string;
        file: string;
        headers: Record<string, string>;
      };
      downloads.set(id, { file, headers });
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
    return;
  }
  const m = /^\/download\/content\/data\/([^/]+)$/.exec(path);
  const saved = m && req.method === "GET" ? downloads.get(decodeURIComponent(m[1])) : undefined;
  if (saved) {
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? "")) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { ...saved.headers, "Content-Length": statSync(saved.file).size });
    createReadStream(saved.file, { highWaterMark: 1 << 20 }).pipe(res);
    return;
  }
  // Everything else: to the emulator, as is.
  const forward = http.request(
    { host: emulator.hostname, port: emulator.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on("error", () => res.destroy());
  req.pipe(forward);
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object")
    process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
