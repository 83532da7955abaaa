/**
 * The general API rate limit: Intercom spreads its per-minute limit over 10-second windows and reports it in
 * `X-RateLimit-Limit/Remaining/Reset` (reset = unix seconds of the window's end). One counter per workspace.
 */
export const WINDOW_SECONDS = 10;

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Unix seconds when the current window ends. */
  reset: number;
  exceeded: boolean;
  /** Seconds until the window ends (at least 1), for Retry-After. */
  retryAfter: number;
}

export class RateLimiter {
  private windowStart = -1;
  private count = 0;

  /** Counts one request at `nowMs` against `limit`. */
  hit(nowMs: number, limit: number): RateLimitState {
    const nowSec = nowMs / 1000;
    const windowStart = Math.floor(nowSec / WINDOW_SECONDS) * WINDOW_SECONDS;
    if (windowStart !== this.windowStart) {
      this.windowStart = windowStart;
      this.count = 0;
    }
    this.count++;
    const reset = windowStart + WINDOW_SECONDS;
    return {
      limit,
      remaining: Math.max(0, limit - this.count),
      reset,
      exceeded: this.count > limit,
      retryAfter: Math.max(1, Math.ceil(reset - nowSec)),
    };
  }

  reset(): void {
    this.windowStart = -1;
    this.count = 0;
  }
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(state.limit),
    "X-RateLimit-Remaining": String(state.remaining),
    "X-RateLimit-Reset": String(state.reset),
  };
}
