/**
 * Response values and the error envelopes Intercom documents. Handlers return a `Reply` instead of writing to
 * the socket, so the fault layer can replace or post-process a response after the request had its effect.
 */
import { randomInt, randomUUID } from "node:crypto";
import type { Readable } from "node:stream";

export const JSON_TYPE = "application/json; charset=utf-8";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** A complete body (JSON replies, HTML pages). */
  body?: string;
  /** A streamed body (downloads); called once when the reply is sent. */
  stream?: () => Readable;
  /** For downloads: computes the full length without buffering (used by the truncate fault). */
  length?: () => Promise<number>;
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "Content-Type": JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

export interface ErrorItem {
  code: string;
  message?: string | null;
  field?: string | null;
}

/**
 * `{"type":"error.list","request_id":...,"errors":[...]}`. The docs show three shapes of `request_id`: a UUID
 * (401, 429 analogues), `null` (create 400s) and absent (the "does not exist" 404s). Pass `undefined` to
 * leave it out.
 */
export function errorReply(
  status: number,
  requestId: string | null | undefined,
  errors: ErrorItem[],
  headers: Record<string, string> = {},
): Reply {
  const body =
    requestId === undefined
      ? { type: "error.list", errors }
      : { type: "error.list", request_id: requestId, errors };
  return jsonReply(status, body, headers);
}

/** Intercom-style request id, as in the documented 404 ("000l13h1qd7ktp11tidg"): 20 lowercase alphanumerics. */
export function newRequestId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let id = "000";
  for (let i = 0; i < 17; i++) id += alphabet[randomInt(alphabet.length)];
  return id;
}

export const uuid = (): string => randomUUID();

export const MESSAGES = {
  unauthorized: "Access Token Invalid",
  afterGreater: "created_at_after is greater than created_at_before",
  required: (key: string) => `'${key}' is a required parameter`,
  badParameter: (key: string) => `bad '${key}' parameter`,
  // Inferred: the docs have no example for a non-integer timestamp; `parameter_invalid` is a documented code.
  notInteger: (key: string) => `'${key}' must be an integer unix timestamp`,
  // Inferred: no documented message for a body that is not JSON.
  invalidJson: "There was a problem in the JSON you submitted",
  oneJob: (n: number) => `Exceeded rate limit of ${n} pending message data export jobs`,
  rateLimit: (n: number) => `Exceeded rate limit of ${n} in 10_seconds`,
  jobNotFound: (id: string) => `Export job not found for identifier: ${id}`,
  downloadNotFound: "The requested resource does not exist.",
  pathNotFound: "The requested resource does not exist; check your path and try again",
  // Inferred: 406 is documented generically ("Accept header is missing or does not include a media type the
  // endpoint returns"), not for this endpoint, and without a body.
  notAcceptable: "The Accept header must include application/octet-stream",
} as const;
