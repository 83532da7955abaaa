/**
 * Runs one Pulumi operation on an existing stack through the Automation API (inline program, so no
 * `pulumi-language-nodejs` is needed) and prints the result as one JSON line on stdout. The CLI's own output
 * (progress, diagnostics, the dynamic provider's console output) is streamed to stderr as it arrives.
 *
 *   node dist/scripts/run-stack.js <preview|up|refresh|destroy|outputs|export> \
 *     --work-dir <dir holding Pulumi.yaml> --stack <name> [--program <module>] [--export <name>] \
 *     [--pulumi-bin <dir holding pulumi>] [--clear-pending-creates]
 *
 * `--program` is a module exporting the program function as `program` (or `--export <name>`, or `default`).
 * A `.ts` module is transpiled on the fly with the project's `typescript` (no type checking), so test fixtures
 * can be used without a build step. The stack must already exist in the backend named by Pulumi.yaml /
 * PULUMI_BACKEND_URL; PULUMI_HOME, PULUMI_CONFIG_PASSPHRASE and any provider env vars come from the environment.
 * Exit code: 0 when the operation succeeded, 1 when it failed (the JSON then has `ok: false` and `error`),
 * 2 for bad usage.
 *
 * The module also exports the helpers the e2e harness (tests/e2e/harness.ts) shares with this runner.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  EngineEvent,
  LocalWorkspace,
  OutputMap,
  PulumiCommand,
  PulumiFn,
  Stack,
} from "@pulumi/pulumi/automation";

export type OperationKind = "preview" | "up" | "refresh" | "destroy";

/** One resource step seen in the engine's event stream. */
export interface StepRecord {
  op: string;
  urn: string;
  type: string;
  /** "done" when the engine reported the step's outputs, "failed" when it reported a failure. */
  status: "done" | "failed";
}

export interface DiagnosticRecord {
  severity: string;
  message: string;
  urn?: string;
}

export interface OperationResult {
  kind: OperationKind;
  ok: boolean;
  /** The engine's own change counts. They include the `pulumi:pulumi:Stack` resource. */
  summary: Record<string, number>;
  /**
   * Change counts over the program's own resources only: the stack resource and provider resources
   * (`pulumi:providers:*`) are left out, so one new dynamic resource gives `{create: 1}`.
   */
  changes: Record<string, number>;
  steps: StepRecord[];
  /** Diagnostics other than debug ones: includes the dynamic provider's console output (severity info / info#err). */
  diagnostics: DiagnosticRecord[];
  /** Stack outputs after a successful `up` (plain values; secrets are included in plaintext). */
  outputs?: Record<string, unknown>;
  stdout: string;
  stderr: string;
  /** The CLI's error text when `ok` is false (exit code, stdout and stderr of the failed command). */
  error?: string;
  durationMs: number;
}

export interface RunOperationOptions {
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
  /** Passed to `pulumi refresh` (`--clear-pending-creates`) to drop creates left pending by a killed run. */
  clearPendingCreates?: boolean;
  /** Fail if the operation would change anything (`--expect-no-changes`; up, preview and refresh). */
  expectNoChanges?: boolean;
}

/** Walks up from `start` to the directory whose package.json names this project. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, "utf8")).name === "pulumi-intercom-export") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the pulumi-intercom-export package root above ${start}`);
    dir = parent;
  }
}

let cachedBinDir: string | undefined;

/**
 * The directory holding `pulumi` and `pulumi-resource-pulumi-nodejs`: `$PULUMI_CLI_BIN_DIR` if set, otherwise the last
 * stdout line of scripts/ensure-pulumi.sh (which builds the CLI on first use).
 */
export function pulumiBinDir(repoRoot: string = findRepoRoot()): string {
  if (cachedBinDir) return cachedBinDir;
  const fromEnv = process.env.PULUMI_CLI_BIN_DIR;
  if (fromEnv && fs.existsSync(path.join(fromEnv, "pulumi"))) {
    cachedBinDir = fromEnv;
    return fromEnv;
  }
  const out = execFileSync("bash", [path.join(repoRoot, "scripts", "ensure-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = out.trim().split("\n");
  const dir = lines[lines.length - 1]?.trim();
  if (!dir || !fs.existsSync(path.join(dir, "pulumi"))) {
    throw new Error(`scripts/ensure-pulumi.sh did not print a directory holding pulumi (got: ${out})`);
  }
  cachedBinDir = dir;
  return dir;
}

/** `PulumiCommand.get` wants the parent of `bin/`. The CLI's version is not validated (ours is built from source). */
export async function getPulumiCommand(binDir: string): Promise<PulumiCommand> {
  return PulumiCommand.get({ root: path.dirname(binDir), skipVersionCheck: true });
}

/** Picks the program function out of a loaded module. */
export function pickProgram(
  mod: Record<string, unknown>,
  exportName?: string,
  from = "program module",
): PulumiFn {
  const candidate = exportName ? mod[exportName] : (mod.program ?? mod.default);
  if (typeof candidate !== "function") {
    throw new Error(
      `${from} has no function export ${exportName ? `'${exportName}'` : "'program' or 'default'"}`,
    );
  }
  return candidate as PulumiFn;
}

const IGNORED_TYPES = (type: string) =>
  type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");

/** Collects steps, diagnostics and the summary from the engine's event stream. */
export class EventCollector {
  readonly steps: StepRecord[] = [];
  readonly diagnostics: DiagnosticRecord[] = [];
  summary: Record<string, number> | undefined;

  readonly onEvent = (event: EngineEvent): void => {
    if (event.resOutputsEvent) {
      const m = event.resOutputsEvent.metadata;
      this.steps.push({ op: m.op, urn: m.urn, type: m.type, status: "done" });
    } else if (event.resOpFailedEvent) {
      const m = event.resOpFailedEvent.metadata;
      this.steps.push({ op: m.op, urn: m.urn, type: m.type, status: "failed" });
    } else if (event.diagnosticEvent) {
      const d = event.diagnosticEvent;
      if ((d.severity as string) !== "debug") {
        this.diagnostics.push({ severity: d.severity, message: d.message, urn: d.urn || undefined });
      }
    } else if (event.summaryEvent) {
      this.summary = { ...event.summaryEvent.resourceChanges } as Record<string, number>;
    }
  };

  changes(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.steps) {
      if (IGNORED_TYPES(s.type)) continue;
      const key = s.status === "failed" ? `${s.op}-failed` : s.op;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }
}

function plainOutputs(map: OutputMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) out[k] = v.value;
  return out;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || String(e);
  return String(e);
}

/**
 * Runs one operation and never throws for a failing CLI command: the result has `ok: false` and `error` instead.
 * Programming errors of the caller (e.g. a stack that does not exist) surface the same way.
 */
export async function runOperation(
  stack: Stack,
  kind: OperationKind,
  opts: RunOperationOptions = {},
): Promise<OperationResult> {
  const collector = new EventCollector();
  let stdout = "";
  let stderr = "";
  const onOutput = (s: string) => {
    stdout += s;
    opts.onOutput?.(s);
  };
  const onError = (s: string) => {
    stderr += s;
    opts.onOutput?.(s);
  };
  const common = {
    onOutput,
    onError,
    onEvent: collector.onEvent,
    signal: opts.signal,
    color: "never" as const,
  };
  const started = Date.now();
  const base = { kind, steps: collector.steps, diagnostics: collector.diagnostics };
  try {
    let summary: Record<string, number> | undefined;
    let outputs: Record<string, unknown> | undefined;
    switch (kind) {
      case "preview": {
        const r = await stack.preview({ ...common, expectNoChanges: opts.expectNoChanges });
        summary = r.changeSummary as Record<string, number>;
        break;
      }
      case "up": {
        const r = await stack.up({ ...common, expectNoChanges: opts.expectNoChanges });
        summary = r.summary.resourceChanges as Record<string, number> | undefined;
        outputs = plainOutputs(r.outputs);
        break;
      }
      case "refresh": {
        const r = await stack.refresh({
          ...common,
          expectNoChanges: opts.expectNoChanges,
          clearPendingCreates: opts.clearPendingCreates,
        });
        summary = r.summary.resourceChanges as Record<string, number> | undefined;
        break;
      }
      case "destroy": {
        const r = await stack.destroy(common);
        summary = r.summary.resourceChanges as Record<string, number> | undefined;
        break;
      }
    }
    return {
      ...base,
      ok: true,
      summary: summary ?? collector.summary ?? {},
      changes: collector.changes(),
      outputs,
      stdout,
      stderr,
      durationMs: Date.now() - started,
    };
  } catch (e) {
    return {
      ...base,
      ok: false,
      summary: collector.summary ?? {},
      changes: collector.changes(),
      stdout,
      stderr,
      error: errorText(e),
      durationMs: Date.now() - started,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// TypeScript modules without ts-node: transpile-only, with the compiler options of the project's tsconfig.json.

type TsModule = typeof import("typescript");

let tsOptions: import("typescript").CompilerOptions | undefined;

function compilerOptions(ts: TsModule, repoRoot: string): import("typescript").CompilerOptions {
  if (tsOptions) return tsOptions;
  const configPath = path.join(repoRoot, "tsconfig.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, repoRoot);
  tsOptions = {
    ...parsed.options,
    module: ts.ModuleKind.CommonJS,
    sourceMap: false,
    inlineSourceMap: true,
    inlineSources: false,
    declaration: false,
    noEmit: false,
  };
  return tsOptions;
}

/** Transpiles one TypeScript file to CommonJS (no type checking). */
export function transpileTs(file: string, repoRoot: string = findRepoRoot()): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts: TsModule = require("typescript");
  const source = fs.readFileSync(file, "utf8");
  return ts.transpileModule(source, { compilerOptions: compilerOptions(ts, repoRoot), fileName: file })
    .outputText;
}

/** Makes `require("x.ts")` work in this process by transpiling on the fly. */
export function registerTsRequireHook(repoRoot: string = findRepoRoot()): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require("module") as {
    _extensions: Record<string, (m: { _compile(code: string, file: string): void }, file: string) => void>;
  };
  if (Module._extensions[".ts"]) return;
  Module._extensions[".ts"] = (m, file) => m._compile(transpileTs(file, repoRoot), file);
}

// ---------------------------------------------------------------------------------------------------------------
// CLI

interface CliArgs {
  op: string;
  workDir?: string;
  stack?: string;
  program?: string;
  exportName?: string;
  pulumiBin?: string;
  clearPendingCreates: boolean;
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { op: argv[0] ?? "", clearPendingCreates: false };
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--work-dir":
        args.workDir = value();
        break;
      case "--stack":
        args.stack = value();
        break;
      case "--program":
        args.program = value();
        break;
      case "--export":
        args.exportName = value();
        break;
      case "--pulumi-bin":
        args.pulumiBin = value();
        break;
      case "--clear-pending-creates":
        args.clearPendingCreates = true;
        break;
      default:
        throw new Error(`unknown argument ${flag}`);
    }
  }
  return args;
}

const USAGE =
  "usage: run-stack <preview|up|refresh|destroy|outputs|export> --work-dir DIR --stack NAME " +
  "[--program MODULE] [--export NAME] [--pulumi-bin DIR] [--clear-pending-creates]";

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
    if (!["preview", "up", "refresh", "destroy", "outputs", "export"].includes(args.op)) {
      throw new Error(`unknown operation '${args.op}'`);
    }
    if (!args.workDir || !args.stack) throw new Error("--work-dir and --stack are required");
    if (["preview", "up"].includes(args.op) && !args.program) throw new Error(`${args.op} needs --program`);
  } catch (e) {
    process.stderr.write(`${errorText(e)}\n${USAGE}\n`);
    return 2;
  }
  const repoRoot = findRepoRoot();
  const binDir = args.pulumiBin ?? pulumiBinDir(repoRoot);
  process.env.PATH = `${binDir}${path.delimiter}${process.env.PATH ?? ""}`;
  const pulumiCommand = await getPulumiCommand(binDir);

  let program: PulumiFn | undefined;
  if (args.program) {
    const modulePath = path.resolve(args.program);
    if (modulePath.endsWith(".ts")) registerTsRequireHook(repoRoot);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program = pickProgram(require(modulePath) as Record<string, unknown>, args.exportName, modulePath);
  }
  const workDir = path.resolve(args.workDir);
  const ws = await LocalWorkspace.create({
    workDir,
    program,
    pulumiCommand,
    pulumiHome: process.env.PULUMI_HOME,
  });
  const stack = await Stack.select(args.stack, ws);

  if (args.op === "outputs") {
    process.stdout.write(JSON.stringify({ ok: true, outputs: plainOutputs(await stack.outputs()) }) + "\n");
    return 0;
  }
  if (args.op === "export") {
    process.stdout.write(JSON.stringify({ ok: true, state: await stack.exportStack() }) + "\n");
    return 0;
  }
  const result = await runOperation(stack, args.op as OperationKind, {
    onOutput: (s) => process.stderr.write(s),
    clearPendingCreates: args.clearPendingCreates,
  });
  process.stdout.write(JSON.stringify({ ...result, pid: process.pid }) + "\n");
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stdout.write(
        JSON.stringify({ ok: false, error: e instanceof Error ? e.stack : String(e) }) + "\n",
      );
      process.exitCode = 1;
    },
  );
}
