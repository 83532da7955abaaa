/**
 * Benchmark 2: cold start of the provider in a fresh process, from process start to the first request arriving
 * at the emulator (load `__provider` with require-from-string, configure, check, create), ours against the naive
 * baseline, alternating, N runs each. The emulator runs in this process and timestamps each request on arrival.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { PROVIDER_MODULE_TEXT } from "../provider/provider";
import { serializeNaiveProvider } from "./baseline/naive-provider";
import { mdTable, SectionResult, verdict } from "./lib/report";
import { DIST, fmtMs, max, median, min, note, REPO_ROOT, resultLine, tempDir } from "./lib/util";

const TOKEN = "bench-token";
const RUNS = 15;

interface ChildTimes {
  timeOrigin: number;
  booted: number;
  loaded: number;
  creating: number;
  created: number;
  id: string;
}

interface Run {
  /** Process start (timeOrigin) to the first request at the emulator. */
  startToRequest: number;
  /** spawn() in the parent to the first request (adds fork/exec). */
  spawnToRequest: number;
  /** Node's own start-up: process start to the first line of the child script. */
  boot: number;
  /** Loading the provider: require-from-string + handler(). */
  load: number;
  /** configure + check. */
  configureCheck: number;
  /** create() called to the request's arrival. */
  toRequest: number;
}

function runChild(
  providerFile: string,
  inputs: object,
  url: string,
): Promise<{ spawnAt: number; out: string }> {
  return new Promise((resolve, reject) => {
    const spawnAt = Date.now();
    const child = spawn(process.execPath, [path.join(DIST, "bench/children/cold-start-child.js")], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        PROVIDER_FILE: providerFile,
        INPUTS: JSON.stringify(inputs),
        INTERCOM_ACCESS_TOKEN: TOKEN,
        INTERCOM_BASE_URL: url,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve({ spawnAt, out }) : reject(new Error(`cold-start child exited ${code}: ${err}`)),
    );
  });
}

export async function coldStart(): Promise<SectionResult> {
  const started = performance.now();
  const dir = tempDir("cold-start");
  const oursFile = path.join(dir, "ours.js");
  const naiveFile = path.join(dir, "naive.js");
  fs.writeFileSync(oursFile, PROVIDER_MODULE_TEXT);
  fs.writeFileSync(naiveFile, await serializeNaiveProvider());
  const emulator = await startEmulator({
    tokens: [TOKEN],
    pendingMs: 0,
    inProgressMs: 0,
    rateLimit: 100_000,
  });
  const variants = {
    ours: { file: oursFile, inputs: { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30" } },
    naive: { file: naiveFile, inputs: { createdAtAfter: 1717200000, createdAtBefore: 1719791999 } },
  };
  const runs: Record<keyof typeof variants, Run[]> = { ours: [], naive: [] };
  const bootOnly: number[] = [];
  try {
    note(`2: ${RUNS} cold starts of each provider (alternating)`);
    for (let i = 0; i < RUNS; i++) {
      for (const name of ["ours", "naive"] as const) {
        emulator.reset();
        const v = variants[name];
        const { spawnAt, out } = await runChild(v.file, v.inputs, emulator.url);
        const t = resultLine<ChildTimes>(out);
        const first = emulator.requests[0];
        if (!first || first.route !== "create")
          throw new Error(`${name}: the first request was not a create`);
        const arrival = Date.parse(first.time);
        runs[name].push({
          startToRequest: arrival - t.timeOrigin,
          spawnToRequest: arrival - spawnAt,
          boot: t.booted,
          load: t.loaded - t.booted,
          configureCheck: t.creating - t.loaded,
          toRequest: arrival - (t.timeOrigin + t.creating),
        });
      }
      // The floor: an empty Node process, spawn to exit.
      const t0 = performance.now();
      await new Promise<void>((resolve) =>
        spawn(process.execPath, ["-e", "0"], { stdio: "ignore" }).on("close", () => resolve()),
      );
      bootOnly.push(performance.now() - t0);
    }
  } finally {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const m = (name: keyof typeof variants, key: keyof Run) => median(runs[name].map((r) => r[key]));
  const range = (name: keyof typeof variants) => {
    const xs = runs[name].map((r) => r.startToRequest);
    return `${fmtMs(min(xs))} – ${fmtMs(max(xs))}`;
  };
  const ours = m("ours", "startToRequest");
  const naive = m("naive", "startToRequest");
  const rows = [
    {
      measure: `cold start to first request (median of ${RUNS})`,
      ours: fmtMs(ours),
      baseline: fmtMs(naive),
      goal: "< 150 ms",
      verdict: verdict(ours < 150),
      why:
        ours < 150
          ? undefined
          : `configure + check take ${fmtMs(m("ours", "configureCheck"))} (the first check requires ajv and ` +
            `compiles the input schema; the baseline's validator arrives precompiled in its __provider, ` +
            `${fmtMs(m("naive", "configureCheck"), 1)}), on top of Node's own ${fmtMs(m("ours", "boot"))} start-up`,
    },
  ];
  const line = (label: string, key: keyof Run) => [
    label,
    fmtMs(m("ours", key), 1),
    fmtMs(m("naive", key), 1),
  ];
  const details = [
    "A fresh `node` process (working directory = the repository, as Pulumi's provider process has the project " +
      "directory) loads the `__provider` text with `require-from-string` and calls `handler()`, as Pulumi's " +
      "dynamic-provider host does, then `configure` (empty stack config; token and URL from the environment for " +
      "both), `check` and `create` against the emulator, which timestamps the request on arrival. " +
      `Medians of ${RUNS} runs each, ours and the baseline alternating. Pulumi's own provider host ` +
      "(`pulumi-resource-pulumi-nodejs`, loading @pulumi/pulumi and its gRPC server) starts before any of this " +
      "and is the same for both; it is not included.",
    "",
    mdTable(
      ["median, ms", "ours", "naive baseline"],
      [
        line("process start → first request (the figure)", "startToRequest"),
        line("spawn() → first request (adds fork/exec)", "spawnToRequest"),
        line("Node start-up (process start → first line of the script)", "boot"),
        line("load `__provider` (require-from-string + handler())", "load"),
        line("configure + check", "configureCheck"),
        line("create() → request arrives", "toRequest"),
      ],
    ),
    "",
    `For scale: an empty \`node -e 0\` takes ${fmtMs(median(bootOnly))} from spawn to exit (median; ` +
      `fastest ${fmtMs(min(bootOnly))}). Range over the runs (fastest – slowest): ours ${range("ours")}, naive ` +
      `${range("naive")}. The figure moves with the machine's load (see the note at the top): it is CPU-bound.`,
  ].join("\n");
  return {
    id: 2,
    title: "Cold start: fresh process to first request",
    baseline: "the naive provider's serialized __provider, same steps",
    rows,
    details,
    durationMs: performance.now() - started,
  };
}
