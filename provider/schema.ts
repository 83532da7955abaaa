/**
 * The resource's input schema (JSON Schema, checked with ajv) and the rules a schema cannot say: date parsing,
 * the millisecond trap, range order, future ranges. Everything here is pure: no request is ever sent from check.
 */
import type { ErrorObject, ValidateFunction } from "ajv";

/** The string Pulumi sends for a value that is unknown during preview (an output of another resource). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ExportOptions {
  /** Wait in `create` until the job is terminal. @default true */
  waitForCompletion: boolean;
  /** Our own deadline for the wait, in seconds (Pulumi's customTimeouts do not reach dynamic providers). @default 3600 */
  timeoutSeconds: number;
  /** Shortest delay between status checks (the first comes after it); later checks wait 10% of the time waited so far. @default 1 */
  pollIntervalSeconds: number;
  /** Cap on the delay between status checks (and between checks of a busy export slot). @default 60 */
  maxPollIntervalSeconds: number;
  /** How long to wait for the workspace's single export slot when another job holds it. @default 900 */
  slotWaitSeconds: number;
  /** Cancel a still-running job when the resource is deleted or replaced. @default false */
  cancelOnDelete: boolean;
  /** Replace an expired export with a fresh job for the same range on the next `pulumi up`. @default false */
  renewWhenExpired: boolean;
}

export const DEFAULT_OPTIONS: ExportOptions = {
  waitForCompletion: true,
  timeoutSeconds: 3600,
  pollIntervalSeconds: 1,
  maxPollIntervalSeconds: 60,
  slotWaitSeconds: 900,
  cancelOnDelete: false,
  renewWhenExpired: false,
};

/** Options that can change in place (no new job). */
export const OPTION_KEYS = Object.keys(DEFAULT_OPTIONS) as (keyof ExportOptions)[];
/** Inputs whose change means a different export: the resource is replaced. */
export const RANGE_KEYS = ["createdAtAfter", "createdAtBefore"] as const;

/** Intercom job ids seen in docs and responses are short lowercase alphanumerics; we accept a little more. */
const JOB_ID_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9_.-]{1,128}$"; // "." and ".." would change the request path

/**
 * JSON Schema of the inputs. `__provider` is added by Pulumi to every dynamic resource's inputs. The range is
 * required unless `jobIdentifier` adopts an existing job (checked in code: JSON Schema's if/then reads worse).
 */
export const INPUT_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    jobIdentifier: { type: "string", pattern: JOB_ID_PATTERN },
    createdAtAfter: { type: ["integer", "string"] },
    createdAtBefore: { type: ["integer", "string"] },
    waitForCompletion: { type: "boolean" },
    timeoutSeconds: { type: "integer", minimum: 1, maximum: 172800 },
    pollIntervalSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
    maxPollIntervalSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
    slotWaitSeconds: { type: "integer", minimum: 0, maximum: 172800 },
    cancelOnDelete: { type: "boolean" },
    renewWhenExpired: { type: "boolean" },
    __provider: { type: "string" },
  },
} as const;

export interface CheckFailure {
  property: string;
  reason: string;
}

let validator: ValidateFunction | undefined;
function getValidator(): ValidateFunction {
  // Compiled on first use, inside the provider process: keeps cold start and the serialized provider small.
  if (!validator) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require("ajv") as typeof import("ajv").default;
    validator = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(INPUT_SCHEMA);
  }
  return validator;
}

const KNOWN = Object.keys(INPUT_SCHEMA.properties).filter((k) => k !== "__provider");

/** Validates raw inputs. Unknown (preview) values are skipped. Returns every failure, each naming its property. */
export function checkInputs(
  inputs: Record<string, unknown>,
  nowSeconds = Math.floor(Date.now() / 1000),
): CheckFailure[] {
  const known: Record<string, unknown> = {};
  const unknownKeys = new Set<string>();
  for (const [k, v] of Object.entries(inputs)) {
    if (v === UNKNOWN) unknownKeys.add(k);
    else if (v !== undefined) known[k] = v;
  }

  const failures: CheckFailure[] = [];
  const validate = getValidator();
  if (!validate(known)) {
    for (const e of validate.errors ?? []) {
      const f = describeSchemaError(e, known);
      if (f && !unknownKeys.has(f.property)) failures.push(f);
    }
  }
  const failed = new Set(failures.map((f) => f.property));

  // The range is required, except when adopting an existing job; then it is optional but all-or-nothing.
  const adopting = "jobIdentifier" in known || unknownKeys.has("jobIdentifier");
  const given = RANGE_KEYS.filter((k) => k in known || unknownKeys.has(k));
  for (const key of RANGE_KEYS) {
    if (given.includes(key)) continue;
    if (!adopting) {
      failures.push({
        property: key,
        reason: `${key} is required: unix seconds or an ISO-8601 date such as "2024-06-01" (or set jobIdentifier to adopt an existing job)`,
      });
    } else if (given.length > 0) {
      failures.push({
        property: key,
        reason: `${key} is required when ${given[0]} is given: declare both bounds of the adopted job's range, or neither`,
      });
    }
  }
  if (adopting && known.renewWhenExpired === true) {
    failures.push({
      property: "renewWhenExpired",
      reason:
        "renewWhenExpired cannot be combined with jobIdentifier: an adopted job is not ours to re-run. Remove jobIdentifier (and declare the range) to let Pulumi create and renew jobs",
    });
  }

  // Range rules, for the bounds that are known and passed the schema.
  const bounds: Partial<Record<(typeof RANGE_KEYS)[number], number>> = {};
  for (const key of RANGE_KEYS) {
    if (failed.has(key) || !(key in known)) continue;
    const parsed = parseTimestamp(key, known[key]);
    if ("error" in parsed) failures.push({ property: key, reason: parsed.error });
    else bounds[key] = parsed.seconds;
  }
  const { createdAtAfter: after, createdAtBefore: before } = bounds;
  if (after !== undefined && after > nowSeconds) {
    failures.push({
      property: "createdAtAfter",
      reason: `createdAtAfter (${isoDate(after)}) is in the future: the export selects messages already sent, so the range must start today or earlier`,
    });
  }
  if (after !== undefined && before !== undefined && after > before) {
    failures.push({
      property: "createdAtAfter",
      reason: `createdAtAfter (${isoDate(after)}) must not be later than createdAtBefore (${isoDate(before)}); both bounds are inclusive days, so use the same date twice to export a single day`,
    });
  }

  // Options that only make sense together, compared as they will apply (defaults included).
  const pollGiven = typeof known.pollIntervalSeconds === "number" && !failed.has("pollIntervalSeconds");
  const capGiven = typeof known.maxPollIntervalSeconds === "number" && !failed.has("maxPollIntervalSeconds");
  if (pollGiven || capGiven) {
    const poll = pollGiven ? (known.pollIntervalSeconds as number) : DEFAULT_OPTIONS.pollIntervalSeconds;
    const cap = capGiven ? (known.maxPollIntervalSeconds as number) : DEFAULT_OPTIONS.maxPollIntervalSeconds;
    if (cap < poll) {
      failures.push(
        capGiven
          ? {
              property: "maxPollIntervalSeconds",
              reason: `maxPollIntervalSeconds (${cap}) must be at least pollIntervalSeconds (${poll}${pollGiven ? "" : ", the default"})`,
            }
          : {
              property: "pollIntervalSeconds",
              reason: `pollIntervalSeconds (${poll}) must be at most maxPollIntervalSeconds (${cap}, the default); raise maxPollIntervalSeconds too`,
            },
      );
    }
  }
  return failures;
}

function describeSchemaError(e: ErrorObject, known: Record<string, unknown>): CheckFailure | undefined {
  const prop = e.instancePath.replace(/^\//, "").split("/")[0];
  switch (e.keyword) {
    case "additionalProperties":
      return unknownPropertyFailure((e.params as { additionalProperty: string }).additionalProperty, KNOWN);
    case "pattern":
      return {
        property: prop,
        reason: `${prop} must be an Intercom job id (letters, digits, '_', '-', '.'; at most 128); got ${describe(known[prop])}`,
      };
    case "type": {
      const value = known[prop];
      if (prop === "createdAtAfter" || prop === "createdAtBefore") {
        // Integers and strings are handled by parseTimestamp; floats, NaN and Infinity land here as numbers.
        if (typeof value === "number") {
          const parsed = parseTimestamp(prop, value);
          if ("error" in parsed) return { property: prop, reason: parsed.error };
        }
        return {
          property: prop,
          reason: `${prop} must be unix seconds (an integer) or an ISO-8601 date string; got ${describe(value)}`,
        };
      }
      const want = (e.params as { type: string }).type;
      const noun = want === "integer" ? "a whole number" : want === "number" ? "a number" : `a ${want}`;
      return { property: prop, reason: `${prop} must be ${noun}; got ${describe(value)}` };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum": {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return {
        property: prop,
        reason: `${prop} must be ${comparison} ${limit}; got ${describe(known[prop])}`,
      };
    }
    default:
      return { property: prop || "(inputs)", reason: `${prop || "inputs"} ${e.message ?? "is invalid"}` };
  }
}

/**
 * The failure for an input no resource property is called: names it, guesses the intended one when a known
 * property is close enough (a typo), and lists the known ones. Shared by both resources' checks.
 */
export function unknownPropertyFailure(extra: string, known: readonly string[]): CheckFailure {
  const guess = closest(extra, known);
  return {
    property: extra,
    reason: `unknown property '${extra}'${guess ? ` (did you mean '${guess}'?)` : ""}; known properties: ${known.join(", ")}`,
  };
}

/** Above this, a "unix seconds" value is really milliseconds (10^11 s is the year 5138; Date.now() is ~1.7·10^12). */
const MILLISECONDS_THRESHOLD = 1e11;

/**
 * Parses one range bound: unix seconds (number or digit string), `YYYY-MM-DD` (midnight UTC, sent as Intercom's
 * docs do: the day is included in full), or an ISO-8601 date-time with a timezone.
 */
export function parseTimestamp(prop: string, value: unknown): { seconds: number } | { error: string } {
  if (typeof value === "number") return checkSeconds(prop, value);
  if (typeof value !== "string") {
    return { error: `${prop} must be unix seconds or an ISO-8601 date string; got ${describe(value)}` };
  }
  const s = value.trim();
  if (s === "")
    return { error: `${prop} must not be empty: give unix seconds or a date such as "2024-06-01"` };
  if (/^-?\d+$/.test(s)) return checkSeconds(prop, Number(s));

  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (date) {
    const [y, m, d] = date.slice(1).map(Number);
    const ms = Date.UTC(y, m - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
      return { error: `${prop} is not a real calendar date: '${value}'` };
    }
    return checkSeconds(prop, ms / 1000);
  }

  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (dateTime) {
    if (!dateTime[3]) {
      return {
        error: `${prop} date-time '${value}' has no timezone: add 'Z' for UTC or an offset such as '+02:00'`,
      };
    }
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) return { error: `${prop} is not a valid date-time: '${value}'` };
    return checkSeconds(prop, Math.floor(ms / 1000));
  }
  return {
    error: `${prop} must be unix seconds or an ISO-8601 date ("2024-06-01") or date-time with a timezone ("2024-06-01T00:00:00Z"); got '${value}'`,
  };
}

function checkSeconds(prop: string, n: number): { seconds: number } | { error: string } {
  if (!Number.isFinite(n))
    return { error: `${prop} must be a finite number of unix seconds; got ${describe(n)}` };
  if (n < 0) return { error: `${prop} must not be negative; got ${n}` };
  if (!Number.isInteger(n)) return { error: `${prop} must be whole unix seconds; got ${n}` };
  if (n >= MILLISECONDS_THRESHOLD) {
    return {
      error: `${prop} looks like milliseconds (${n}, as JavaScript's Date.now() gives); Intercom wants unix seconds: use Math.floor(value / 1000) = ${Math.floor(n / 1000)}`,
    };
  }
  const ymd = /^(\d{4})(\d{2})(\d{2})$/.exec(String(n));
  if (
    ymd &&
    +ymd[1] >= 1990 &&
    +ymd[1] <= 2100 &&
    +ymd[2] >= 1 &&
    +ymd[2] <= 12 &&
    +ymd[3] >= 1 &&
    +ymd[3] <= 31
  ) {
    return {
      error: `${prop} ${n} looks like a YYYYMMDD date, which as unix seconds is ${isoDate(n)}; write it as "${ymd[1]}-${ymd[2]}-${ymd[3]}"`,
    };
  }
  return { seconds: n };
}

/** Effective options: the user's values over the defaults. */
export function resolveOptions(inputs: Record<string, unknown>): ExportOptions {
  const out = { ...DEFAULT_OPTIONS } as Record<string, unknown>;
  for (const key of OPTION_KEYS) {
    const v = inputs[key];
    if (v !== undefined && v !== null && v !== UNKNOWN) out[key] = v;
  }
  return out as unknown as ExportOptions;
}

/** The normalized range, in unix seconds. Call only on inputs that passed `checkInputs`. */
export function normalizeRange(inputs: Record<string, unknown>): {
  createdAtAfter: number;
  createdAtBefore: number;
} {
  const result: Record<string, number> = {};
  for (const key of RANGE_KEYS) {
    const parsed = parseTimestamp(key, inputs[key]);
    if ("error" in parsed) throw new Error(parsed.error);
    result[key] = parsed.seconds;
  }
  return result as { createdAtAfter: number; createdAtBefore: number };
}

export function isoDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return String(seconds);
  const iso = d.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace(".000Z", "Z");
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `'${v}'`;
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  return bestDist <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
