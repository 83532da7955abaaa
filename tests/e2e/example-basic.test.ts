/**
 * examples/basic under the REAL Pulumi CLI against the emulator: its own program (index.js), its own installed
 * node_modules (the dynamic provider process runs in examples/basic, so `__provider` loads the packed copy of
 * this package there, as in a user's project).
 *
 * CI only runs `npm ci` at the repository root, so this test installs the example itself (`npm install` in
 * examples/basic; .npmrc there makes npm pack-and-copy `file:../..` instead of symlinking it). It reinstalls when
 * the installed copy differs from the root build (dist/provider, version, dependencies), so a rebuilt package is
 * never tested through a stale copy. Needs the build (`npm run build`) and the npm registry (or a warm npm cache).
 * Run alone: `npx jest tests/e2e/example-basic.test.ts --selectProjects e2e`.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { PulumiFn } from "@pulumi/pulumi/automation";
import { Emulator, startEmulator } from "../../emulator";
import { providerEnv } from "./fixtures/export-program";
import { cleanupAll, createTestStack, REPO_ROOT } from "./harness";

const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "basic");
const INSTALLED = path.join(EXAMPLE_DIR, "node_modules", "pulumi-intercom-export");
const TOKEN = "emulator-token";
const JUNE_1 = Date.UTC(2024, 5, 1) / 1000;
const JUNE_30 = Date.UTC(2024, 5, 30) / 1000;

jest.setTimeout(180_000);

/** A digest of what the package ships that matters at run time: dist/provider, version and dependencies. */
function packageDigest(dir: string): string | undefined {
  const hash = crypto.createHash("sha256");
  let pkg: { version?: string; dependencies?: unknown; exports?: unknown };
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  } catch {
    return undefined;
  }
  hash.update(JSON.stringify([pkg.version, pkg.dependencies, pkg.exports]));
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const entry of fs
      .readdirSync(abs, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else {
        hash.update(`${child}\0`);
        hash.update(fs.readFileSync(path.join(dir, child)));
      }
    }
  };
  if (!fs.existsSync(path.join(dir, "dist", "provider"))) return undefined;
  walk(path.join("dist", "provider"));
  return hash.digest("hex");
}

/** The example's @pulumi/pulumi matches its package.json, and its copy of this package matches the root build. */
function exampleInstallIsCurrent(): boolean {
  if (!fs.existsSync(INSTALLED) || fs.lstatSync(INSTALLED).isSymbolicLink()) return false;
  const wanted = JSON.parse(fs.readFileSync(path.join(EXAMPLE_DIR, "package.json"), "utf8")).dependencies[
    "@pulumi/pulumi"
  ];
  const pulumiPkg = path.join(EXAMPLE_DIR, "node_modules", "@pulumi", "pulumi", "package.json");
  if (!fs.existsSync(pulumiPkg) || JSON.parse(fs.readFileSync(pulumiPkg, "utf8")).version !== wanted)
    return false;
  return packageDigest(INSTALLED) === packageDigest(REPO_ROOT);
}

/** Idempotent `npm install` in examples/basic (a no-op when the install is current). */
async function ensureExampleInstalled(): Promise<void> {
  if (!fs.existsSync(path.join(REPO_ROOT, "dist", "provider", "runtime.js"))) {
    throw new Error("dist/provider is missing: run `npm run build` first (npm test does)");
  }
  if (exampleInstallIsCurrent()) return;
  // Remove the stale copy: npm would otherwise keep it (same version), whatever the root build now holds.
  fs.rmSync(INSTALLED, { recursive: true, force: true });
  // A parent `npm test` exports npm_config_* / npm_package_* for its scripts; they must not steer this install.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const started = Date.now();
  try {
    await promisify(execFile)("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock"], {
      cwd: EXAMPLE_DIR,
      env,
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `npm install in examples/basic failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`,
    );
  }
  process.stderr.write(`[example-basic] npm install in examples/basic took ${Date.now() - started} ms\n`);
  if (!exampleInstallIsCurrent()) {
    throw new Error(
      "after npm install, examples/basic/node_modules/pulumi-intercom-export still differs from the build",
    );
  }
}

let emu: Emulator;

beforeAll(async () => {
  await ensureExampleInstalled();
  emu = await startEmulator({ pendingMs: 100, inProgressMs: 300 });
}, 600_000);

afterAll(async () => {
  await cleanupAll();
  await emu?.close();
});

test("examples/basic: pulumi up exports the range and its outputs; a second up changes nothing; destroy", async () => {
  // The example's own program, loaded from its directory: it resolves pulumi-intercom-export from
  // examples/basic/node_modules, like `pulumi up` there would. Its @pulumi/pulumi is swapped for the copy this
  // jest process serves the program with (the Automation API's language runtime): two copies in one process fail
  // with "Request message serialization failure: Expected argument of type pulumirpc.RegisterResourceRequest".
  // Under a real `pulumi up` the language host loads the example's own copy only. Both are 3.248.0.
  const examplePulumi = require.resolve("@pulumi/pulumi", { paths: [EXAMPLE_DIR] });
  expect(examplePulumi.startsWith(path.join(EXAMPLE_DIR, "node_modules"))).toBe(true);
  jest.doMock(examplePulumi, () => jest.requireActual("@pulumi/pulumi"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(EXAMPLE_DIR, "index.js")) as PulumiFn;
  expect(typeof program).toBe("function");
  // What `__provider` requires in the provider process (cwd examples/basic): the example's installed copy.
  expect(require.resolve("pulumi-intercom-export/runtime", { paths: [EXAMPLE_DIR] })).toBe(
    path.join(INSTALLED, "dist", "provider", "runtime.js"),
  );

  const s = await createTestStack({
    name: "intercom-export-basic", // the example's project name, so config keys are `intercom-export-basic:*`
    program,
    mainDir: EXAMPLE_DIR,
    config: { from: "2024-06-01", to: "2024-06-30" },
    env: providerEnv(emu, { INTERCOM_ACCESS_TOKEN: TOKEN }),
  });
  try {
    const up = await s.up();
    expect(up.changes).toEqual({ create: 1 });
    const [job] = emu.listJobs();
    expect(emu.listJobs()).toHaveLength(1);
    expect(job).toMatchObject({
      status: "completed",
      range: { created_at_after: JUNE_1, created_at_before: JUNE_30 },
    });
    expect(up.outputs).toEqual({
      range: "2024-06-01 .. 2024-06-30",
      jobIdentifier: job.id,
      status: "completed",
      downloadUrl: `${emu.url}/download/content/data/${job.id}`,
      downloadExpiresAt: new Date(job.downloadExpiresAt! * 1000).toISOString(),
    });
    expect(s.logs).toContain(`started content data export job ${job.id}`);

    emu.clearRequests();
    expect((await s.up({ expectNoChanges: true })).changes).toEqual({ same: 1 });
    expect((await s.destroy()).changes).toEqual({ delete: 1 });
    expect(emu.requests).toEqual([]);
  } catch (e) {
    process.stderr.write(`\n----- CLI output -----\n${s.logs}\n-----\n`);
    throw e;
  } finally {
    await s.cleanup();
  }
});
