/**
 * Export jobs and their state machine. A job's status is computed from timestamps whenever it is read
 * (pending for `pendingMs`, then in_progress for `inProgressMs`, then its outcome), so there are no timers and
 * a test that steps the clock sees exactly the same sequence every time.
 */
import { randomInt } from "node:crypto";
import { dataWindow, hasReceipts, type DataConfig, type DataWindow, type ExportRange } from "./data";
import type { EmulatorOptions } from "./options";

export type JobStatus = "pending" | "in_progress" | "completed" | "no_data" | "failed" | "canceled";
type Outcome = "completed" | "no_data" | "failed";

export interface Job {
  id: string;
  range: ExportRange;
  /** Real creation time (ms); fixes the data cut-off and the file date. */
  createdAtMs: number;
  /** Timings and outcome are fixed at creation so later `configure()` calls cannot rewind a job. */
  pendingMs: number;
  inProgressMs: number;
  outcome: Outcome;
  downloadTtlSeconds: number;
  /** What the export contains, also fixed at creation. */
  window: DataWindow | undefined;
  data: DataConfig;
  /** The job's timeline is moved back by this much (expireJob = "two days have passed"). */
  shiftMs: number;
  canceledAtMs?: number;
  /** Created through the control API, "as if a person started it in Intercom". */
  direct: boolean;
}

/** Read-only view of a job at one moment. */
export interface JobSnapshot {
  id: string;
  status: JobStatus;
  range: ExportRange;
  createdAt: string;
  /** Unix seconds of completion, for completed jobs. */
  completedAt?: number;
  /** Unix seconds after which the download is gone, for completed jobs. */
  downloadExpiresAt?: number;
  expired: boolean;
  direct: boolean;
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Ids look like the documented ones ("al9w983lwu88w1fd"): 16 lowercase letters and digits. */
function newJobId(): string {
  let id = "";
  for (let i = 0; i < 16; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly options: () => EmulatorOptions) {}

  create(range: ExportRange, direct = false): Job {
    const options = this.options();
    const createdAtMs = options.clock();
    const window = dataWindow(
      range,
      Math.floor(createdAtMs / 1000),
      options.rangeMode,
      options.workspaceCreatedAt,
    );
    const data: DataConfig = {
      seed: options.dataSeed,
      receiptsPerDay: options.receiptsPerDay,
      targetBytes: options.targetDownloadBytes,
    };
    let outcome: Outcome;
    if (options.outcome !== "auto") outcome = options.outcome;
    else outcome = hasReceipts(window, data) ? "completed" : "no_data";
    let id = newJobId();
    while (this.jobs.has(id)) id = newJobId();
    const job: Job = {
      id,
      range: { ...range },
      createdAtMs,
      pendingMs: options.pendingMs,
      inProgressMs: options.inProgressMs,
      outcome,
      downloadTtlSeconds: options.downloadTtlSeconds,
      window,
      data,
      shiftMs: 0,
      direct,
    };
    this.jobs.set(id, job);
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  all(): Job[] {
    return [...this.jobs.values()];
  }

  forget(id: string): boolean {
    return this.jobs.delete(id);
  }

  clear(): void {
    this.jobs.clear();
  }

  status(job: Job): JobStatus {
    if (job.canceledAtMs !== undefined) return "canceled";
    const elapsed = this.options().clock() + job.shiftMs - job.createdAtMs;
    if (elapsed < job.pendingMs) return "pending";
    if (elapsed < job.pendingMs + job.inProgressMs) return "in_progress";
    return job.outcome;
  }

  isActive(job: Job): boolean {
    const status = this.status(job);
    return status === "pending" || status === "in_progress";
  }

  activeCount(): number {
    return this.all().filter((job) => this.isActive(job)).length;
  }

  /** Unix seconds at which the job finished processing (whatever the outcome). */
  completedAt(job: Job): number {
    return Math.floor((job.createdAtMs - job.shiftMs + job.pendingMs + job.inProgressMs) / 1000);
  }

  downloadExpiresAt(job: Job): number {
    return this.completedAt(job) + job.downloadTtlSeconds;
  }

  /** A completed job whose download lifetime has passed. */
  isExpired(job: Job): boolean {
    return this.status(job) === "completed" && this.options().clock() / 1000 >= this.downloadExpiresAt(job);
  }

  /** Pending/in_progress become canceled; terminal jobs are left as they are. */
  cancel(job: Job): void {
    if (this.isActive(job)) job.canceledAtMs = this.options().clock();
  }

  /**
   * Moves the job's timeline back so that it finished and its download lifetime ran out a second ago, as if
   * two days had passed. A job still running therefore also reaches its outcome. Canceled jobs stay canceled.
   */
  expire(job: Job): void {
    const now = this.options().clock();
    const elapsed = now + job.shiftMs - job.createdAtMs;
    const needed = job.pendingMs + job.inProgressMs + job.downloadTtlSeconds * 1000 + 1000;
    if (elapsed < needed) job.shiftMs += needed - elapsed;
  }

  snapshot(job: Job): JobSnapshot {
    const status = this.status(job);
    return {
      id: job.id,
      status,
      range: { ...job.range },
      createdAt: new Date(job.createdAtMs).toISOString(),
      completedAt: status === "completed" ? this.completedAt(job) : undefined,
      downloadExpiresAt: status === "completed" ? this.downloadExpiresAt(job) : undefined,
      expired: this.isExpired(job),
      direct: job.direct,
    };
  }
}
