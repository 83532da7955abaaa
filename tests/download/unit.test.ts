/** The pure parts of downloading: format sniffing, file names, entry-name safety, CSV measuring. */
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sniffFormat } from "../../provider/download/sniff";
import { CsvInspector, statisticOf } from "../../provider/download/stats";
import { safeEntryName, suggestedFileName } from "../../provider/download/unpack";

test("sniffFormat: ZIP, gzip, CSV by content; error pages and empty bodies are not data", () => {
  expect(sniffFormat(Buffer.from("PK\x03\x04rest", "latin1"))).toBe("zip");
  expect(sniffFormat(Buffer.from("PK\x05\x06", "latin1"))).toBe("zip"); // an archive with no entries
  expect(sniffFormat(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe("gzip");
  expect(sniffFormat(Buffer.from("user_id,user_external_id"))).toBe("csv");
  expect(sniffFormat(Buffer.from("\xEF\xBB\xBFuser_id", "latin1"))).toBe("csv");
  expect(sniffFormat(Buffer.from(' {"type":"error.list"'))).toEqual({
    problem: expect.stringMatching(/JSON/),
  });
  expect(sniffFormat(Buffer.from("<!DOCTYPE html>"))).toEqual({ problem: expect.stringMatching(/HTML/) });
  expect(sniffFormat(Buffer.alloc(0))).toEqual({ problem: "the body is empty" });
});

test.each([
  ["receipt_20251121.csv", "receipt"],
  ["hard_bounce_20251121.csv", "hard_bounce"],
  ["receipts_20180612_103000.csv", "receipt"],
  ["click_20180612_103000.csv", "click"],
  ["series_disengagement_20240701.csv", "series_disengagement"],
  ["combined.csv", "combined"],
])("statisticOf(%s) = %s", (name, stat) => expect(statisticOf(name)).toBe(stat));

test("safeEntryName keeps the last segment of safe names and refuses escapes", () => {
  expect(safeEntryName("receipt_20240701.csv")).toEqual({ name: "receipt_20240701.csv" });
  expect(safeEntryName("export/receipt_20240701.csv")).toEqual({ name: "receipt_20240701.csv" });
  for (const bad of [
    "../x.csv",
    "a/../../x.csv",
    "/etc/x.csv",
    "C:\\x.csv",
    "a\\..\\x.csv",
    "dir/.hidden.csv",
  ]) {
    expect(safeEntryName(bad)).toEqual({ problem: expect.stringContaining("unsafe archive entry") });
  }
});

test("suggestedFileName: Content-Disposition first, then the URL; only plain *.csv names", () => {
  expect(suggestedFileName('attachment; filename="receipts_20180612_103000.csv.gz"', "https://h/x")).toBe(
    "receipts_20180612_103000.csv",
  );
  expect(suggestedFileName("attachment; filename*=UTF-8''a%20b.csv", "https://h/x")).toBeUndefined();
  expect(suggestedFileName('attachment; filename="../../etc/passwd.csv"', "https://h/x")).toBe("passwd.csv");
  expect(
    suggestedFileName(
      null,
      "https://api.intercom.io/download/messages/data/message-data-export.nsayjlto.5973fb2a.csv",
    ),
  ).toBe("message-data-export.nsayjlto.5973fb2a.csv");
  expect(suggestedFileName(null, "https://api.intercom.io/download/content/data/xyz1234")).toBeUndefined();
});

async function measure(text: string, chunk = 3) {
  const inspector = new CsvInspector();
  const pieces: Buffer[] = [];
  for (let i = 0; i < text.length; i += chunk) pieces.push(Buffer.from(text.slice(i, i + chunk)));
  await pipeline(Readable.from(pieces), inspector, new Writable({ write: (_c, _e, cb) => cb() }));
  return inspector.facts();
}

test("CsvInspector counts records, not lines, across chunk boundaries; a CSV cut in a quote fails", async () => {
  const text = 'a,b\n1,"x\r\ny"\n2,"he said ""hi"""\n\n3,z';
  const facts = await measure(text);
  expect(facts).toMatchObject({ rows: 3, header: ["a", "b"], bytes: Buffer.byteLength(text) });
  expect(facts.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(await measure("")).toMatchObject({ rows: 0, header: [], bytes: 0 });
  expect(await measure("a,b\n")).toMatchObject({ rows: 0, header: ["a", "b"] });
  await expect(measure('a,b\n1,"unterminated')).rejects.toThrow(/CSV: .*quote/i);
});
