/** The HTTP control API (/__emulator/...) and the CLI run as a separate process. */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ts from "typescript";
import { startEmulator, type Emulator } from "../../emulator";
import { createJob, expectJobSchema, jobStatus, JUNE_2018 } from "./helpers";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ pendingMs: 0, inProgressMs: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${emulator.url}/__emulator${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe("control API", () => {
  test("requests: lists API calls only, and clears", async () => {
    await jobStatus(emulator, "abc");
    await control("GET", "/config");
    const listed = await control("GET", "/requests");
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual([
      expect.objectContaining({ method: "GET", route: "status", status: 404, jobId: "abc" }),
    ]);
    expect((await control("DELETE", "/requests")).status).toBe(200);
    expect((await control("GET", "/requests")).json).toEqual([]);
    expect(emulator.requests).toEqual([]);
  });

  test("config: partial updates take effect; bad keys and values are refused", async () => {
    const res = await control("POST", "/config", { idKey: "job_identfier", pendingMs: 5000 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      idKey: "job_identfier",
      pendingMs: 5000,
      inProgressMs: 0,
      tokens: ["emulator-token"],
    });
    expect(res.json).not.toHaveProperty("clock");
    const job = (await createJob(emulator)).json as Record<string, string>;
    expect(job).toMatchObject({ job_identfier: expect.any(String), status: "pending" });
    expect((await control("POST", "/config", { nope: 1 })).status).toBe(400);
    expect((await control("POST", "/config", { outcome: "maybe" })).status).toBe(400);
    expect((await control("POST", "/config", { port: 1 })).status).toBe(400);
    expect(emulator.options.outcome).toBe("auto");
    // null puts downloadBaseUrl back to the emulator's own URL.
    await control("POST", "/config", { downloadBaseUrl: "https://example.test" });
    expect(emulator.options.downloadBaseUrl).toBe("https://example.test");
    await control("POST", "/config", { downloadBaseUrl: null });
    expect(emulator.options.downloadBaseUrl).toBeUndefined();
  });

  test("faults: queued over HTTP and consumed by the route; invalid ones refused", async () => {
    const res = await control("POST", "/faults", {
      route: "status",
      faults: [{ kind: "status", status: 503 }],
    });
    expect(res.json).toEqual({ route: "status", queued: 1 });
    expect((await control("GET", "/faults")).json).toMatchObject({
      status: [{ kind: "status", status: 503 }],
    });
    expect((await jobStatus(emulator, "x")).status).toBe(503);
    expect((await jobStatus(emulator, "x")).status).toBe(404);
    expect((await control("POST", "/faults", { route: "nowhere", faults: [] })).status).toBe(400);
    expect(
      (await control("POST", "/faults", { route: "status", faults: [{ kind: "explode" }] })).status,
    ).toBe(400);
    expect((await control("POST", "/faults", { route: "status", faults: [{ kind: "slow" }] })).status).toBe(
      400,
    );
  });

  test("jobs: create directly, list, expire, forget", async () => {
    const created = await control("POST", "/jobs", JUNE_2018);
    expect(created.status).toBe(200);
    const job = created.json as { id: string; status: string; direct: boolean; body: Record<string, string> };
    expect(job).toMatchObject({ status: "completed", direct: true, range: JUNE_2018 });
    expectJobSchema(job.body);
    expect((await control("GET", "/jobs")).json).toEqual([expect.objectContaining({ id: job.id })]);
    expect((await control("GET", `/jobs/${job.id}`)).json).toMatchObject({ id: job.id });

    const expired = await control("POST", `/jobs/${job.id}/expire`);
    expect(expired.json).toMatchObject({ id: job.id, expired: true });
    const download = await fetch(`${emulator.url}/download/content/data/${job.id}`, {
      headers: { Authorization: "Bearer emulator-token", Accept: "application/octet-stream" },
    });
    expect(download.status).toBe(404);

    expect((await control("POST", `/jobs/${job.id}/forget`)).status).toBe(200);
    expect((await jobStatus(emulator, job.id)).status).toBe(404);
    expect((await control("POST", `/jobs/${job.id}/forget`)).status).toBe(404);
    expect((await control("POST", "/jobs/unknown/expire")).status).toBe(404);
    expect((await control("POST", "/jobs", { created_at_after: "x" })).status).toBe(400);
  });

  test("reset: no jobs, requests or faults; start options back", async () => {
    await control("POST", "/config", { receiptsPerDay: 1, outcome: "failed" });
    await control("POST", "/faults", { route: "create", faults: [{ kind: "reset" }] });
    await control("POST", "/jobs", JUNE_2018);
    await jobStatus(emulator, "x");
    expect((await control("POST", "/reset")).status).toBe(200);
    expect((await control("GET", "/jobs")).json).toEqual([]);
    expect((await control("GET", "/requests")).json).toEqual([]);
    expect(emulator.options).toMatchObject({ receiptsPerDay: 40, outcome: "auto", pendingMs: 0 });
    expect((await createJob(emulator)).status).toBe(200); // the reset fault is gone
  });

  test("unknown control routes and bad JSON", async () => {
    expect((await control("GET", "/nothing")).status).toBe(404);
    const res = await fetch(`${emulator.url}/__emulator/config`, { method: "POST", body: "{" });
    expect(res.status).toBe(400);
  });
});

describe("CLI", () => {
  let buildDir: string;

  /** Transpiles emulator/*.ts to a temporary folder so the test does not depend on a prior build. */
  beforeAll(() => {
    buildDir = mkdtempSync(join(tmpdir(), "emulator-cli-"));
    const source = resolve(__dirname, "../../emulator");
    mkdirSync(buildDir, { recursive: true });
    for (const file of readdirSync(source).filter((f) => f.endsWith(".ts"))) {
      const output = ts.transpileModule(readFileSync(join(source, file), "utf8"), {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
      });
      writeFileSync(join(buildDir, file.replace(/\.ts$/, ".js")), output.outputText);
    }
  });
  afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

  const freePort = () =>
    new Promise<number>((resolvePort) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolvePort(port));
      });
    });

  test("listens on the given port, prints one line, answers, and exits on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(buildDir, "cli.js"),
        "--port",
        String(port),
        "--token",
        "cli-token",
        "--pending-ms",
        "0",
        "--in-progress-ms",
        "0",
        "--outcome",
        "no_data",
      ],
      {
        env: {
          ...process.env,
          NODE_PATH: resolve(__dirname, "../../node_modules"),
          INTERCOM_EMULATOR_TOKEN: "env-token",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolveExit) => child.on("exit", (code) => resolveExit(code)));
    try {
      let stdout = "";
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      await new Promise<void>((resolveLine, reject) => {
        child.stdout.on("data", (c: Buffer) => {
          stdout += c.toString();
          if (stdout.includes("\n")) resolveLine();
        });
        child.on("exit", () => reject(new Error(`CLI exited early: ${stderr}`)));
      });
      expect(stdout).toBe(`Intercom emulator listening on http://127.0.0.1:${port}\n`);
      const url = `http://127.0.0.1:${port}`;
      const create = (token: string) =>
        fetch(`${url}/export/content/data`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify(JUNE_2018),
        });
      const res = await create("cli-token");
      expect(res.status).toBe(200);
      const job = (await res.json()) as Record<string, string>;
      const status = await fetch(`${url}/export/content/data/${job.job_identifier}`, {
        headers: { Authorization: "Bearer env-token" },
      });
      expect(await status.json()).toMatchObject({ status: "no_data" }); // --outcome and the env token applied
      expect((await create("emulator-token")).status).toBe(401); // explicit tokens replace the default
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("refuses bad arguments with exit code 2", async () => {
    const child = spawn(process.execPath, [join(buildDir, "cli.js"), "--pending-ms", "soon"], {
      env: { ...process.env, NODE_PATH: resolve(__dirname, "../../node_modules") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toContain("--pending-ms must be an integer");
  });
});
