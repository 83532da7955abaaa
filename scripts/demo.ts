/**
 * The main job, end to end: `npm run demo` (after `npm ci`).
 *
 *   npm run demo              start the local Intercom emulator, `pulumi up` the root program (Pulumi.yaml,
 *                             index.ts) into the local stack `demo`, print its outputs, run `pulumi up` again
 *                             (expect no changes), stop the emulator. The stack is left in place.
 *   npm run demo -- destroy   `pulumi destroy` the demo stack and remove it.
 *
 * State lives in .demo/ (a file:// backend and a private PULUMI_HOME); nothing goes to Pulumi Cloud.
 * With INTERCOM_ACCESS_TOKEN set and INTERCOM_BASE_URL unset, the same program runs against the real Intercom
 * (region from INTERCOM_REGION) and no emulator is started.
 *
 * The real Pulumi CLI runs every operation. Programs are served to it through the Automation API (the CLI's
 * `--client` mode), because the Node.js language host cannot be built on our machines; with a full Pulumi
 * install, `npm run build && pulumi up` in this directory runs the same program.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { startEmulator, type Emulator } from "../emulator";
import { getPulumiCommand, pulumiBinDir } from "./run-stack";

const ROOT = path.resolve(__dirname, "../..");
const DEMO_DIR = path.join(ROOT, ".demo");
const STACK = "demo";
const EMULATOR_TOKEN = "demo-emulator-token";

async function main(): Promise<void> {
  const command = process.argv[2] ?? "up";
  if (command !== "up" && command !== "destroy") {
    console.error(`usage: npm run demo [-- destroy]  (got '${command}')`);
    process.exit(2);
  }
  const realIntercom = !!process.env.INTERCOM_ACCESS_TOKEN && !process.env.INTERCOM_BASE_URL;
  fs.mkdirSync(path.join(DEMO_DIR, "state"), { recursive: true });
  fs.mkdirSync(path.join(DEMO_DIR, "home"), { recursive: true });

  let emulator: Emulator | undefined;
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${path.join(DEMO_DIR, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "pulumi-intercom-export-demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  if (command === "up" && !realIntercom) {
    // A fixed port, so the stack's endpoint is the same on every run and a second demo shows no changes.
    const port = Number(process.env.DEMO_EMULATOR_PORT ?? 4010);
    try {
      emulator = await startEmulator({ port, tokens: [EMULATOR_TOKEN], pendingMs: 1500, inProgressMs: 3500 });
    } catch (e) {
      console.error(
        `could not start the emulator on port ${port} (${(e as Error).message}); set DEMO_EMULATOR_PORT`,
      );
      process.exit(1);
    }
    console.log(`[demo] Intercom emulator listening on ${emulator.url}`);
  }

  const bin = pulumiBinDir(ROOT);
  const pulumiCommand = await getPulumiCommand(bin);
  console.log(`[demo] pulumi ${pulumiCommand.version?.toString() ?? "?"} from ${bin}`);
  const program = async () => {
    const modulePath = path.join(ROOT, "dist", "index.js");
    delete require.cache[require.resolve(modulePath)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require(modulePath) as () => Promise<Record<string, unknown>>;
    return main();
  };
  const stack: Stack = await LocalWorkspace.createOrSelectStack(
    { stackName: STACK, projectName: "intercom-export", program },
    {
      workDir: ROOT,
      pulumiHome: path.join(DEMO_DIR, "home"),
      pulumiCommand,
      envVars: { ...env, PATH: `${bin}:${process.env.PATH ?? ""}` },
    },
  );

  try {
    if (command === "destroy") {
      const res = await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
      console.log(`[demo] destroy: ${JSON.stringify(res.summary.resourceChanges ?? {})}`);
      await stack.workspace.removeStack(STACK);
      console.log("[demo] stack 'demo' removed");
      return;
    }
    if (emulator) {
      await stack.setConfig("intercom:baseUrl", { value: emulator.url });
      await stack.setConfig("intercom:accessToken", { value: EMULATOR_TOKEN, secret: true });
    } else {
      console.log(
        "[demo] INTERCOM_ACCESS_TOKEN is set and INTERCOM_BASE_URL is not: running against the real Intercom",
      );
      await stack.removeConfig("intercom:baseUrl").catch(() => undefined);
      await stack.removeConfig("intercom:accessToken").catch(() => undefined);
    }

    console.log("\n[demo] pulumi up");
    const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log(`[demo] first up: ${JSON.stringify(up.summary.resourceChanges ?? {})}`);

    console.log("\n[demo] pulumi up (again: expect no changes)");
    const again = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    const changes = again.summary.resourceChanges ?? {};
    const changed = Object.entries(changes).filter(([k, n]) => k !== "same" && (n ?? 0) > 0);
    console.log(`[demo] second up: ${JSON.stringify(changes)}${changed.length === 0 ? " (no changes)" : ""}`);

    const outputs = await stack.outputs();
    console.log("\n[demo] stack outputs (pulumi stack output):");
    const keys = [
      "month",
      "jobIdentifier",
      "status",
      "downloadUrl",
      "downloadExpiresAt",
      "downloadExpiresAtIso",
      "createdAtAfter",
      "createdAtBefore",
    ];
    for (const k of keys) console.log(`  ${k.padEnd(22)} ${JSON.stringify(outputs[k]?.value)}`);
    console.log(
      `\n[demo] the stack 'demo' is left in place (state in ${path.relative(process.cwd(), DEMO_DIR) || ".demo"}/). ` +
        "Remove it with: npm run demo -- destroy",
    );
  } finally {
    await emulator?.close();
  }
}

main().catch((e) => {
  console.error(`[demo] failed: ${(e as Error).message}`);
  process.exit(1);
});
