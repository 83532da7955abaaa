/**
 * The export job as Intercom returns it, normalized: the documented typo `job_identfier` is accepted for
 * `job_identifier`, and the prose's `complete` is mapped to the enum's `completed` (which one the live API sends
 * per version is UNVERIFIED, so both are accepted).
 */
export type JobStatus = "pending" | "in_progress" | "completed" | "no_data" | "failed" | "canceled";

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "no_data", "failed", "canceled"]);
export const SUCCESS_STATUSES: ReadonlySet<string> = new Set(["completed", "no_data"]);
export const KNOWN_STATUSES: ReadonlySet<string> = new Set([
  "pending",
  "in_progress",
  "completed",
  "no_data",
  "failed",
  "canceled",
]);

export interface ExportJob {
  jobIdentifier: string;
  /** Normalized status; an unknown value from Intercom is passed through unchanged. */
  status: string;
  /** The status exactly as Intercom sent it (e.g. `complete`). */
  rawStatus: string;
  /** "" until the job completes. */
  downloadUrl: string;
  /** Unix seconds as a string, "" until the job completes. */
  downloadExpiresAt: string;
}

/** Returns the job, or a description of what is wrong with the body. */
export function parseJob(body: unknown): ExportJob | string {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return "the body is not a JSON object";
  const b = body as Record<string, unknown>;
  const id = b.job_identifier ?? b.job_identfier;
  if (typeof id !== "string" || id === "") return "the body has no job_identifier";
  if (typeof b.status !== "string" || b.status === "") return "the body has no status";
  const rawStatus = b.status;
  const status = rawStatus === "complete" ? "completed" : rawStatus === "cancelled" ? "canceled" : rawStatus;
  return {
    jobIdentifier: id,
    status,
    rawStatus,
    downloadUrl: typeof b.download_url === "string" ? b.download_url : "",
    // The schema says string; older fixtures used 0 for "none".
    downloadExpiresAt:
      typeof b.download_expires_at === "string"
        ? b.download_expires_at
        : typeof b.download_expires_at === "number" && b.download_expires_at > 0
          ? String(b.download_expires_at)
          : "",
  };
}
