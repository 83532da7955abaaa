/**
 * The built CLI (`dist/provider/cli/main.js`; `npm test` builds first) run as a subprocess against an emulator
 * in this process: output, exit codes, and the token never printed. Subprocesses are asynchronous on purpose:
 * the emulator must keep answering while the child runs.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import { startEmulator, STATS, statFileName, type Emulator } from "../../emulator";
import { completedJob, expectedRows, foreignHost, useTempDirs } from "../download/helpers";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist/provider/cli/main.js");
const SECRET = "cli-secret-token-8f3a";
let emu: Emulator;
const tempDir = useTempDirs();
const outputs: string[] = [];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  const merged = {
    PATH: process.env.PATH,
    INTERCOM_ACCESS_TOKEN: SECRET,
    INTERCOM_BASE_URL: emu.url,
    ...env,
  };
  const fullEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: fullEnv,
      encoding: "utf8",
    });
    outputs.push(stdout, stderr);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout: string; stderr: string };
    outputs.push(err.stdout, err.stderr);
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Table rows of CLI output: cells are separated by two spaces or more. */
const cells = (line: string) => line.trim().split(/\s{2,}/);

beforeAll(async () => {
  expect(existsSync(CLI)).toBe(true); // built by `npm test` (or `npx tsc -p tsconfig.build.json`)
  emu = await startEmulator({ pendingMs: 0, inProgressMs: 0, tokens: [SECRET] });
});
afterAll(async () => {
  await emu.close();
  // Nothing the CLI printed, in any test, carried the token.
  expect(outputs.join("\n")).not.toContain(SECRET);
});
beforeEach(() => emu.reset());

describe("status", () => {
  test("a completed job: status, URL and expiry", async () => {
    const job = completedJob(emu);
    const r = await cli(["status", job.id]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const expires = Number(emu.getJob(job.id)!.body.download_expires_at);
    expect(r.stdout).toBe(
      [
        `job       ${job.id}`,
        "status    completed",
        `download  ${emu.url}/download/content/data/${job.id}`,
        `expires   ${new Date(expires * 1000).toISOString()} (in 47h 59m)`,
        "",
      ].join("\n"),
    );
  });

  test("a pending job, as JSON", async () => {
    emu.configure({ pendingMs: 60_000 });
    const job = emu.createJobDirectly({ created_at_after: 1717200000, created_at_before: 1717200000 });
    const r = await cli(["status", job.id, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      jobIdentifier: job.id,
      status: "pending",
      downloadUrl: "",
      downloadExpiresAt: "",
      downloadExpiresAtIso: "",
    });
  });
});

describe("download and summary", () => {
  test("download prints plain progress lines off a terminal, then the files with statistic and rows", async () => {
    const job = completedJob(emu);
    const out = path.join(tempDir(), "june");
    const r = await cli(["download", job.id, "--out", out]);
    expect(r.code).toBe(0);

    const names = STATS.map((s) => statFileName(s, job.createdAtMs));
    expect(readdirSync(out).sort()).toEqual([...names].sort());
    const rows = expectedRows(emu, job);
    const total = Object.values(rows).reduce((a, b) => a + b, 0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^Downloaded 12 files to ${out} \\(${total.toLocaleString("en-US")} rows, [\\d.]+ kB, [\\d.]+ s\\)$`,
      ),
    );
    expect(cells(lines[1])).toEqual(["FILE", "STATISTIC", "ROWS", "SIZE"]);
    expect(lines.slice(2).map(cells)).toEqual(
      STATS.map((stat, i) => [
        names[i],
        stat,
        rows[stat].toLocaleString("en-US"),
        expect.stringMatching(/^[\d.]+ k?B$/),
      ]),
    );
    // Progress on stderr, as plain lines (stderr is a pipe here, not a terminal).
    const progress = r.stderr.trimEnd().split("\n");
    expect(progress[0]).toBe("download: receiving");
    expect(progress).toContainEqual(
      expect.stringMatching(/^download: [\d.]+ kB in [\d.]+ s \([\d.]+ [kM]?B\/s\)$/),
    );
    expect(progress).toEqual(expect.arrayContaining(names.map((n) => `unpack: ${n}`)));
    expect(progress[progress.length - 1]).toMatch(/^unpack: [\d.]+ kB in [\d.]+ s/);
    expect(r.stderr).not.toMatch(/\r|\u001b\[/); // no terminal control sequences
  });

  test("summary: per content type and title, counts and rates as computed from the receipts CSV", async () => {
    const job = completedJob(emu);
    const out = tempDir();
    expect((await cli(["download", job.id, "--out", out, "--no-progress"])).code).toBe(0);
    const r = await cli(["summary", out]);
    expect(r).toMatchObject({ code: 0, stderr: "" });

    // Independently: every receipt, grouped by (content_type, content_title).
    const receipts = parse(readFileSync(path.join(out, statFileName("receipt", job.createdAtMs))), {
      columns: true,
    }) as Record<string, string>[];
    const columns = ["first_open", "first_click", "first_reply", "first_unsubscribe", "first_hard_bounce"];
    const groups = new Map<string, { type: string; title: string; n: number; counts: number[] }>();
    for (const rec of receipts) {
      const key = `${rec.content_type}|${rec.content_title}`;
      const g = groups.get(key) ?? {
        type: rec.content_type,
        title: rec.content_title,
        n: 0,
        counts: [0, 0, 0, 0, 0],
      };
      g.n++;
      columns.forEach((c, i) => (g.counts[i] += rec[c] ? 1 : 0));
      groups.set(key, g);
    }
    const fmt = (g: { n: number; counts: number[] }) => [
      g.n.toLocaleString("en-US"),
      ...g.counts.flatMap((c) => [c.toLocaleString("en-US"), `${((100 * c) / g.n).toFixed(1)}%`]),
    ];
    const cut = (t: string) => (t.length <= 40 ? t : `${t.slice(0, 39)}…`);
    const expected = [...groups.values()]
      .sort((a, b) => b.n - a.n || a.type.localeCompare(b.type) || a.title.localeCompare(b.title))
      .map((g) => [g.type, cut(g.title), ...fmt(g)]);
    const all = { n: receipts.length, counts: columns.map((c) => receipts.filter((rec) => rec[c]).length) };

    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `Receipts in ${statFileName("receipt", job.createdAtMs)}; counts are receipts with at least one such event.`,
    );
    expect(cells(lines[1])).toEqual([
      "CONTENT TYPE",
      "TITLE",
      "RECEIPTS",
      "OPENS",
      "OPEN%",
      "CLICKS",
      "CLICK%",
      "REPLIES",
      "REPLY%",
      "UNSUBS",
      "UNSUB%",
      "BOUNCES",
      "BOUNCE%",
    ]);
    expect(lines.slice(2, -1).map(cells)).toEqual(expected);
    expect(cells(lines[lines.length - 1])).toEqual(["TOTAL", ...fmt(all)]);
    expect(groups.size).toBe(8);
    // Aligned: every line of the table has the same length up to its last column.
    const widths = new Set(lines.slice(1).map((l) => l.length));
    expect(widths.size).toBe(1);
  });

  test("on a terminal, download draws a progress bar on stderr", async () => {
    if (!existsSync("/usr/bin/script")) return; // util-linux `script` provides the pseudo-terminal
    const job = completedJob(emu);
    const out = tempDir();
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} download ${job.id} --out ${JSON.stringify(out)}`;
    const { stdout } = await promisify(execFile)("/usr/bin/script", ["-qec", command, "/dev/null"], {
      env: {
        PATH: process.env.PATH,
        INTERCOM_ACCESS_TOKEN: SECRET,
        INTERCOM_BASE_URL: emu.url,
        TERM: "xterm",
      },
      encoding: "utf8",
    });
    outputs.push(stdout);
    expect(stdout).toMatch(/download .*[\d.]+ kB in [\d.]+ s \([\d.]+ [kM]?B\/s\)/);
    // A bar with the size so far or, once done, with the time taken (frames are drawn at most 8 times a second).
    expect(stdout).toMatch(
      /unpack \w+_\d{8}\.csv \[[█░]{30}\] [\d.]+ kB (of [\d.]+ kB \(\d+%\)|in [\d.]+ s)/,
    );
    expect(stdout).toMatch(/\u001b\[\?25l/); // cli-progress hid the cursor: it drew on a terminal
    expect(stdout).toContain("Downloaded 12 files");
    expect(readdirSync(out)).toHaveLength(12);
  });
});

test("Ctrl-C during a download exits 130 and removes the partial body", async () => {
  // This emulator runs in a process of its own: streaming a big body would keep this process's event loop
  // too busy to watch the child's staging folder grow.
  const server = spawn(process.execPath, [
    path.join(ROOT, "dist/emulator/cli.js"),
    ...["--port", "0", "--pending-ms", "0", "--in-progress-ms", "0", "--token", SECRET],
    ...["--target-download-bytes", "300000000"],
  ]);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = "";
      server.stdout.on("data", (chunk: Buffer) => {
        const m = /listening on (http:\/\/\S+)/.exec((text += chunk.toString()));
        if (m) resolve(m[1]);
      });
      server.on("exit", () => reject(new Error(`emulator exited: ${text}`)));
    });
    const auth = { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" };
    const created = await fetch(`${url}/export/content/data`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ created_at_after: 1717200000, created_at_before: 1719705600 }),
    });
    const id = ((await created.json()) as { job_identifier: string }).job_identifier;

    const parent = tempDir();
    const out = path.join(parent, "new", "june"); // made by the download: removed on Ctrl-C
    const child = spawn(process.execPath, [CLI, "download", id, "--out", out], {
      env: { PATH: process.env.PATH, INTERCOM_ACCESS_TOKEN: SECRET, INTERCOM_BASE_URL: url },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    // Wait until a few MB of the body sit in the staging folder, then interrupt.
    const partial = () => {
      if (!existsSync(out)) return 0;
      const staging = readdirSync(out).find((n) => n.startsWith(".intercom-download-"));
      const body = staging && path.join(out, staging, "body.part");
      return body && existsSync(body) ? statSync(body).size : 0;
    };
    while (partial() < 5_000_000) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const code = await exited;
    outputs.push(stderr);
    expect(code).toBe(130);
    expect(stderr).toMatch(
      new RegExp(`download of job ${id} interrupted \\(SIGINT\\); partial files removed`),
    );
    expect(stderr).not.toMatch(/download: .* in /); // no "finished" line for an interrupted download
    expect(readdirSync(parent)).toEqual([]);
  } finally {
    server.kill();
  }
}, 60_000);

describe("errors: one line naming what failed, exit 1; usage errors exit 2", () => {
  test("a bad token", async () => {
    const r = await cli(["status", "abc"], { INTERCOM_ACCESS_TOKEN: "wrong-token-9d2e" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^pulumi-intercom-export: status of job abc failed: .*HTTP 401 unauthorized: Access Token Invalid/,
    );
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain("wrong-token-9d2e");
  });

  test("an unknown job (status and download), an expired download", async () => {
    const status = await cli(["status", "nosuchjob"]);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(
      /status of job nosuchjob failed: .*HTTP 404 not_found: Export job not found/,
    );

    const parent = tempDir();
    const download = await cli(["download", "nosuchjob", "--out", path.join(parent, "x")]);
    expect(download.code).toBe(1);
    expect(download.stderr).toMatch(
      /^pulumi-intercom-export: download of job nosuchjob failed: .*does not know the job/,
    );
    expect(readdirSync(parent)).toEqual([]);

    const job = completedJob(emu);
    emu.expireJob(job.id);
    const expired = await cli(["download", job.id, "--out", parent, "--no-progress"]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/is no longer available: HTTP 404 .*Run the export again/);
    expect(expired.stderr).not.toMatch(/\.[;.]/); // Intercom's "…does not exist." quoted without its period
    expect(expired.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(readdirSync(parent)).toEqual([]);
    // A folder the failed download would have created is not left behind.
    const fresh = await cli(["download", job.id, "--out", path.join(parent, "exp8788"), "--no-progress"]);
    expect(fresh.code).toBe(1);
    expect(readdirSync(parent)).toEqual([]);
  });

  test.each([
    [["download", "abc"], /required option '-o, --out <dir>' not specified/],
    [["frob"], /unknown command 'frob'/],
    [["status"], /missing required argument 'job'/],
    [["download", "abc", "--out", "d", "--attempts", "0"], /must be a positive whole number/],
    // Configuration errors name the CLI's flag, not the stack-config key.
    [
      ["--region", "mars", "status", "abc"],
      /status of job abc failed: --region \(or INTERCOM_REGION\) must be one of us, eu, au; got 'mars'$/m,
    ],
    [
      ["download", "abc", "--out", "d", "--base-url", "http://example.com"],
      /download of job abc failed: --base-url \(or INTERCOM_BASE_URL\) must use https:\/\//,
    ],
    [
      ["--api-version", "nine", "status", "abc"],
      /status of job abc failed: --api-version \(or INTERCOM_API_VERSION\) must look like 2\.8/,
    ],
    // The export API exists from 2.5 on.
    [
      ["--api-version", "1.0", "status", "abc"],
      /status of job abc failed: --api-version \(or INTERCOM_API_VERSION\) 1\.0 is too old: the content data export API exists from 2\.5 on/,
    ],
    [
      ["download", "abc", "--out", "d", "--api-version", "2.4"],
      /download of job abc failed: --api-version \(or INTERCOM_API_VERSION\) 2\.4 is too old/,
    ],
  ])("usage: %j", async (args, message) => {
    const r = await cli(args, { INTERCOM_BASE_URL: args[0] === "--region" ? undefined : emu.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/intercom:/);
    expect(emu.requests).toHaveLength(0);
  });

  test("INTERCOM_API_VERSION below 2.5 is refused too; 2.10, 2.5 and Preview are accepted", async () => {
    const old = await cli(["status", "abc"], { INTERCOM_API_VERSION: "2.4" });
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/INTERCOM_API_VERSION\) 2\.4 is too old/);
    expect(emu.requests).toHaveLength(0);
    const job = completedJob(emu);
    for (const version of ["2.10", "2.5", "Preview"]) {
      const r = await cli(["--api-version", version, "status", job.id]);
      expect(r).toMatchObject({ code: 0, stderr: "" });
    }
    expect(emu.requests.map((q) => q.headers.intercomVersion)).toEqual(["2.10", "2.5", "Preview"]);
  });

  test("no token in the environment is a usage error", async () => {
    const r = await cli(["status", "abc"], { INTERCOM_ACCESS_TOKEN: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No Intercom access token: set INTERCOM_ACCESS_TOKEN/);
    expect(r.stderr).not.toMatch(/intercom:accessToken|stack config/); // the CLI reads no stack config
  });

  test("a download URL on another host that answers 401 says the token was not sent there", async () => {
    const host = await foreignHost((res) => {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          type: "error.list",
          errors: [{ code: "unauthorized", message: "Access Token Invalid" }],
        }),
      );
    });
    try {
      const hostPort = host.url.replace(/^http:\/\//, "");
      const r = await cli(["download", `${host.url}/download/content/data/abc`, "--out", tempDir()]);
      expect(r.code).toBe(1);
      const last = r.stderr.trimEnd().split("\n").pop()!;
      expect(last).toMatch(/^pulumi-intercom-export: download of the export failed: .*HTTP 401/);
      expect(last).toContain(`The access token was not sent to ${hostPort}`);
      expect(last).not.toMatch(/Check the access token/);
      expect(host.seen).toHaveLength(1);
      expect(host.seen[0].authorization).toBeUndefined();
    } finally {
      await host.close();
    }
  });
});

test("output piped into a reader that stops early (`| head -1`) ends quietly, without an EPIPE crash", async () => {
  const { stdout, stderr } = await promisify(execFile)(
    "/bin/bash",
    [
      "-o",
      "pipefail",
      "-c",
      `"${process.execPath}" "${CLI}" --help | head -1; echo "cli exit \${PIPESTATUS[0]}"`,
    ],
    { encoding: "utf8", env: { PATH: process.env.PATH } },
  );
  expect(stdout).toMatch(/^Usage: pulumi-intercom-export/);
  expect(stdout).toMatch(/cli exit 0/);
  expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
});
