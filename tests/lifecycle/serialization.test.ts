/**
 * The `__provider` text stored in state, loaded the way Pulumi's dynamic-provider process loads it
 * (`requireFromString(text).handler()`, working directory = the project), in a fresh Node process, then used to
 * run configure + create against the emulator. Needs the build (`npm test` builds first).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROVIDER_MODULE_TEXT } from "../../provider/provider";
import { TOKEN, useEmulator } from "../helpers/provider-env";

const ROOT = path.resolve(__dirname, "../..");
// Asynchronous on purpose: the emulator runs in this process and must keep answering while the child runs.
const run = async (script: string, o: { cwd: string; env: NodeJS.ProcessEnv }) =>
  (await promisify(execFile)(process.execPath, ["-e", script], { ...o, encoding: "utf8" })).stdout;
const env = useEmulator();

test("the built package stores the same __provider text the sources declare", () => {
  const built = path.join(ROOT, "dist/provider/provider.js");
  expect(fs.existsSync(built)).toBe(true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(require(built).PROVIDER_MODULE_TEXT).toBe(PROVIDER_MODULE_TEXT);
});

test("__provider is small, holds no token or config, and runs create in a fresh process", async () => {
  expect(Buffer.byteLength(PROVIDER_MODULE_TEXT)).toBeLessThanOrEqual(1024);
  expect(PROVIDER_MODULE_TEXT).not.toContain(TOKEN);
  expect(PROVIDER_MODULE_TEXT).not.toMatch(/127\.0\.0\.1|intercom\.io/);

  const script = `
    const requireFromString = require("require-from-string");
    const provider = requireFromString(process.env.PROVIDER_TEXT).handler();
    (async () => {
      // Stack config as the engine hands it to configure (secret values already decrypted).
      const values = { "intercom:accessToken": process.env.T, "intercom:baseUrl": process.env.U };
      await provider.configure({ config: { get: (k) => values[k], require: (k) => values[k] } });
      const inputs = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30", pollIntervalSeconds: 0.02,
                       maxPollIntervalSeconds: 0.1, __provider: process.env.PROVIDER_TEXT };
      const checked = await provider.check({}, inputs);
      const result = await provider.create(checked.inputs);
      process.stdout.write("RESULT " + JSON.stringify(result) + "\\n");
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = await run(script, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PROVIDER_TEXT: PROVIDER_MODULE_TEXT, T: TOKEN, U: env.emu.url },
  });
  const result = JSON.parse(
    out
      .split("\n")
      .find((l) => l.startsWith("RESULT "))!
      .slice(7),
  );
  expect(result.outs).toMatchObject({ status: "completed", jobIdentifier: result.id, endpoint: env.emu.url });
  expect(env.emu.requests[0]).toMatchObject({ route: "create", auth: "valid" });
  // Nothing the provider printed or returned carries the token.
  expect(out).not.toContain(TOKEN);
});

test("outside a project that has the package installed, the loader says what to do", async () => {
  const script = `try { require(process.env.RFS)(process.env.PROVIDER_TEXT).handler(); } catch (e) { console.log(e.message); }`;
  const out = await run(script, {
    cwd: os.tmpdir(),
    env: {
      PATH: process.env.PATH,
      PROVIDER_TEXT: PROVIDER_MODULE_TEXT,
      RFS: require.resolve("require-from-string"),
    },
  });
  expect(out).toMatch(/not installed in this Pulumi project: run 'npm install pulumi-intercom-export'/);
});
