/** Helpers for the fault tests: a clock that records and shortens long sleeps, a client, token-leak checks. */
import { inspect } from "node:util";
import { IntercomClient, type ClientOptions } from "../../provider/client/client";
import type { Clock } from "../../provider/jobs";
import { runtimeSeams } from "../../provider/lifecycle";
import { createLogger } from "../../provider/log";
import { TOKEN } from "../helpers/provider-env";

/** Retry timing for tests: real backoff shape, millisecond delays. Production defaults are in retry.ts. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
/** Per-request timeout for tests (the slow faults wait longer than this before answering). */
export const TEST_TIMEOUT_MS = 400;

/**
 * An emulator job that is still pending in the create answer and completed by the first status poll, with
 * `FIRST_POLL` inputs (first poll ≥ 90 ms after the create answer). `outcome` is fixed so the emulator does not
 * generate the month's data while creating (which, on a busy machine, can take longer than `pendingMs`).
 */
export const DONE_BY_FIRST_POLL = { pendingMs: 50, inProgressMs: 0, outcome: "completed" as const };
export const FIRST_POLL = { pollIntervalSeconds: 0.1, maxPollIntervalSeconds: 0.2 };

/**
 * A clock whose `sleep` records every requested delay and really sleeps only 1/50 of delays of 500 ms or more
 * (Retry-After: 1 → 20 ms), while `now()` moves on by the full requested time, so deadlines stay consistent.
 */
export function recordingClock(): Clock & { sleeps: number[] } {
  let skipped = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now() + skipped,
    sleep: async (ms) => {
      sleeps.push(ms);
      const real = ms >= 500 ? Math.round(ms / 50) : ms;
      skipped += ms - real;
      await new Promise((resolve) => setTimeout(resolve, real));
    },
  };
}

/** Installs the fast seams on the provider for one test; returns the clock. Call in beforeEach (after useEmulator's). */
export function fastSeams(): Clock & { sleeps: number[] } {
  const clock = recordingClock();
  runtimeSeams.clock = clock;
  runtimeSeams.retry = FAST_RETRY;
  runtimeSeams.requestTimeoutMs = TEST_TIMEOUT_MS;
  return clock;
}

/** A client configured as the provider configures it (logs through the redacting logger). */
export function testClient(baseUrl: string, o: Partial<ClientOptions> = {}): IntercomClient {
  return new IntercomClient({
    baseUrl,
    accessToken: TOKEN,
    apiVersion: "2.8",
    requestTimeoutMs: TEST_TIMEOUT_MS,
    retry: FAST_RETRY,
    sleep: (ms) => runtimeSeams.clock.sleep(ms),
    log: createLogger(() => [TOKEN]),
    ...o,
  });
}

/**
 * Every way a thrown error can reach a person or a file: message, stack, String(), JSON (what Pulumi and
 * loggers serialize, including `properties` of a partial failure) and a deep inspect (causes included).
 */
export function errorTexts(e: unknown): string[] {
  const err = e as (Error & { properties?: unknown }) | undefined;
  return [
    String(e),
    err?.message ?? "",
    err?.stack ?? "",
    JSON.stringify(e) ?? "",
    JSON.stringify(err?.properties ?? null),
    inspect(e, { depth: 10, showHidden: true }),
  ];
}

/** Asserts that `secret` appears in none of the error's texts nor in the captured logs. */
export function expectNoLeak(secret: string, e: unknown, logs: string[]): void {
  for (const text of errorTexts(e)) expect(text).not.toContain(secret);
  expect(logs.join("\n")).not.toContain(secret);
}
