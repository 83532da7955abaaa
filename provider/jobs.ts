/**
 * Export-job operations built on the client: start a job (waiting for the workspace's single export slot),
 * wait for a job to finish (capped backoff polling with progress logs), cancel without failing on gone jobs.
 * Pulumi-agnostic: ../lifecycle.ts maps these onto the provider methods.
 */
import { backoffDelay, sleep as realSleep } from "./backoff";
import { CreateExportRange, IntercomClient } from "./client/client";
import { ExportJob, KNOWN_STATUSES, TERMINAL_STATUSES } from "./client/job";
import { retryDelay } from "./client/retry";
import {
  ConnectionError,
  CreateOutcomeUnknownError,
  ExportSlotBusyError,
  ExportSlotWaitTimeoutError,
  ExportTimeoutError,
  NotFoundError,
  RateLimitError,
  RequestTimeoutError,
  ResponseFormatError,
  ServerError,
} from "./errors";
import { Logger } from "./log";
import { isoDate } from "./schema";

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
export const realClock: Clock = { now: () => Date.now(), sleep: realSleep };

/**
 * POSTs the export. While another job holds the slot (429 "1 pending message data export jobs"), waits and
 * tries again for up to `slotWaitSeconds`, logging each wait.
 *
 * A failure that leaves the outcome unknown (5xx, reset, timeout, unreadable body: the request may have reached
 * Intercom) is followed by another POST, with the client's backoff and retry budget. That is not a blind
 * repeat: Intercom runs one export job per workspace, so if an earlier POST did start a job, the next one is
 * refused with the busy-slot 429 instead of starting a duplicate. That 429 after a lost answer ends the
 * attempt with CreateOutcomeUnknownError (the job holding the slot is most likely ours, and its id is lost).
 */
export async function startExport(
  client: IntercomClient,
  range: CreateExportRange,
  o: {
    slotWaitSeconds: number;
    /** Slot checks back off from pollIntervalSeconds, ×1.5 each time, up to maxPollIntervalSeconds. */
    pollIntervalSeconds: number;
    maxPollIntervalSeconds: number;
    log: Logger;
    clock?: Clock;
  },
): Promise<ExportJob> {
  const clock = o.clock ?? realClock;
  const started = clock.now();
  const what = `${isoDate(range.createdAtAfter)} .. ${isoDate(range.createdAtBefore)}`;
  const slotBackoff = {
    initialMs: o.pollIntervalSeconds * 1000,
    factor: 1.5,
    maxMs: o.maxPollIntervalSeconds * 1000,
    jitter: 0.2,
  };
  let firstLost: AmbiguousError | undefined;
  let lastLost: AmbiguousError | undefined;
  let lostAnswers = 0;
  let notSent = 0;
  for (let attempts = 1, slotWaits = 0; ; attempts++) {
    try {
      const job = await client.createExport(range);
      if (firstLost) {
        o.log.warn(
          `create request ${attempts} started job ${job.jobIdentifier}; the ${lostAnswers} before it got no ` +
            "usable answer and, as the one-job rule shows, started none",
        );
      }
      return job;
    } catch (e) {
      if (e instanceof ExportSlotBusyError) {
        if (firstLost) {
          // Most likely our own earlier POST started the job that now holds the slot, and its id was lost.
          throw new CreateOutcomeUnknownError(firstLost, attempts, true, lastLost);
        }
        const elapsed = (clock.now() - started) / 1000;
        const delay = backoffDelay(slotWaits++, slotBackoff);
        if (elapsed + delay / 1000 > o.slotWaitSeconds)
          throw new ExportSlotWaitTimeoutError(o.slotWaitSeconds, e);
        o.log.info(
          `export slot busy: another content data export job is pending or in progress in this workspace ` +
            `(Intercom allows one at a time). Waiting to start ${what}: ${Math.round(elapsed)}s of ` +
            `slotWaitSeconds=${o.slotWaitSeconds} elapsed, next try in ${(delay / 1000).toFixed(1)}s`,
        );
        await clock.sleep(delay);
        continue;
      }
      if (e instanceof ConnectionError && e.neverSent) {
        // Nothing left this machine, so no job can exist: an ordinary retry, with no talk of lost answers.
        const delay = retryDelay(e, notSent++, client.retryPolicy);
        if (delay === undefined)
          throw firstLost ? new CreateOutcomeUnknownError(firstLost, attempts, false, e) : e;
        o.log.warn(`${e.message}; trying again in ${(delay / 1000).toFixed(1)}s`);
        await clock.sleep(delay);
        continue;
      }
      if (!isAmbiguous(e)) throw e;
      firstLost ??= e;
      lastLost = e;
      lostAnswers++;
      const delay = retryDelay(e, lostAnswers - 1, client.retryPolicy);
      if (delay === undefined) throw new CreateOutcomeUnknownError(firstLost, attempts, false, lastLost);
      o.log.warn(
        `${e.message}; the request may have started a job, so it is sent again in ${(delay / 1000).toFixed(1)}s ` +
          `(retry ${lostAnswers}/${client.retryPolicy.limit}): if it did, Intercom's one-job rule refuses the ` +
          "new request (HTTP 429) instead of starting a second job",
      );
      await clock.sleep(delay);
    }
  }
}

type AmbiguousError = ServerError | ConnectionError | RequestTimeoutError | ResponseFormatError;

function isAmbiguous(e: unknown): e is AmbiguousError {
  return (
    e instanceof ServerError ||
    e instanceof ConnectionError ||
    e instanceof RequestTimeoutError ||
    e instanceof ResponseFormatError
  );
}

/** Failures of a status request that say nothing about the job: waiting on is the right answer. */
function isTransient(e: unknown): e is AmbiguousError | RateLimitError {
  return isAmbiguous(e) || e instanceof RateLimitError;
}

export interface WaitOptions {
  /** Overall deadline for the wait, in seconds, counted from `startedAt`. */
  timeoutSeconds: number;
  pollIntervalSeconds: number;
  maxPollIntervalSeconds: number;
  /** When the wait began (ms); defaults to now. */
  startedAt?: number;
  log: Logger;
  clock?: Clock;
  /** Called with every status seen (used to keep the latest job for partial-failure state). */
  onStatus?: (job: ExportJob) => void;
}

/** Share of the time waited so far after which the status is checked again. */
const POLL_FRACTION = 0.1;

/**
 * Delay before the next status check: 10% of the time waited so far, at least pollIntervalSeconds and at most
 * maxPollIntervalSeconds, jittered downwards by up to 10% (never later). Completion is therefore noticed within
 * about 10% of a job's duration, and the number of checks grows with the logarithm of the duration until the
 * cap (a 10 s job: ~10 checks, 1 min: ~26, 10 min: ~50, 1 h: ~100; fixed 1 s polling would cost 3600).
 */
export function nextPollDelayMs(
  elapsedMs: number,
  o: { pollIntervalSeconds: number; maxPollIntervalSeconds: number },
  random: () => number = Math.random,
): number {
  const raw = Math.min(
    o.maxPollIntervalSeconds * 1000,
    Math.max(o.pollIntervalSeconds * 1000, elapsedMs * POLL_FRACTION),
  );
  return Math.round(raw * (1 - 0.1 * random()));
}

/**
 * Polls until the job is terminal, on the schedule of nextPollDelayMs. Every wait is logged (status,
 * elapsed, next check). A status request that still fails after the client's retries (5xx, timeouts, resets,
 * rate limits, unreadable bodies) is logged and the wait goes on: the job is unaffected by our failing to
 * look at it. A status value this version does not know is waited on, with one warning per value. Returns the
 * terminal job (success or not; the caller decides); throws ExportTimeoutError at the deadline, and any other
 * error (401/403/404…) at once.
 */
export async function waitForTerminal(
  client: IntercomClient,
  job: ExportJob,
  o: WaitOptions,
): Promise<ExportJob> {
  const clock = o.clock ?? realClock;
  const startedAt = o.startedAt ?? clock.now();
  const deadline = startedAt + o.timeoutSeconds * 1000;
  const warned = new Set<string>();
  let current = job;
  let failure: AmbiguousError | RateLimitError | undefined;
  while (!TERMINAL_STATUSES.has(current.status)) {
    if (!KNOWN_STATUSES.has(current.status) && !warned.has(current.rawStatus)) {
      warned.add(current.rawStatus);
      o.log.warn(
        `job ${current.jobIdentifier} has a status this version does not know ('${current.rawStatus}'); ` +
          `treating it as still running and waiting (at most timeoutSeconds=${o.timeoutSeconds})`,
      );
    }
    const now = clock.now();
    if (now >= deadline)
      throw new ExportTimeoutError(current.jobIdentifier, current.status, o.timeoutSeconds);
    // After a rate limit that outlasted the client's retries, the next check waits at least what Intercom named.
    const floor = failure instanceof RateLimitError ? (failure.retryAfterSeconds ?? 0) * 1000 : 0;
    const delay = Math.min(Math.max(nextPollDelayMs(now - startedAt, o), floor), deadline - now);
    const elapsed = Math.round((now - startedAt) / 1000);
    const next = `next check in ${(delay / 1000).toFixed(1)}s (timeoutSeconds=${o.timeoutSeconds})`;
    if (failure) {
      o.log.warn(
        `could not read the status of job ${current.jobIdentifier} (${failure.message}); still waiting: ` +
          `last known status ${current.status} after ${elapsed}s; ${next}`,
      );
    } else o.log.info(`job ${current.jobIdentifier} is ${current.status} after ${elapsed}s; ${next}`);
    await clock.sleep(delay);
    try {
      current = await client.getExport(current.jobIdentifier);
      failure = undefined;
    } catch (e) {
      if (!isTransient(e)) throw e;
      failure = e;
      continue;
    }
    o.onStatus?.(current);
  }
  return current;
}

/** Cancels a job if it is still running. A job Intercom no longer knows, or one already terminal, is done. */
export async function cancelIfRunning(
  client: IntercomClient,
  jobIdentifier: string,
  log: Logger,
): Promise<string> {
  try {
    const job = await client.cancelExport(jobIdentifier);
    if (KNOWN_STATUSES.has(job.status)) {
      log.info(`cancel requested for job ${jobIdentifier}: status is now ${job.status}`);
    } else {
      log.warn(
        `cancel requested for job ${jobIdentifier}: Intercom accepted it but answered with a status this ` +
          `version does not know ('${job.rawStatus}')`,
      );
    }
    return job.status;
  } catch (e) {
    if (e instanceof NotFoundError) {
      log.info(`job ${jobIdentifier} is unknown to Intercom (expired or removed); nothing to cancel`);
      return "expired";
    }
    throw e;
  }
}
