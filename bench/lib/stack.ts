/**
 * A throw-away Pulumi stack run under the real CLI (scripts/ensure-pulumi.sh) through the Automation API, with a
 * private PULUMI_HOME and a `file://` backend in a temp dir, as the e2e harness does. The project's main dir is
 * the repository root, so the dynamic-provider process loads this checkout's build.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Deployment, LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { getPulumiCommand, OperationResult, pulumiBinDir, runOperation } from "../../scripts/run-stack";
import { REPO_ROOT, tempDir } from "./util";

export interface BenchStack {
  stack: Stack;
  stateDir: string;
  up(): Promise<OperationResult>;
  destroy(): Promise<OperationResult>;
  exportState(): Promise<Deployment>;
  /** The checkpoint file as stored by the file backend. */
  checkpointPath(): string;
  cleanup(): Promise<void>;
}

export function pulumiCliVersion(): string {
  return execFileSync(path.join(pulumiBinDir(REPO_ROOT), "pulumi"), ["version"], { encoding: "utf8" }).trim();
}

export async function createBenchStack(
  name: string,
  program: PulumiFn,
  env: Record<string, string>,
): Promise<BenchStack> {
  const binDir = pulumiBinDir(REPO_ROOT);
  const pulumiCommand = await getPulumiCommand(binDir);
  const root = tempDir(`stack-${name}`);
  const workDir = path.join(root, "work");
  const pulumiHome = path.join(root, "home");
  const stateDir = path.join(root, "state");
  for (const d of [workDir, pulumiHome, stateDir]) fs.mkdirSync(d);
  const envVars: Record<string, string> = {
    PULUMI_HOME: pulumiHome,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "bench-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    ...env,
  };
  const stack = await LocalWorkspace.createStack(
    { projectName: name, stackName: "bench", program },
    {
      pulumiCommand,
      workDir,
      pulumiHome,
      envVars,
      projectSettings: { name, runtime: "nodejs", main: REPO_ROOT, backend: { url: `file://${stateDir}` } },
    },
  );
  const op = async (kind: "up" | "destroy") => {
    const r = await runOperation(stack, kind, { signal: AbortSignal.timeout(300_000) });
    if (!r.ok) throw new Error(`pulumi ${kind} of ${name} failed:\n${r.error}`);
    return r;
  };
  return {
    stack,
    stateDir,
    up: () => op("up"),
    destroy: () => op("destroy"),
    exportState: () => stack.exportStack(),
    checkpointPath: () => path.join(stateDir, ".pulumi", "stacks", name, "bench.json"),
    async cleanup() {
      try {
        await stack.workspace.removeStack("bench", { force: true });
      } catch {
        // best effort
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
