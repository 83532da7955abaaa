/**
 * Which failures are worth another attempt, and when. Retries are only ever applied to idempotent calls
 * (GET status, cancel, download); a create is never blindly repeated (see ../jobs.ts).
 */
import { backoffDelay, BackoffOptions } from "../backoff";
import {
  ConnectionError,
  IntercomExportError,
  RateLimitError,
  RequestTimeoutError,
  ResponseFormatError,
  ServerError,
} from "../errors";

export interface RetryOptions {
  /** Retries after the first attempt. @default 4 */
  limit: number;
  /** First backoff delay for 5xx and connection failures, in ms. @default 500 */
  baseDelayMs: number;
  /** Cap on a backoff delay, in ms. @default 20000 */
  maxDelayMs: number;
  /** A rate-limit wait longer than this (from Retry-After / X-RateLimit-Reset) is not waited for. @default 120 */
  maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  limit: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterSeconds: 120,
};

/** Returns the delay before the next attempt in ms, or undefined when `error` must not be retried. */
export function retryDelay(
  error: unknown,
  retriesSoFar: number,
  o: RetryOptions,
  random: () => number = Math.random,
): number | undefined {
  if (retriesSoFar >= o.limit || !(error instanceof IntercomExportError)) return undefined;
  if (error instanceof RateLimitError) {
    const wait = error.retryAfterSeconds;
    if (wait !== undefined) {
      // Honour the server's time exactly (plus a little, so we land after the reset), bounded.
      return wait > o.maxRetryAfterSeconds ? undefined : Math.ceil(wait * 1000) + Math.round(250 * random());
    }
  } else if (
    !(error instanceof ServerError) &&
    !(error instanceof ConnectionError) &&
    !(error instanceof RequestTimeoutError) &&
    !(error instanceof ResponseFormatError)
  ) {
    return undefined; // 400/401/403/404/406 and the busy export slot: repeating cannot help.
  }
  const backoff: BackoffOptions = { initialMs: o.baseDelayMs, factor: 2, maxMs: o.maxDelayMs, jitter: 0.5 };
  return backoffDelay(retriesSoFar, backoff, random);
}
