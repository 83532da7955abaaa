/** The download: ZIP layout, CSV contents and consistency, other formats, Accept handling, expiry. */
import { gunzipSync } from "node:zlib";
import {
  RECEIPT_COLUMNS,
  rowCounts,
  STAT_TIME_COLUMN,
  STATS,
  startEmulator,
  type Emulator,
} from "../../emulator";
import {
  createJob,
  csvRecords,
  download,
  expectErrorSchema,
  JUNE_2018,
  steppedClock,
  TOKEN,
  UUID,
  unzip,
} from "./helpers";

let emulator: Emulator;
const time = steppedClock(Date.UTC(2026, 2, 7, 12, 0, 0)); // job creation date -> 20260307

beforeAll(async () => {
  emulator = await startEmulator({ clock: time.clock });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  time.advance(60_000);
});

/** Creates a job over the API and steps the clock until it completed. */
async function completedJob(range: object = JUNE_2018): Promise<string> {
  const res = await createJob(emulator, range);
  expect(res.status).toBe(200);
  time.advance(1000);
  const id = (res.json as Record<string, string>).job_identifier;
  expect(emulator.getJob(id)?.status).toBe("completed");
  return id;
}

/** A small range for tests that do not look at the contents. */
const ONE_DAY = { created_at_after: 1528329600, created_at_before: 1528329600 };

const DOWNLOAD_404 = {
  type: "error.list",
  errors: [{ code: "not_found", message: "The requested resource does not exist." }],
};

describe("ZIP download", () => {
  let files: Map<string, string>;
  let headers: Headers;
  const dateOfJob = () => new Date(time.now).toISOString().slice(0, 10).replace(/-/g, "");

  // One download shared by the tests of this block (the global beforeEach only clears jobs afterwards).
  beforeAll(async () => {
    const id = await completedJob();
    const res = await download(emulator, id);
    expect(res.status).toBe(200);
    headers = res.headers;
    expect(res.bytes.subarray(0, 2).toString()).toBe("PK");
    files = await unzip(res.bytes);
  });

  test("is application/octet-stream with one <stat>_YYYYMMDD.csv per statistic (job creation date, UTC)", () => {
    expect(headers.get("content-type")).toBe("application/octet-stream");
    expect(headers.get("x-ratelimit-limit")).toBe("166");
    const date = dateOfJob();
    expect(date).toBe("20260307");
    // A month of 40 receipts a day exercises every statistic.
    expect([...files.keys()]).toEqual(STATS.map((stat) => `${stat}_${date}.csv`));
  });

  test("receipts have exactly the documented columns, in order", () => {
    const receipts = files.get(`receipt_${dateOfJob()}.csv`)!;
    expect(receipts.split("\n")[0]).toBe(
      "user_id,user_external_id,company_id,email,name,ruleset_id,content_id,content_type,content_title," +
        "ruleset_version_id,receipt_id,received_at,series_id,series_title,node_id,first_reply,first_completion," +
        "first_series_completion,first_series_disengagement,first_series_exit,first_goal_success,first_open," +
        "first_click,first_dismisall,first_unsubscribe,first_hard_bounce",
    );
    expect(csvRecords(receipts).header).toEqual([...RECEIPT_COLUMNS]);
  });

  test("rows are consistent: stat rows point at receipts, come after them, and first_* is the earliest", () => {
    const date = dateOfJob();
    const { records: receipts } = csvRecords(files.get(`receipt_${date}.csv`)!);
    expect(receipts).toHaveLength(30 * 40);
    const byId = new Map(receipts.map((r) => [r.receipt_id, r]));
    expect(byId.size).toBe(receipts.length);
    const firstColumn: Record<string, string> = {
      open: "first_open",
      click: "first_click",
      reply: "first_reply",
      completion: "first_completion",
      dismissal: "first_dismisall",
      unsubscribe: "first_unsubscribe",
      hard_bounce: "first_hard_bounce",
      goal_success: "first_goal_success",
      series_completion: "first_series_completion",
      series_disengagement: "first_series_disengagement",
      series_exit: "first_series_exit",
    };
    const rangeEnd = JUNE_2018.created_at_before + 86399;
    for (const stat of STATS.filter((s) => s !== "receipt")) {
      const { header, records } = csvRecords(files.get(`${stat}_${date}.csv`)!);
      const column = STAT_TIME_COLUMN[stat];
      expect(header).toEqual(["receipt_id", column]);
      expect(records.length).toBeGreaterThan(0);
      // Problems are collected and asserted once: thousands of expect() calls would slow the suite down.
      const problems: string[] = [];
      const earliest = new Map<string, number>();
      for (const row of records) {
        const receipt = byId.get(row.receipt_id);
        const at = Number(row[column]);
        if (!receipt) problems.push(`${stat}: unknown receipt ${row.receipt_id}`);
        else if (!(at > Number(receipt.received_at))) problems.push(`${stat}: ${at} not after its receipt`);
        // Only events inside the requested range are counted.
        if (!(at <= rangeEnd)) problems.push(`${stat}: ${at} after the range`);
        earliest.set(row.receipt_id, Math.min(at, earliest.get(row.receipt_id) ?? Infinity));
      }
      for (const receipt of receipts) {
        const first = earliest.get(receipt.receipt_id);
        const want = first === undefined ? "" : String(first);
        if (receipt[firstColumn[stat]] !== want) {
          problems.push(
            `${receipt.receipt_id}.${firstColumn[stat]} = ${receipt[firstColumn[stat]]}, want ${want}`,
          );
        }
      }
      expect(problems).toEqual([]);
    }
    expect(files.get(`click_${date}.csv`)!.split("\n")[0]).toBe("receipt_id,clicked_at");
  });

  test("receipts lie inside the inclusive whole-day range (the end day counts entirely)", () => {
    const { records } = csvRecords(files.get(`receipt_${dateOfJob()}.csv`)!);
    const times = records.map((r) => Number(r.received_at));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(JUNE_2018.created_at_after);
    expect(Math.max(...times)).toBeLessThanOrEqual(JUNE_2018.created_at_before + 86399);
    // created_at_before is 2018-06-30T00:00:00Z; receipts later that day are included.
    expect(times.filter((t) => t > JUNE_2018.created_at_before).length).toBeGreaterThan(0);
  });

  test("fields are realistic and properly quoted: -1 for no company/series, empty unset timestamps", () => {
    const raw = files.get(`receipt_${dateOfJob()}.csv`)!;
    expect(raw).toContain('"Welcome to Acme, let\'s get ""started"""');
    const { records } = csvRecords(raw);
    expect(new Set(records.map((r) => r.content_type))).toEqual(
      new Set(["Email", "Post", "Custom Bot", "Survey", "Tour", "Chat"]),
    );
    expect(records.some((r) => r.content_title === 'Welcome to Acme, let\'s get "started"')).toBe(true);
    expect(records.some((r) => r.name.includes(","))).toBe(true);
    expect(records.some((r) => r.company_id === "-1")).toBe(true);
    expect(records.some((r) => r.series_id === "-1" && r.series_title === "" && r.node_id === "")).toBe(true);
    expect(records.some((r) => r.series_id === "4101" && r.series_title === "Onboarding, week 1")).toBe(true);
    expect(records.some((r) => r.first_open === "")).toBe(true);
    const odd = records.filter(
      (r) =>
        !/^[0-9a-f]{24}$/.test(r.user_id) ||
        !/^[a-z.]+\d+@example\.com$/.test(r.email) ||
        !/^\d+$/.test(r.received_at),
    );
    expect(odd).toEqual([]);
  });
});

describe("data", () => {
  test("is deterministic: the same day has the same receipts in every range", async () => {
    const day = 1528329600; // 2018-06-07
    const read = async (range: object) => {
      emulator.reset();
      const id = await completedJob(range);
      const files = await unzip((await download(emulator, id)).bytes);
      const receipts = [...files.entries()].find(([name]) => name.startsWith("receipt_"))![1];
      return csvRecords(receipts).records;
    };
    const oneDay = await read({ created_at_after: day, created_at_before: day });
    const week = await read({ created_at_after: day - 3 * 86400, created_at_before: day + 3 * 86400 });
    expect(oneDay).toHaveLength(40);
    expect(week).toHaveLength(7 * 40);
    const sameDay = week.filter((r) => Number(r.received_at) >= day && Number(r.received_at) < day + 86400);
    expect(sameDay.map((r) => r.receipt_id)).toEqual(oneDay.map((r) => r.receipt_id));
    expect(sameDay.map((r) => r.received_at)).toEqual(oneDay.map((r) => r.received_at));
  });

  test("rangeMode exact uses the timestamps as given", async () => {
    emulator.configure({ rangeMode: "exact" });
    const range = { created_at_after: 1528329600 + 3600, created_at_before: 1528329600 + 7200 };
    const id = await completedJob(range);
    const files = await unzip((await download(emulator, id)).bytes);
    const { records } = csvRecords([...files.values()][0]);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(40);
    for (const r of records) {
      expect(Number(r.received_at)).toBeGreaterThanOrEqual(range.created_at_after);
      expect(Number(r.received_at)).toBeLessThanOrEqual(range.created_at_before);
    }
  });

  test("statistics with no rows are left out of the ZIP", async () => {
    emulator.configure({ receiptsPerDay: 3 });
    const range = { created_at_after: 1528329600, created_at_before: 1528329600 };
    const id = await completedJob(range);
    const files = await unzip((await download(emulator, id)).bytes);
    const names = [...files.keys()].map((name) => name.replace(/_\d{8}\.csv$/, ""));
    const expected = rowCounts(
      { start: 1528329600, end: 1528329600 + 86399 },
      {
        seed: 1,
        receiptsPerDay: 3,
        targetBytes: 0,
      },
    );
    expect(names).toEqual(STATS.filter((stat) => expected[stat] > 0));
    expect(names.length).toBeLessThan(STATS.length);
    expect(names).toContain("receipt");
    for (const text of files.values()) expect(csvRecords(text).records.length).toBeGreaterThan(0);
  });

  test("a forced completed outcome with no data downloads an empty ZIP", async () => {
    emulator.configure({ outcome: "completed" });
    const id = await completedJob({ created_at_after: 1400000000, created_at_before: 1400000000 });
    const res = await download(emulator, id);
    expect(res.status).toBe(200);
    expect((await unzip(res.bytes)).size).toBe(0);
  });

  test("targetDownloadBytes pads the receipts (stored uncompressed) and keeps stat rows consistent", async () => {
    const target = 3_000_000;
    emulator.configure({ targetDownloadBytes: target, receiptsPerDay: 10 });
    const id = await completedJob({ created_at_after: 1528329600, created_at_before: 1528329600 + 86400 });
    const res = await download(emulator, id);
    expect(res.bytes.length).toBeGreaterThanOrEqual(target);
    expect(res.bytes.length).toBeLessThan(target * 1.05);
    const files = await unzip(res.bytes);
    const receiptsText = [...files.entries()].find(([name]) => name.startsWith("receipt_"))![1];
    expect(Buffer.byteLength(receiptsText)).toBeGreaterThanOrEqual(target);
    const ids = new Set(csvRecords(receiptsText).records.map((r) => r.receipt_id));
    expect(ids.size).toBeGreaterThan(5000);
    const dangling = [...files]
      .filter(([name]) => !name.startsWith("receipt_"))
      .flatMap(([, text]) => csvRecords(text).records.filter((row) => !ids.has(row.receipt_id)));
    expect(dangling).toEqual([]);
  });
});

describe("other formats", () => {
  test("gzip-csv: the receipts CSV, gzipped", async () => {
    emulator.configure({ downloadFormat: "gzip-csv" });
    const id = await completedJob();
    const res = await download(emulator, id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect([...res.bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const { header, records } = csvRecords(gunzipSync(res.bytes).toString("utf8"));
    expect(header).toEqual([...RECEIPT_COLUMNS]);
    expect(records).toHaveLength(30 * 40);
  });

  test("csv: the receipts CSV as is", async () => {
    emulator.configure({ downloadFormat: "csv" });
    const id = await completedJob();
    const res = await download(emulator, id);
    const text = res.bytes.toString("utf8");
    expect(text.startsWith("user_id,user_external_id,company_id,")).toBe(true);
    expect(csvRecords(text).records).toHaveLength(30 * 40);
  });
});

describe("refusals", () => {
  test.each([
    ["no Accept header", null],
    ["*/*", "*/*"],
    ["application/json", "application/json"],
    ["octet-stream with q=0", "application/octet-stream;q=0, application/json"],
  ])("strict Accept: 406 for %s", async (_name, accept) => {
    const id = await completedJob(ONE_DAY);
    const res = await download(emulator, id, accept);
    expect(res.status).toBe(406);
    const body = JSON.parse(res.bytes.toString("utf8"));
    expectErrorSchema(body);
    expect(body).toEqual({
      type: "error.list",
      request_id: expect.stringMatching(UUID),
      errors: [
        { code: "not_acceptable", message: "The Accept header must include application/octet-stream" },
      ],
    });
  });

  test("strict Accept takes octet-stream among other types", async () => {
    const id = await completedJob(ONE_DAY);
    expect((await download(emulator, id, "application/json, application/octet-stream")).status).toBe(200);
  });

  test("acceptHeader tolerate: any Accept works", async () => {
    emulator.configure({ acceptHeader: "tolerate" });
    const id = await completedJob(ONE_DAY);
    expect((await download(emulator, id, null)).status).toBe(200);
    expect((await download(emulator, id, "application/json")).status).toBe(200);
  });

  test("expired download: 404 as documented", async () => {
    const id = await completedJob(ONE_DAY);
    expect((await download(emulator, id)).status).toBe(200);
    emulator.expireJob(id);
    const res = await download(emulator, id);
    expect(res.status).toBe(404);
    const body = JSON.parse(res.bytes.toString("utf8"));
    expectErrorSchema(body);
    expect(body).toEqual(DOWNLOAD_404);
  });

  test("the download expires by itself after downloadTtlSeconds", async () => {
    emulator.configure({ downloadTtlSeconds: 5 });
    const id = await completedJob(ONE_DAY);
    expect((await download(emulator, id)).status).toBe(200);
    time.advance(5000);
    expect((await download(emulator, id)).status).toBe(404);
  });

  test("unknown, not yet completed, no_data and canceled jobs: 404", async () => {
    expect(JSON.parse((await download(emulator, "nosuchjob")).bytes.toString())).toEqual(DOWNLOAD_404);
    const pending = (await createJob(emulator)).json as Record<string, string>;
    expect((await download(emulator, pending.job_identifier)).status).toBe(404);
    await fetch(`${emulator.url}/export/cancel/${pending.job_identifier}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    time.advance(1000);
    expect((await download(emulator, pending.job_identifier)).status).toBe(404);
    const empty = (await createJob(emulator, { created_at_after: 1400000000, created_at_before: 1400000000 }))
      .json as Record<string, string>;
    time.advance(1000);
    expect(emulator.getJob(empty.job_identifier)?.status).toBe("no_data");
    expect((await download(emulator, empty.job_identifier)).status).toBe(404);
  });
});
