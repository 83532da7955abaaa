/**
 * ContentDataExportDownload's provider methods against the emulator, and its stored `__provider` text run the
 * way Pulumi's dynamic-provider process runs it (fresh process, project folder as working directory; needs
 * the build).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { STATS } from "../../emulator";
import { create as createExport } from "../../provider/lifecycle";
import {
  check,
  create,
  del,
  diff,
  downloadSeams,
  setDownloadStackConfig,
  update,
} from "../../provider/download/lifecycle";
import { DOWNLOAD_PROVIDER_MODULE_TEXT } from "../../provider/download";
import { PROVIDER_MODULE_TEXT } from "../../provider/provider";
import { UNKNOWN } from "../../provider/schema";
import { FAST, JUNE, thrown, TOKEN, useEmulator } from "../helpers/provider-env";
import { completedJob, entries, expectedRows, useTempDirs } from "./helpers";

const ROOT = path.resolve(__dirname, "../..");
const env = useEmulator({ pendingMs: 0, inProgressMs: 0 });
const tempDir = useTempDirs();
const PROVIDER = "exports.handler = function () {}";

beforeEach(() => {
  setDownloadStackConfig({});
  downloadSeams.retryDelayMs = 5;
});

const failures = async (news: Record<string, unknown>) =>
  (await check({}, { __provider: PROVIDER, ...news })).failures?.map((f) => f.property);

test("check: one of jobIdentifier/downloadUrl, a folder, sane options; unknowns pass", async () => {
  expect(await failures({ jobIdentifier: "j", outDir: "data" })).toEqual([]);
  expect(await failures({ jobIdentifier: UNKNOWN, outDir: UNKNOWN, maxAttempts: UNKNOWN })).toEqual([]);
  expect(await failures({ outDir: "data" })).toEqual(["jobIdentifier"]);
  expect(await failures({ jobIdentifier: "j", downloadUrl: "https://x/y", outDir: "d" })).toEqual([
    "downloadUrl",
  ]);
  expect(await failures({ downloadUrl: "ftp://x/y", outDir: "d" })).toEqual(["downloadUrl"]);
  expect(await failures({ jobIdentifier: "j", outDir: " " })).toEqual(["outDir"]);
  expect(await failures({ jobIdentifier: "j", outDir: "d", maxAttempts: 0, deleteOnDestroy: "yes" })).toEqual(
    ["maxAttempts", "deleteOnDestroy"],
  );
});

test("check refuses unknown (misspelled) properties, naming them, with a guess as ContentDataExport does", async () => {
  const { failures: found } = await check(
    {},
    { __provider: PROVIDER, jobIdentifier: "j", outDir: "d", maxAtempts: 2, colour: "red" },
  );
  expect(found).toEqual([
    {
      property: "maxAtempts",
      reason: expect.stringMatching(
        /^unknown property 'maxAtempts' \(did you mean 'maxAttempts'\?\); known properties: jobIdentifier, downloadUrl, outDir, maxAttempts, redownloadWhenMissing, deleteOnDestroy$/,
      ),
    },
    { property: "colour", reason: expect.stringMatching(/^unknown property 'colour'; known properties: /) },
  ]);
  // Unset outputs and unknown (preview) values are not misspellings; an unknown value under a wrong name is.
  expect(await failures({ jobIdentifier: "j", outDir: "d", files: undefined, totalRows: undefined })).toEqual(
    [],
  );
  expect(await failures({ jobIdentifier: "j", outDir: "d", deleteOnDestory: UNKNOWN })).toEqual([
    "deleteOnDestory",
  ]);
  // create checks too (a program run without preview).
  const e = await thrown(() => create({ jobIdentifier: "j", outDir: tempDir(), maxAtempts: 2 }));
  expect(e.message).toMatch(/maxAtempts: unknown property 'maxAtempts' \(did you mean 'maxAttempts'\?\)/);
  expect(env.emu.requests).toHaveLength(0);
});

test("a ContentDataExport's job id feeds the download: files, rows and sizes become outputs", async () => {
  // The export resource, as `pulumi up` creates it first…
  const exp = await createExport({ ...JUNE, ...FAST, __provider: PROVIDER_MODULE_TEXT });
  expect(exp.outs.status).toBe("completed");
  // …then the download, with `jobIdentifier: exp.jobIdentifier`.
  const out = tempDir();
  const { id, outs } = await create({
    jobIdentifier: exp.id,
    outDir: out,
    __provider: DOWNLOAD_PROVIDER_MODULE_TEXT,
  });
  expect(id).toBe(exp.id);
  const files = outs.files as {
    name: string;
    statistic: string;
    rows: number;
    file: string;
    bytes: number;
  }[];
  expect(files.map((f) => f.statistic)).toEqual([...STATS]);
  expect(entries(out)).toEqual(files.map((f) => f.name).sort());
  expect(outs).toMatchObject({
    jobIdentifier: exp.id,
    downloadUrl: "",
    outDir: out,
    outDirPath: out,
    totalRows: files.reduce((n, f) => n + f.rows, 0),
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
    maxAttempts: 3,
    redownloadWhenMissing: true,
    deleteOnDestroy: false,
  });
  expect(files[0].rows).toBe(30 * 40);
  // Plain JSON only: undefined would crash Pulumi's protobuf encoding.
  expect(JSON.parse(JSON.stringify(outs))).toEqual(outs);
  expect(env.logs.join("\n")).toContain(`downloaded 12 files to ${out}`);
});

test("by URL; a failure (expired) creates nothing and names its kind", async () => {
  const job = completedJob(env.emu);
  const url = env.emu.getJob(job.id)!.body.download_url;
  const byUrl = await create({ downloadUrl: url, outDir: tempDir() });
  expect(byUrl.id).toMatch(/^url-[0-9a-f]{16}$/);
  expect(byUrl.outs).toMatchObject({ jobIdentifier: "", downloadUrl: url, totalRows: expectedTotal(job) });

  env.emu.expireJob(job.id);
  const out = tempDir();
  const e = await thrown(() => create({ jobIdentifier: job.id, outDir: out }));
  expect(e.name).toBe("DownloadExpiredError");
  expect(e.message).toMatch(/no longer available: HTTP 404 .*Run the export again/);
  expect(e.message).not.toContain(TOKEN);
  expect(entries(out)).toEqual([]);
  // Into a folder that did not exist: it is not left behind (outDir holds what it held before: nothing).
  const parent = tempDir();
  const failed = await thrown(() => create({ jobIdentifier: job.id, outDir: path.join(parent, "exp8788") }));
  expect(failed.name).toBe("DownloadExpiredError");
  expect(entries(parent)).toEqual([]);
});

const expectedTotal = (job: ReturnType<typeof completedJob>) =>
  Object.values(expectedRows(env.emu, job)).reduce((a, b) => a + b, 0);

describe("diff, update, delete", () => {
  async function downloaded(extra: Record<string, unknown> = {}) {
    const job = completedJob(env.emu);
    const inputs = { jobIdentifier: job.id, outDir: tempDir(), __provider: PROVIDER, ...extra };
    const { outs } = await create(inputs);
    return { inputs, outs: { ...outs, __provider: PROVIDER } as Record<string, unknown> };
  }

  test("no change while the files are there; replace when one goes missing (unless told not to)", async () => {
    const { inputs, outs } = await downloaded();
    expect(await diff("id", outs, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const first = (outs.files as { file: string }[])[0].file;
    unlinkSync(first);
    expect(await diff("id", outs, inputs)).toMatchObject({ changes: true, replaces: ["files"] });
    expect(await diff("id", outs, { ...inputs, redownloadWhenMissing: false })).toMatchObject({
      replaces: [],
    });
  });

  test("a new job, URL or folder replaces; an option changes in place", async () => {
    const { inputs, outs } = await downloaded();
    expect(await diff("id", outs, { ...inputs, jobIdentifier: "other" })).toMatchObject({
      replaces: ["jobIdentifier"],
    });
    expect(await diff("id", outs, { ...inputs, jobIdentifier: UNKNOWN })).toMatchObject({
      replaces: ["jobIdentifier"],
    });
    expect(await diff("id", outs, { ...inputs, outDir: "elsewhere" })).toMatchObject({
      replaces: ["outDir"],
    });
    const d = await diff("id", outs, { ...inputs, maxAttempts: 5 });
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const { outs: updated } = await update("id", outs, { ...inputs, maxAttempts: 5 });
    expect(updated).toEqual({ ...outs, __provider: undefined, maxAttempts: 5 });
  });

  test("delete keeps the files by default; deleteOnDestroy removes those unchanged, first when replacing", async () => {
    const kept = await downloaded();
    await del("id", kept.outs);
    expect(entries(kept.inputs.outDir)).toHaveLength(12);

    const { inputs, outs } = await downloaded({ deleteOnDestroy: true });
    expect(await diff("id", outs, { ...inputs, outDir: "elsewhere" })).toMatchObject({
      deleteBeforeReplace: true,
    });
    const files = outs.files as { file: string; name: string }[];
    writeFileSync(files[1].file, "edited by someone\n");
    await del("id", outs);
    expect(readdirSync(inputs.outDir)).toEqual([files[1].name]);
    expect(env.logs.join("\n")).toContain(`left ${files[1].file} in place`);
  });
});

test("the stored __provider text loads the built runtime in a fresh process and downloads", async () => {
  expect(existsSync(path.join(ROOT, "dist/provider/runtime.js"))).toBe(true);
  expect(Buffer.byteLength(DOWNLOAD_PROVIDER_MODULE_TEXT)).toBeLessThanOrEqual(1024);
  const job = completedJob(env.emu);
  const out = tempDir();
  const script = `
    const requireFromString = require("require-from-string");
    const provider = requireFromString(process.env.PROVIDER_TEXT).handler();
    const exportProvider = requireFromString(process.env.EXPORT_TEXT).handler();
    (async () => {
      const values = { "intercom:accessToken": process.env.T, "intercom:baseUrl": process.env.U };
      await provider.configure({ config: { get: (k) => values[k], require: (k) => values[k] } });
      const inputs = { jobIdentifier: process.env.JOB, outDir: process.env.OUT, __provider: process.env.PROVIDER_TEXT };
      const checked = await provider.check({}, inputs);
      const result = await provider.create(checked.inputs);
      process.stdout.write("RESULT " + JSON.stringify({ result, exportCreate: typeof exportProvider.create }) + "\\n");
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PROVIDER_TEXT: DOWNLOAD_PROVIDER_MODULE_TEXT,
      EXPORT_TEXT: PROVIDER_MODULE_TEXT,
      T: TOKEN,
      U: env.emu.url,
      JOB: job.id,
      OUT: out,
    },
    encoding: "utf8",
  });
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "))!;
  const { result, exportCreate } = JSON.parse(line.slice(7));
  expect(result).toMatchObject({ id: job.id, outs: { totalRows: expectedTotal(job) } });
  expect(entries(out)).toHaveLength(12);
  // ContentDataExport's provider still loads from the same runtime.
  expect(exportCreate).toBe("function");
  expect(stdout).not.toContain(TOKEN);
});
