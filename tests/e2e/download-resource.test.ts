/**
 * ContentDataExportDownload under the real Pulumi engine: an export and its download in one `pulumi up`, the
 * files on disk with the row counts the outputs claim, a second `up` with no changes and no download, and a
 * destroy that keeps the files (deleteOnDestroy is off by default).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { ContentDataExport, ContentDataExportDownload } from "../../provider";
import { providerEnv } from "./fixtures/export-program";
import { cleanupAll, createTestStack } from "./harness";

jest.setTimeout(300_000);
const TOKEN = "download-e2e-token";

let emu: Emulator;
let outDir: string;
beforeAll(async () => {
  emu = await startEmulator({ tokens: [TOKEN], pendingMs: 100, inProgressMs: 300 });
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), "intercom-download-e2e-"));
});
afterAll(async () => {
  await cleanupAll();
  await emu?.close();
  fs.rmSync(outDir, { recursive: true, force: true });
});

test("export + download in one up; files and row counts match; second up is a no-op; destroy keeps files", async () => {
  const s = await createTestStack({
    name: "download-resource",
    program: async () => {
      const exp = new ContentDataExport("june", {
        createdAtAfter: "2024-06-01",
        createdAtBefore: "2024-06-07",
        pollIntervalSeconds: 0.1,
        maxPollIntervalSeconds: 0.5,
      });
      const files = new ContentDataExportDownload("june-files", { jobIdentifier: exp.jobIdentifier, outDir });
      return { jobIdentifier: exp.jobIdentifier, files: files.files, totalRows: files.totalRows };
    },
    env: providerEnv(emu, { INTERCOM_ACCESS_TOKEN: TOKEN }),
  });
  try {
    const up = await s.up();
    expect(up.changes).toEqual({ create: 2 });
    const files = up.outputs!.files as { file: string; statistic: string; rows: number }[];
    expect(files.map((f) => f.statistic)).toContain("receipt");
    let counted = 0;
    for (const f of files) {
      expect(path.dirname(f.file)).toBe(outDir);
      const lines = fs
        .readFileSync(f.file, "utf8")
        .split("\n")
        .filter((l) => l !== "");
      // No field of the synthetic data contains a newline, so lines - header = rows here.
      expect(lines.length - 1).toBe(f.rows);
      counted += f.rows;
    }
    expect(up.outputs!.totalRows).toBe(counted);
    expect(emu.requests.filter((r) => r.route === "download")).toHaveLength(1);

    emu.clearRequests();
    expect((await s.up()).changes).toEqual({ same: 2 });
    expect(emu.requests.filter((r) => r.route === "download")).toHaveLength(0);

    await s.destroy();
    for (const f of files) expect(fs.existsSync(f.file)).toBe(true);
  } finally {
    await s.cleanup();
  }
});
