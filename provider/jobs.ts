/**
 * Export-job operations built on the client: start a job (waiting for the workspace's single export slot),
 * wait for a job to finish (capped backoff polling with progress logs), cancel without failing on gone jobs.
 * Pulumi-agnostic: ../lifecycle.ts maps these onto the provider methods.
 */
import { backoffDelay, sleep as realSleep } from "./backoff";
import { CreateExportRange, IntercomClient } from "./client/client";
import { ExportJob, KNOWN_STATUSES, TERMINAL_STATUSES } from "./client/job";
import {
  ConnectionError,
  CreateOutcomeUnknownError,
  ExportSlotBusyError,
  ExportSlotWaitTimeoutError,
  ExportTimeoutError,
  NotFoundError,
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
 * tries again for up to `slotWaitSeconds`. A failure that leaves the outcome unknown (5xx, reset, timeout after
 * the request was sent) is followed by exactly one more POST: the one-job rule makes that safe, since if the
 * first POST did start a job, the second is refused with the busy-slot 429 instead of starting a duplicate.
 */
export async function startExport(
  client: IntercomClient,
  range: CreateExportRange,
  o: {
    slotWaitSeconds: number;
    /** Slot checks back off like status polls: from pollIntervalSeconds ×1.5 up to maxPollIntervalSeconds. */
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
  let ambiguous: CreateOutcomeUnknownError | undefined;
  for (let step = 0; ; step++) {
    try {
      const job = await client.createExport(range);
      if (ambiguous) {
        o.log.warn(
          `the first create request's outcome was unknown (${ambiguous.cause.message}); the retry started job ${job.jobIdentifier}`,
        );
      }
      return job;
    } catch (e) {
      if (e instanceof ExportSlotBusyError) {
        if (ambiguous) {
          // Most likely our own first POST started the job that now holds the slot, and its id was lost.
          throw ambiguous;
        }
        const elapsed = (clock.now() - started) / 1000;
        const delay = backoffDelay(step, slotBackoff);
        if (elapsed + delay / 1000 > o.slotWaitSeconds)
          throw new ExportSlotWaitTimeoutError(o.slotWaitSeconds, e);
        o.log.info(
          `export slot busy: another content data export job is pending or in progress in this workspace ` +
            `(Intercom allows one at a time). Waiting to start ${what}: ${Math.round(elapsed)}s of ` +
            `slotWaitSeconds=${o.slotWaitSeconds} elapsed, next try in ${Math.round(delay / 1000)}s`,
        );
        await clock.sleep(delay);
        continue;
      }
      if (!ambiguous && isAmbiguous(e)) {
        ambiguous = new CreateOutcomeUnknownError(e);
        o.log.warn(`${e.message}; checking once whether a job was started (one-job rule) before giving up`);
        await clock.sleep(Math.min(2_000, o.pollIntervalSeconds * 1000));
        continue;
      }
      throw ambiguous ?? e;
    }
  }
}

function isAmbiguous(
  e: unknown,
): e is ServerError | ConnectionError | RequestTimeoutError | ResponseFormatError {
  return (
    e instanceof ServerError ||
    e instanceof ConnectionError ||
    e instanceof RequestTimeoutError ||
    e instanceof ResponseFormatError
  );
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

/**
 * Polls until the job is terminal. Delays start at pollIntervalSeconds and grow ×1.5 (with 10% jitter) up to
 * maxPollIntervalSeconds, so a 10-minute job costs a dozen requests, not 600. Returns the terminal job (success
 * or not; the caller decides); throws ExportTimeoutError at the deadline.
 */
export async function waitForTerminal(
  client: IntercomClient,
  job: ExportJob,
  o: WaitOptions,
): Promise<ExportJob> {
  const clock = o.clock ?? realClock;
  const startedAt = o.startedAt ?? clock.now();
  const deadline = startedAt + o.timeoutSeconds * 1000;
  const backoff = {
    initialMs: o.pollIntervalSeconds * 1000,
    factor: 1.5,
    maxMs: o.maxPollIntervalSeconds * 1000,
    jitter: 0.1,
  };
  let current = job;
  for (let step = 0; !TERMINAL_STATUSES.has(current.status); step++) {
    if (!KNOWN_STATUSES.has(current.status)) {
      o.log.warn(
        `job ${current.jobIdentifier} has a status this version does not know ('${current.rawStatus}'); still waiting`,
      );
    }
    const now = clock.now();
    if (now >= deadline)
      throw new ExportTimeoutError(current.jobIdentifier, current.status, o.timeoutSeconds);
    const delay = Math.min(backoffDelay(step, backoff), deadline - now);
    o.log.info(
      `job ${current.jobIdentifier} is ${current.status} after ${Math.round((now - startedAt) / 1000)}s; ` +
        `next check in ${(delay / 1000).toFixed(1)}s (timeoutSeconds=${o.timeoutSeconds})`,
    );
    await clock.sleep(delay);
    current = await client.getExport(current.jobIdentifier);
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
    log.info(`cancel requested for job ${jobIdentifier}: status is now ${job.status}`);
    return job.status;
  } catch (e) {
    if (e instanceof NotFoundError) {
      log.info(`job ${jobIdentifier} is unknown to Intercom (expired or removed); nothing to cancel`);
      return "expired";
    }
    throw e;
  }
}
