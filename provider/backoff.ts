/** Capped exponential backoff with jitter, shared by status polling and request retries. */

export interface BackoffOptions {
  /** First delay, in ms. */
  initialMs: number;
  /** Growth per step. */
  factor: number;
  /** Cap on any delay, in ms. */
  maxMs: number;
  /** Fraction of each delay that is randomized: delay × [1 − jitter, 1]. 0 disables jitter. */
  jitter: number;
}

/** Delay before attempt `step` (0-based): initial × factor^step, capped, then jittered downwards. */
export function backoffDelay(step: number, o: BackoffOptions, random: () => number = Math.random): number {
  const raw = Math.min(o.maxMs, o.initialMs * Math.pow(o.factor, step));
  return Math.round(raw * (1 - o.jitter * random()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
