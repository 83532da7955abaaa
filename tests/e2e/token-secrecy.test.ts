/**
 * E2E test 8 of issue 3: the access token leaves no trace in the exported state (`pulumi stack export`), the raw
 * checkpoint (and its backups and history), any file the CLI or the provider wrote, the CLI output, or the
 * provider's log lines (which the engine forwards into the CLI output), whether it comes from SECRET stack config
 * or from the environment. Also: `__provider` in state is the small fixed loader text.
 *
 * Each case uses its own distinctive token, accepted by the emulator, so any copy of it anywhere is found by a
 * plain substring search. Run alone: `npx jest tests/e2e/token-secrecy.test.ts --selectProjects e2e`.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { Emulator, startEmulator } from "../../emulator";
import { CONTENT_DATA_EXPORT_TYPE, PROVIDER_MODULE_TEXT } from "../../provider";
import { EMULATOR_TIMINGS, exportProgram } from "./fixtures/export-program";
import { cleanupAll, createTestStack, TestStack } from "./harness";

jest.setTimeout(180_000);

const CONFIG_TOKEN = "tok_e2e_SECRETCFG_9f4c2a71d3b8e605";
const ENV_TOKEN = "tok_e2e_ENVONLY_1b7d93e0c4a5f286";

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ ...EMULATOR_TIMINGS, tokens: [CONFIG_TOKEN, ENV_TOKEN] });
});

afterAll(async () => {
  await cleanupAll();
  await emu?.close();
});

beforeEach(() => emu.reset());

/** Every file under `dir` (recursively) whose bytes contain `needle`, as paths relative to `dir`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && fs.readFileSync(p).includes(needle)) hits.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return hits;
}

/** `pulumi stack export` as a user runs it (the Automation API's exportStack adds --show-secrets). */
async function plainExport(s: TestStack): Promise<string> {
  const pulumi = path.join(s.env.PULUMI_CLI_BIN_DIR, "pulumi");
  const { stdout } = await promisify(execFile)(pulumi, ["stack", "export", "--stack", s.stackName], {
    cwd: s.workDir,
    env: { ...process.env, ...s.env },
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** The checks of test 8, after the operations so far. */
async function expectNoTrace(s: TestStack, token: string): Promise<void> {
  expect(s.rawState()).not.toContain(token);
  expect(await plainExport(s)).not.toContain(token);
  // `exportState()` (--show-secrets) decrypts secrets: a token from secret config then shows up, by Pulumi's
  // design, only as the decrypted config of the default `pulumi:providers:pulumi-nodejs` provider (the engine
  // hands stack config to dynamic providers). Nowhere else: not in our resource, not in the stack outputs.
  const shown = (await s.exportState()).deployment as { resources?: { type: string }[] };
  const elsewhere = (shown.resources ?? []).filter((r) => !r.type.startsWith("pulumi:providers:"));
  expect(JSON.stringify(elsewhere)).not.toContain(token);
  // All CLI output of every operation, including the provider's log lines (engine diagnostics).
  expect(s.logs).not.toContain(token);
  for (const op of s.history) {
    expect(JSON.stringify(op.diagnostics)).not.toContain(token);
    expect(op.stdout + op.stderr + (op.error ?? "")).not.toContain(token);
  }
  // Anything the CLI and the provider wrote: state, backups, history, PULUMI_HOME, the workspace.
  expect(filesContaining(s.rootDir, token)).toEqual([]);
}

/** `__provider` (inputs and outputs) is the fixed loader module: under 1 KB, no token, no endpoint. */
async function expectSmallFixedProvider(s: TestStack, token: string): Promise<void> {
  const [res] = await s.resources(CONTENT_DATA_EXPORT_TYPE);
  for (const stored of [res.inputs?.__provider, res.outputs?.__provider]) {
    expect(stored).toBe(PROVIDER_MODULE_TEXT);
    expect(Buffer.byteLength(String(stored))).toBeLessThan(1024);
    expect(String(stored)).not.toContain(token);
    expect(String(stored)).not.toContain(String(emu.port));
  }
}

async function withStack(
  name: string,
  opts: Parameters<typeof createTestStack>[0],
  fn: (s: TestStack) => Promise<void>,
): Promise<void> {
  const s = await createTestStack({ ...opts, name });
  try {
    await fn(s);
  } catch (e) {
    process.stderr.write(`\n----- CLI output of stack ${name} -----\n${s.logs}\n-----\n`);
    throw e;
  } finally {
    await s.cleanup();
  }
}

test("8a. token as SECRET stack config (no env token): up, refresh, destroy leave no trace of it", async () => {
  await withStack(
    "secret-config-token",
    {
      name: "",
      program: exportProgram({ cancelOnDelete: true }),
      config: {
        "intercom:accessToken": { value: CONFIG_TOKEN, secret: true },
        "intercom:baseUrl": emu.url,
      },
      // Blank anything inherited from jest's environment: the token must come from the stack config.
      env: {
        INTERCOM_ACCESS_TOKEN: "",
        INTERCOM_BASE_URL: "",
        INTERCOM_REGION: "",
        INTERCOM_API_VERSION: "",
      },
    },
    async (s) => {
      // The workspace stores the secret encrypted.
      const stackConfig = fs.readFileSync(path.join(s.workDir, `Pulumi.${s.stackName}.yaml`), "utf8");
      expect(stackConfig).toMatch(/intercom:accessToken:\s+secure: /);

      const up = await s.up();
      expect(up.outputs).toMatchObject({ status: "completed", endpoint: emu.url });
      await s.refresh();
      // The token was used (every request authenticated with it) and the provider did log.
      expect(emu.requests.length).toBeGreaterThanOrEqual(3);
      expect(emu.requests.every((r) => r.auth === "valid")).toBe(true);
      expect(s.logs).toContain("[intercom-export] started content data export job");
      await expectSmallFixedProvider(s, CONFIG_TOKEN);
      await expectNoTrace(s, CONFIG_TOKEN);

      await s.destroy();
      await expectNoTrace(s, CONFIG_TOKEN);
    },
  );
});

test("8b. token only in INTERCOM_ACCESS_TOKEN: up, refresh, destroy (with a cancel) leave no trace of it", async () => {
  emu.configure({ pendingMs: 120_000 }); // a job still pending at destroy, so destroy sends an authenticated cancel
  await withStack(
    "env-token",
    {
      name: "",
      program: exportProgram({ waitForCompletion: false, cancelOnDelete: true }),
      env: {
        INTERCOM_ACCESS_TOKEN: ENV_TOKEN,
        INTERCOM_BASE_URL: emu.url,
        INTERCOM_REGION: "",
        INTERCOM_API_VERSION: "",
      },
    },
    async (s) => {
      const up = await s.up();
      expect(up.outputs).toMatchObject({ status: "pending" });
      await s.refresh();
      await expectSmallFixedProvider(s, ENV_TOKEN);
      await expectNoTrace(s, ENV_TOKEN);

      await s.destroy();
      expect(emu.requests.map((r) => [r.route, r.auth])).toEqual([
        ["create", "valid"],
        ["status", "valid"],
        ["cancel", "valid"],
      ]);
      expect(emu.listJobs()[0].status).toBe("canceled");
      await expectNoTrace(s, ENV_TOKEN);
    },
  );
});

test("a wrong token in secret config: up fails with the 401 message, without echoing the token", async () => {
  const wrong = "tok_e2e_WRONG_0d6e2f8a9b1c3e57";
  await withStack(
    "wrong-secret-token",
    {
      name: "",
      program: exportProgram(),
      config: { "intercom:accessToken": { value: wrong, secret: true }, "intercom:baseUrl": emu.url },
      env: {
        INTERCOM_ACCESS_TOKEN: "",
        INTERCOM_BASE_URL: "",
        INTERCOM_REGION: "",
        INTERCOM_API_VERSION: "",
      },
    },
    async (s) => {
      const r = await s.expectFailure("up");
      expect(r.error).toMatch(/HTTP 401 unauthorized: Access Token Invalid/);
      expect(emu.listJobs()).toEqual([]);
      expect(await s.resources()).toEqual([]);
      await expectNoTrace(s, wrong);
    },
  );
});
