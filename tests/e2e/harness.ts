/**
 * E2E harness: runs Pulumi programs under the REAL Pulumi CLI (built by scripts/ensure-pulumi.sh), offline.
 *
 * Programs run through the Automation API with inline programs, directly inside the jest process: the CLI connects
 * back to a language runtime served by this process (`pulumi up --client=...`), so no `pulumi-language-nodejs` is
 * needed. Dynamic providers are serialized from the (ts-jest transpiled) program code and run by the CLI in a
 * separate `pulumi-resource-pulumi-nodejs` process whose cwd is `mainDir` (default: the repo root), so their
 * `require`s resolve from the repo's node_modules.
 *
 * Each stack gets its own temp dir with a private PULUMI_HOME, a `file://` state backend and the workspace dir
 * (Pulumi.yaml, Pulumi.<stack>.yaml). Nothing touches ~/.pulumi or the network.
 *
 *   const s = await createTestStack({ name: "basic", program: () => ..., env: { INTERCOM_BASE_URL: url } });
 *   expect((await s.up()).changes).toEqual({ create: 1 });
 *   await s.cleanup();
 *
 * For a test that kills `pulumi up` mid-flight, `s.spawn("up")` runs scripts/run-stack.ts in a child Node process
 * (its own process group, so `kill()` takes down the CLI and the provider process too).
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, Deployment, LocalWorkspace, OutputMap, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import {
  findRepoRoot,
  getPulumiCommand,
  OperationKind,
  OperationResult,
  pickProgram,
  pulumiBinDir,
  runOperation,
  transpileTs,
} from "../../scripts/run-stack";

export type { OperationKind, OperationResult, StepRecord, DiagnosticRecord } from "../../scripts/run-stack";

export const REPO_ROOT = findRepoRoot(__dirname);

/** A config value; a plain string is a non-secret value. */
export type ConfigInput = string | { value: string; secret?: boolean };

export interface TestStackOptions {
  /** Used for the project name (sanitized) and the temp dir name. */
  name: string;
  /**
   * The program: a function, or the path of a module (TS or JS) exporting it as `program` / `default` /
   * `programExport`. Only a module path can also be run by `spawn()` in a child process.
   */
  program: PulumiFn | string;
  programExport?: string;
  /** Stack config. Keys without a namespace get the project name as namespace (as `pulumi config set` does). */
  config?: Record<string, ConfigInput>;
  /**
   * Extra env vars for the CLI and hence the dynamic provider process (e.g. INTERCOM_ACCESS_TOKEN,
   * INTERCOM_BASE_URL). The CLI also inherits this process's environment; pass "" to blank an inherited var.
   */
  env?: Record<string, string>;
  /** The project's `main` dir = cwd of the dynamic provider process. Default: the repo root (has node_modules). */
  mainDir?: string;
  /** Default "test". */
  stackName?: string;
  /** Per-operation timeout; the CLI gets SIGINT when it is exceeded. Default 240 s. */
  opTimeoutMs?: number;
  /** Stream CLI output to stderr while it runs. Default: env E2E_VERBOSE=1. */
  verbose?: boolean;
  /** Default "e2e-test-passphrase". */
  passphrase?: string;
}

export interface OperationOptions {
  /** `pulumi refresh --clear-pending-creates` (after a killed `up`). */
  clearPendingCreates?: boolean;
  /** Fail if anything would change (`--expect-no-changes`; not for destroy). */
  expectNoChanges?: boolean;
}

export interface ChildRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The runner's JSON result (absent if the process was killed before it printed it). */
  result?: OperationResult & { pid: number };
}

export interface ChildRun {
  /** pid of the runner (also its process group id). */
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the child printed so far (the CLI's output is on stderr). */
  output(): string;
  /** Resolves once the child's output matches; rejects on timeout or if the child exits first. */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Kills the runner's process group (the runner and the pulumi CLI) and, unless `providers: false`, every other
   * descendant too: the engine starts plugins such as the dynamic provider in their own process groups, and a Node
   * dynamic provider outlives a killed CLI (it keeps running the interrupted create). Default signal SIGKILL.
   */
  kill(signal?: NodeJS.Signals, opts?: { providers?: boolean }): void;
  /** Settles when the runner exits (never rejects). */
  readonly done: Promise<ChildRunResult>;
}

export interface SpawnOptions {
  /** A module path; defaults to the stack's program when that is a module path. */
  program?: string;
  programExport?: string;
  /** Env vars on top of the stack's env. */
  env?: Record<string, string>;
  clearPendingCreates?: boolean;
}

export interface TestStack {
  readonly stack: Stack;
  readonly projectName: string;
  readonly stackName: string;
  /** The temp dir holding everything below. */
  readonly rootDir: string;
  /** Workspace dir (Pulumi.yaml, Pulumi.<stack>.yaml). */
  readonly workDir: string;
  /** Private PULUMI_HOME. */
  readonly pulumiHome: string;
  /** `file://` backend dir; the checkpoint is at `<stateDir>/.pulumi/stacks/<project>/<stack>.json`. */
  readonly stateDir: string;
  /** The env given to every CLI run (on top of process.env). */
  readonly env: Readonly<Record<string, string>>;
  /** All CLI stdout/stderr text of every operation so far (provider console output appears under Diagnostics). */
  readonly logs: string;
  /** Results of every operation so far, in order. */
  readonly history: readonly OperationResult[];

  preview(opts?: OperationOptions): Promise<OperationResult>;
  up(opts?: OperationOptions): Promise<OperationResult>;
  refresh(opts?: OperationOptions): Promise<OperationResult>;
  destroy(): Promise<OperationResult>;
  /** Runs an operation that must fail; returns its result (`error` has the CLI's text). Throws if it succeeded. */
  expectFailure(kind: OperationKind, opts?: OperationOptions): Promise<OperationResult & { error: string }>;
  /** Runs an operation and returns its result whether it failed or not. */
  run(kind: OperationKind, opts?: OperationOptions): Promise<OperationResult>;

  /** Stack outputs as plain values (secrets in plaintext). */
  outputs(): Promise<Record<string, unknown>>;
  /** Stack outputs with their secret flags. */
  outputMap(): Promise<OutputMap>;
  /** `pulumi stack export` (secrets stay encrypted): `{version, deployment}`. */
  exportState(): Promise<Deployment>;
  /** `pulumi stack import`. */
  importState(state: Deployment): Promise<void>;
  /** The program's resources in state (no stack / provider resources), optionally only those of one type. */
  resources(type?: string): Promise<StateResource[]>;
  /** The raw checkpoint file text as stored by the file backend (to check what is persisted, e.g. no plaintext secret). */
  rawState(): string;
  setConfig(key: string, value: ConfigInput): Promise<void>;
  removeConfig(key: string): Promise<void>;
  /** Replaces the program used by later in-process operations. */
  setProgram(program: PulumiFn | string, programExport?: string): void;
  /** Removes a stale lock left by a killed run (`pulumi cancel`). */
  cancel(): Promise<void>;

  /** Runs one operation in a child Node process (scripts/run-stack.ts), e.g. to SIGKILL it mid-flight. */
  spawn(kind: OperationKind, opts?: SpawnOptions): Promise<ChildRun>;

  /**
   * Kills children still running, destroys what is left in state, removes the stack and deletes the temp dirs.
   * Never throws.
   */
  cleanup(): Promise<void>;
}

/** A resource as stored in the deployment. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  [key: string]: unknown;
}

const liveStacks = new Set<TestStack>();

/** Cleans up every stack created by this module that was not cleaned up yet (for `afterAll`). */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...liveStacks].map((s) => s.cleanup()));
}

/** pid → parent pid for every process, from /proc (Linux). Empty where /proc is not available. */
function processParents(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return parents;
  }
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(e), Number(fields[1]));
    } catch {
      // the process went away
    }
  }
  return parents;
}

/** The pids of all live descendants of `pid` (not including `pid`). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [p, pp] of processParents()) children.set(pp, [...(children.get(pp) ?? []), p]);
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** True while `pid` runs (a zombie, i.e. exited but not yet reaped, counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return !fs.existsSync("/proc/self"); // no /proc: trust kill(0)
    } catch {
      return false;
    }
  }
}

function killTree(pid: number, signal: NodeJS.Signals, includeOtherGroups: boolean): void {
  // Collect first: once the CLI dies, its plugins are re-parented and can no longer be found from `pid`.
  const others = includeOtherGroups ? descendants(pid) : [];
  for (const target of [-pid, ...others]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^-+/, "") || "e2e";
}

function loadProgram(program: PulumiFn | string, exportName?: string): PulumiFn {
  if (typeof program === "function") return program;
  const modulePath = path.resolve(REPO_ROOT, program);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return pickProgram(require(modulePath) as Record<string, unknown>, exportName, modulePath);
}

function toConfigMap(config: Record<string, ConfigInput>): ConfigMap {
  const out: ConfigMap = {};
  for (const [k, v] of Object.entries(config)) {
    out[k] = typeof v === "string" ? { value: v } : { value: v.value, secret: v.secret ?? false };
  }
  return out;
}

/** Transpiles scripts/run-stack.ts into dist/.e2e-runner/ when the source changed; returns the JS path. */
export function runnerScript(): string {
  const src = path.join(REPO_ROOT, "scripts", "run-stack.ts");
  const out = path.join(REPO_ROOT, "dist", ".e2e-runner", "run-stack.js");
  const source = fs.readFileSync(src, "utf8");
  const stamp = `// source-sha256: ${crypto.createHash("sha256").update(source).digest("hex")}\n`;
  if (fs.existsSync(out) && fs.readFileSync(out, "utf8").startsWith(stamp)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, stamp + transpileTs(src, REPO_ROOT));
  fs.renameSync(tmp, out);
  return out;
}

export async function createTestStack(options: TestStackOptions): Promise<TestStack> {
  const binDir = pulumiBinDir(REPO_ROOT);
  const pulumiCommand = await getPulumiCommand(binDir);
  const projectName = sanitize(options.name);
  const stackName = options.stackName ?? "test";
  const mainDir = path.resolve(options.mainDir ?? REPO_ROOT);
  const opTimeoutMs = options.opTimeoutMs ?? 240_000;
  const verbose = options.verbose ?? process.env.E2E_VERBOSE === "1";

  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), `pie-e2e-${projectName}-`));
  const workDir = path.join(rootDir, "work");
  const pulumiHome = path.join(rootDir, "home");
  const stateDir = path.join(rootDir, "state");
  for (const d of [workDir, pulumiHome, stateDir]) fs.mkdirSync(d);
  const backendUrl = `file://${stateDir}`;

  const env: Record<string, string> = {
    PULUMI_HOME: pulumiHome,
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_CONFIG_PASSPHRASE: options.passphrase ?? "e2e-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_CLI_BIN_DIR: binDir,
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    ...options.env,
  };

  let programSpec: PulumiFn | string = options.program;
  let programExport = options.programExport;
  let logs = "";
  const history: OperationResult[] = [];
  let cleanedUp = false;
  const liveChildren = new Set<ChildRun>();

  let stack: Stack;
  try {
    stack = await LocalWorkspace.createStack(
      { projectName, stackName, program: loadProgram(programSpec, programExport) },
      {
        pulumiCommand,
        workDir,
        pulumiHome,
        envVars: env,
        projectSettings: {
          name: projectName,
          runtime: "nodejs",
          main: mainDir,
          backend: { url: backendUrl },
        },
      },
    );
    if (options.config) await stack.setAllConfig(toConfigMap(options.config));
  } catch (e) {
    fs.rmSync(rootDir, { recursive: true, force: true });
    throw e;
  }

  const append = (text: string) => {
    logs += text;
    if (verbose) process.stderr.write(text);
  };

  const run = async (kind: OperationKind, opts: OperationOptions = {}): Promise<OperationResult> => {
    append(`\n=== pulumi ${kind} (${projectName}/${stackName}) ===\n`);
    const result = await runOperation(stack, kind, {
      ...opts,
      onOutput: append,
      signal: AbortSignal.timeout(opTimeoutMs),
    });
    if (!result.ok) append(`\n=== pulumi ${kind} failed ===\n`);
    history.push(result);
    return result;
  };

  const mustSucceed = async (kind: OperationKind, opts?: OperationOptions) => {
    const r = await run(kind, opts);
    if (!r.ok) throw new Error(`pulumi ${kind} failed:\n${r.error}`);
    return r;
  };

  const testStack: TestStack = {
    stack,
    projectName,
    stackName,
    rootDir,
    workDir,
    pulumiHome,
    stateDir,
    env,
    get logs() {
      return logs;
    },
    history,

    preview: (opts) => mustSucceed("preview", opts),
    up: (opts) => mustSucceed("up", opts),
    refresh: (opts) => mustSucceed("refresh", opts),
    destroy: () => mustSucceed("destroy"),
    run,
    async expectFailure(kind, opts) {
      const r = await run(kind, opts);
      if (r.ok) throw new Error(`expected pulumi ${kind} to fail, but it succeeded:\n${r.stdout}`);
      return r as OperationResult & { error: string };
    },

    async outputs() {
      const map = await stack.outputs();
      return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.value]));
    },
    outputMap: () => stack.outputs(),
    exportState: () => stack.exportStack(),
    importState: (state) => stack.importStack(state),
    async resources(type) {
      const state = await stack.exportStack();
      const all = ((state.deployment as { resources?: StateResource[] }).resources ?? []) as StateResource[];
      return all.filter(
        (r) =>
          r.type !== "pulumi:pulumi:Stack" &&
          !r.type.startsWith("pulumi:providers:") &&
          (type === undefined || r.type === type),
      );
    },
    rawState() {
      const file = path.join(stateDir, ".pulumi", "stacks", projectName, `${stackName}.json`);
      return fs.readFileSync(file, "utf8");
    },
    setConfig: (key, value) =>
      stack.setConfig(
        key,
        typeof value === "string" ? { value } : { value: value.value, secret: value.secret },
      ),
    removeConfig: (key) => stack.removeConfig(key),
    setProgram(program, exportName) {
      programSpec = program;
      programExport = exportName;
      stack.workspace.program = loadProgram(program, exportName);
    },
    cancel: () => stack.cancel(),

    async spawn(kind, opts = {}) {
      const program = opts.program ?? (typeof programSpec === "string" ? programSpec : undefined);
      if (!program && (kind === "up" || kind === "preview")) {
        throw new Error("spawn() needs a program module path (the stack's program is a function)");
      }
      const args = [
        runnerScript(),
        kind,
        "--work-dir",
        workDir,
        "--stack",
        stackName,
        "--pulumi-bin",
        binDir,
      ];
      if (program) args.push("--program", path.resolve(REPO_ROOT, program));
      const exportName = opts.programExport ?? (opts.program ? undefined : programExport);
      if (exportName) args.push("--export", exportName);
      if (opts.clearPendingCreates) args.push("--clear-pending-creates");
      append(`\n=== child: node ${args.map((a) => path.basename(a)).join(" ")} ===\n`);
      const child = spawn(process.execPath, args, {
        cwd: mainDir,
        env: { ...process.env, ...env, ...opts.env },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      const waiters = new Set<() => void>();
      const notify = () => waiters.forEach((w) => w());
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        notify();
      });
      child.stderr!.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        append(d);
        notify();
      });
      const done = new Promise<ChildRunResult>((resolve) => {
        child.on("close", (code, signal) => {
          let result: ChildRunResult["result"];
          const last = stdout.trim().split("\n").pop();
          if (last) {
            try {
              result = JSON.parse(last);
            } catch {
              result = undefined;
            }
          }
          if (result && "kind" in result) history.push(result);
          notify();
          resolve({ code, signal, stdout, stderr, result });
        });
        child.on("error", () => resolve({ code: null, signal: null, stdout, stderr }));
      });
      let exited = false;
      const output = () => stderr + stdout;
      const childRun: ChildRun = {
        pid: child.pid!,
        child,
        output,
        done,
        kill(signal = "SIGKILL", killOpts = {}) {
          killTree(child.pid!, signal, killOpts.providers ?? true);
        },
        waitForOutput(pattern, timeoutMs = 120_000) {
          const matches = () =>
            typeof pattern === "string" ? output().includes(pattern) : pattern.test(output());
          return new Promise<string>((resolve, reject) => {
            const check = () => {
              if (matches()) finish(() => resolve(output()));
              else if (exited)
                finish(() => reject(new Error(`child exited before output matched ${pattern}`)));
            };
            const timer = setTimeout(
              () => finish(() => reject(new Error(`timed out waiting for ${pattern} in child output`))),
              timeoutMs,
            );
            const finish = (f: () => void) => {
              clearTimeout(timer);
              waiters.delete(check);
              f();
            };
            waiters.add(check);
            check();
          });
        },
      };
      liveChildren.add(childRun);
      void done.then(() => {
        exited = true;
        liveChildren.delete(childRun);
      });
      return childRun;
    },

    async cleanup() {
      if (cleanedUp) return;
      cleanedUp = true;
      liveStacks.delete(testStack);
      try {
        if (liveChildren.size > 0) {
          // A test that failed before its child finished: kill it (and its CLI + provider), drop its lock.
          const running = [...liveChildren];
          running.forEach((c) => c.kill("SIGKILL"));
          await Promise.all(running.map((c) => c.done));
          await stack.cancel().catch(() => undefined);
        }
        const state = await stack.exportStack().catch(() => undefined);
        const d = (state?.deployment ?? {}) as { resources?: unknown[]; pending_operations?: unknown[] };
        if ((d.resources?.length ?? 0) > 0 || (d.pending_operations?.length ?? 0) > 0) {
          const r = await run("destroy");
          if (!r.ok) {
            // A stale lock from a killed child: cancel and retry once.
            await stack.cancel().catch(() => undefined);
            await run("destroy");
          }
        }
        await stack.workspace.removeStack(stackName, { force: true });
      } catch (e) {
        append(`\n=== cleanup error: ${e instanceof Error ? e.message : String(e)} ===\n`);
      } finally {
        if (process.env.E2E_KEEP_TMP !== "1") fs.rmSync(rootDir, { recursive: true, force: true });
      }
    },
  };
  liveStacks.add(testStack);
  return testStack;
}
