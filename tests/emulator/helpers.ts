/**
 * Test helpers: HTTP calls over loopback with global fetch, the OpenAPI schemas as ajv validators, ZIP and CSV
 * readers. Nothing is mocked; every test talks to a real emulator.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse as parseYaml } from "yaml";
import * as yauzl from "yauzl";
import type { Emulator } from "../../emulator";

export const TOKEN = "emulator-token";

/** 2018-06-01T00:00:00Z and 2018-06-30T00:00:00Z: the documented example range. */
export const JUNE_2018 = { created_at_after: 1527811200, created_at_before: 1530316800 };

// --- OpenAPI schemas ---------------------------------------------------------------------------------------

/** Copy of /work/shared/reference/intercom-openapi-export.yaml (prettier-formatted; parsed data identical). */
const spec = parseYaml(readFileSync(join(__dirname, "fixtures", "intercom-openapi-export.yaml"), "utf8")) as {
  components: { schemas: Record<string, object> };
};

// The spec annotates request_id with `format: uuid`, but the documented job-not-found 404 carries an
// Intercom-style id ("000l13h1qd7ktp11tidg"); formats are therefore not enforced here and request ids are
// asserted explicitly in the tests.
// strictTypes off: the spec's error items use `properties` without `type: object`.
const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true, validateFormats: false });
ajv.addVocabulary(["example", "x-tags"]);

export const validateJob: ValidateFunction = ajv.compile(spec.components.schemas.data_export);
export const validateError: ValidateFunction = ajv.compile(spec.components.schemas.error);

export function expectJobSchema(body: unknown): void {
  const ok = validateJob(body);
  if (!ok)
    throw new Error(`data_export schema: ${ajv.errorsText(validateJob.errors)} in ${JSON.stringify(body)}`);
}

export function expectErrorSchema(body: unknown): void {
  const ok = validateError(body);
  if (!ok)
    throw new Error(`error schema: ${ajv.errorsText(validateError.errors)} in ${JSON.stringify(body)}`);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const INTERCOM_REQUEST_ID = /^[0-9a-z]{20}$/;
export const JOB_KEYS = ["job_identifier", "status", "download_url", "download_expires_at"];

// --- HTTP --------------------------------------------------------------------------------------------------

export interface CallOptions {
  body?: unknown;
  /** Raw body, sent as is. */
  raw?: string;
  /** Token to send; `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(
  emulator: Emulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  const res = await fetch(`${emulator.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const createJob = (emulator: Emulator, range: object = JUNE_2018, options: CallOptions = {}) =>
  call(emulator, "POST", "/export/content/data", { ...options, body: range });

export const jobStatus = (emulator: Emulator, id: string) =>
  call(emulator, "GET", `/export/content/data/${id}`);

export async function download(
  emulator: Emulator,
  id: string,
  accept: string | null = "application/octet-stream",
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };
  if (accept !== null) headers.Accept = accept;
  const res = await fetch(`${emulator.url}/download/content/data/${id}`, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A clock tests can step: lifecycle and rate-limit windows become exact. */
export function steppedClock(startMs = Date.UTC(2026, 0, 15, 12, 0, 0)) {
  let now = startMs;
  return {
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    get now() {
      return now;
    },
  };
}

// --- ZIP and CSV -------------------------------------------------------------------------------------------

/** Entries of a ZIP (name -> text), in archive order. */
export function unzip(buffer: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error("no zip"));
      const entries = new Map<string, string>();
      zip.on("error", reject);
      zip.on("end", () => resolve(entries));
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr ?? new Error("no stream"));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", reject);
          stream.on("end", () => {
            entries.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** RFC 4180 parser (quoted fields, doubled quotes, commas and newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else if (c !== "\r") field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** CSV as objects keyed by the header. */
export function csvRecords(text: string): { header: string[]; records: Record<string, string>[] } {
  const [header, ...rows] = parseCsv(text);
  expect(rows.filter((row) => row.length !== header.length)).toEqual([]);
  return { header, records: rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]]))) };
}
