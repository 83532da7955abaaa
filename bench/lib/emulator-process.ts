/**
 * The emulator in a process of its own (dist/emulator/cli.js), driven over its control API, so that its CPU and
 * memory are not counted against the process being measured.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { DIST } from "./util";

export const TOKEN = "bench-token";

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  route: string;
  status: number;
  jobId?: string;
}

export interface EmulatorProcess {
  url: string;
  pid: number;
  configure(options: Record<string, unknown>): Promise<void>;
  requests(): Promise<RequestLogEntry[]>;
  clearRequests(): Promise<void>;
  reset(): Promise<void>;
  /** POSTs an export job through the API, as a client would; returns its id. */
  createJob(after: number, before: number): Promise<string>;
  close(): Promise<void>;
}

export async function startEmulatorProcess(options: Record<string, unknown> = {}): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(DIST, "emulator/cli.js"), "--token", TOKEN, "--pending-ms", "0", "--in-progress-ms", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`emulator exited (${code}) before listening: ${out}`)));
  });
  const control = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}/__emulator${route}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok)
      throw new Error(`emulator control ${method} ${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const emulator: EmulatorProcess = {
    url,
    pid: child.pid!,
    configure: async (o) => void (await control("POST", "/config", o)),
    requests: async () => (await control("GET", "/requests")) as RequestLogEntry[],
    clearRequests: async () => void (await control("DELETE", "/requests")),
    reset: async () => void (await control("POST", "/reset")),
    async createJob(after, before) {
      const res = await fetch(`${url}/export/content/data`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${TOKEN}`,
          "Content-Type": "application/json",
          Accept: "application/json",
        },
        body: JSON.stringify({ created_at_after: after, created_at_before: before }),
      });
      const body = (await res.json()) as Record<string, string>;
      if (!res.ok) throw new Error(`create job: HTTP ${res.status} ${JSON.stringify(body)}`);
      return body.job_identifier;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
  if (Object.keys(options).length) await emulator.configure(options);
  return emulator;
}
