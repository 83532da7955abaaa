/** Small helpers shared by the benchmarks: statistics, formatting, child processes with peak RSS, the machine. */
import { spawn, SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../../..");
export const DIST = path.join(REPO_ROOT, "dist");

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const max = (xs: number[]): number => Math.max(...xs);
export const min = (xs: number[]): number => Math.min(...xs);

export const MB = 1_000_000;
export const MiB = 1024 * 1024;

export function fmtMs(ms: number, digits = 0): string {
  if (!Number.isFinite(ms)) return "n/a";
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(digits)} ms`;
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "n/a";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** Megabytes (10^6) per second. */
export const mbps = (bytes: number, ms: number): number => bytes / MB / (ms / 1000);
export const fmtRate = (mbPerS: number): string =>
  Number.isFinite(mbPerS) ? `${mbPerS.toFixed(0)} MB/s` : "n/a";
/** A size in KiB (as maxRSS and GNU time report it), shown in MB (10^6 bytes). */
export const fmtKb = (kb: number): string =>
  Number.isFinite(kb) ? `${((kb * 1024) / MB).toFixed(0)} MB` : "n/a";
export const pct = (x: number, digits = 0): string =>
  Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "n/a";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, in ms. */
  wallMs: number;
  /** Peak resident set of the process, in KB (GNU time %M, or the highest VmHWM sampled from /proc). */
  peakRssKb: number;
}

const GNU_TIME = "/usr/bin/time";
const hasGnuTime = fs.existsSync(GNU_TIME);

/**
 * Runs a command and measures its wall time and peak RSS. Under GNU time (`%M`, exact) when it is installed;
 * otherwise VmHWM is sampled from /proc every 10 ms (a high-water mark, so a late sample still sees the peak).
 */
export function measureCommand(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<Measured> {
  const timeFile = hasGnuTime
    ? path.join(os.tmpdir(), `bench-time-${process.pid}-${Date.now()}-${Math.random()}`)
    : "";
  const [file, argv] = hasGnuTime ? [GNU_TIME, ["-o", timeFile, "-f", "%M", cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    let sampled = NaN;
    const sampler = hasGnuTime
      ? undefined
      : setInterval(() => {
          const hwm = readVmHwmKb(child.pid!);
          if (Number.isFinite(hwm)) sampled = Number.isFinite(sampled) ? Math.max(sampled, hwm) : hwm;
        }, 10);
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      if (sampler) clearInterval(sampler);
      let peakRssKb = sampled;
      if (hasGnuTime) {
        try {
          const lines = fs.readFileSync(timeFile, "utf8").trim().split("\n");
          peakRssKb = Number(lines[lines.length - 1]);
          fs.rmSync(timeFile, { force: true });
        } catch {
          peakRssKb = NaN;
        }
      }
      resolve({ code, stdout, stderr, wallMs, peakRssKb });
    });
  });
}

function readVmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<string> {
  const r = await measureCommand(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A Node child that prints one JSON line prefixed `RESULT ` (the benchmarks' child scripts do). */
export function resultLine<T>(stdout: string): T {
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`child printed no RESULT line:\n${stdout}`);
  return JSON.parse(line.slice(7)) as T;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  pulumiCli: string;
  pulumiSdk: string;
  os: string;
  date: string;
}

export function machineInfo(pulumiCli: string): MachineInfo {
  let cpuModel = "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpuModel = m[1].trim();
  } catch {
    cpuModel = os.cpus()[0]?.model ?? "unknown";
  }
  const sdk = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
  ) as { version: string };
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    pulumiCli,
    pulumiSdk: sdk.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** Load average and the busiest processes that are not ours, to say whether other work shared the machine. */
export interface MachineLoad {
  loadavg: number[];
  /** Other processes that used CPU in a 1 s window: command and % of one core. */
  busy: { pid: number; command: string; cpu: number }[];
}

export async function machineLoad(): Promise<MachineLoad> {
  const ours = new Set<number>([process.pid, ...descendants(process.pid)]);
  const first = cpuTimes();
  await sleep(1000);
  const second = cpuTimes();
  const hz = 100; // USER_HZ on Linux
  const busy: MachineLoad["busy"] = [];
  for (const [pid, t] of second) {
    const before = first.get(pid);
    if (!before || ours.has(pid)) continue;
    const cpu = ((t.ticks - before.ticks) / hz) * 100;
    if (cpu >= 10) busy.push({ pid, command: t.command, cpu });
  }
  busy.sort((a, b) => b.cpu - a.cpu);
  return { loadavg: os.loadavg(), busy: busy.slice(0, 8) };
}

function cpuTimes(): Map<number, { ticks: number; command: string }> {
  const out = new Map<number, { ticks: number; command: string }>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(e), { ticks: Number(fields[11]) + Number(fields[12]), command });
    } catch {
      // gone
    }
  }
  return out;
}

/** pids of the live descendants of `pid`. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pie-bench-${prefix}-`));
}

/** Prints a progress line to stderr (stdout carries the table). */
export function note(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
