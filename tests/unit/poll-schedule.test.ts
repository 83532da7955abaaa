/**
 * The status-poll schedule: check again after 10% of the time waited so far, bounded by pollIntervalSeconds and
 * maxPollIntervalSeconds, so completion is noticed within about 10% of a job's duration at a cost that grows
 * with the logarithm of the duration (until the cap).
 */
import { nextPollDelayMs } from "../../provider/jobs";
import { DEFAULT_OPTIONS } from "../../provider/schema";

const o = {
  pollIntervalSeconds: DEFAULT_OPTIONS.pollIntervalSeconds,
  maxPollIntervalSeconds: DEFAULT_OPTIONS.maxPollIntervalSeconds,
};

test("the defaults: first check after 1 s, at most 60 s apart", () => {
  expect(DEFAULT_OPTIONS.pollIntervalSeconds).toBe(1);
  expect(DEFAULT_OPTIONS.maxPollIntervalSeconds).toBe(60);
});

test.each([
  [0, 1000],
  [5_000, 1000],
  [30_000, 3000],
  [300_000, 30_000],
  [3_600_000, 60_000],
])("after %d ms waited, the next check comes %d ms later (no jitter)", (elapsed, want) => {
  expect(nextPollDelayMs(elapsed, o, () => 0)).toBe(want);
});

test("jitter only ever makes a check earlier, by at most 10%", () => {
  expect(nextPollDelayMs(300_000, o, () => 1)).toBe(27_000);
  expect(nextPollDelayMs(300_000, o, () => 0.5)).toBe(28_500);
});

/** Simulates a job of `durationMs` and returns the number of status checks and how late completion was seen. */
function simulate(durationMs: number, random: () => number) {
  let t = 0;
  let checks = 0;
  while (t < durationMs) {
    t += nextPollDelayMs(t, o, random);
    checks++;
  }
  return { checks, late: (t - durationMs) / durationMs };
}

test.each([
  [10_000, 12],
  [60_000, 32],
  [600_000, 60],
  [3_600_000, 120],
])("a %d ms job is noticed within 10%% of its duration with at most %d checks", (duration, maxChecks) => {
  for (const random of [() => 0, () => 0.5, () => 0.999]) {
    const { checks, late } = simulate(duration, random);
    expect(late).toBeLessThanOrEqual(0.1);
    expect(checks).toBeLessThanOrEqual(maxChecks);
  }
});
