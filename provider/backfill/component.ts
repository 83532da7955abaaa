/**
 * `ContentDataExportBackfill`: a long date range exported as one `ContentDataExport` per window (a calendar
 * month by default), run one after another.
 */
import * as pulumi from "@pulumi/pulumi";
import { ContentDataExport, ContentDataExportArgs } from "../resource";
import { BackfillInputError, BackfillWindow, BackfillWindowSpec, splitWindows, utcToday } from "./windows";

export const CONTENT_DATA_EXPORT_BACKFILL_TYPE = "intercom:index:ContentDataExportBackfill";

/**
 * The options every child export gets: everything a ContentDataExport takes except its range (one per window)
 * and the adoption of an existing job (one job cannot be every window's).
 */
export type BackfillExportOptions = Omit<
  ContentDataExportArgs,
  "createdAtAfter" | "createdAtBefore" | "jobIdentifier"
>;

export interface ContentDataExportBackfillArgs extends BackfillExportOptions {
  /**
   * First day of the backfill, inclusive: an ISO date such as "2024-01-01". A plain value, not an Output: the
   * set of child resources must be known when the program runs.
   */
  from: string;
  /** Last day, inclusive ("2024-12-31" includes all of December 31st). A plain value, like `from`. */
  to: string;
  /** How to cut the range: "month" (default), "week" (ISO weeks), "day", or `{ days: N }`. */
  window?: BackfillWindowSpec;
}

/** One window's export, as the `exports` output lists it. */
export interface BackfillExport {
  /** The window's key (`2024-06`); the child resource is named `<backfill name>-<key>`. */
  key: string;
  /** First and last day of the window, inclusive (`YYYY-MM-DD`). */
  start: string;
  end: string;
  jobIdentifier: string;
  status: string;
  downloadUrl: string;
  downloadExpiresAt: string;
}

/**
 * Exports `[from, to]` window by window. Each window is a child `ContentDataExport` named after its calendar
 * period (`<name>-2024-06`), so extending the range adds children and leaves the existing ones untouched. Each
 * child `dependsOn` the previous one: Intercom runs one export job per workspace, and the chain makes the jobs
 * run one after another instead of queuing on the export slot. Each child succeeds or fails on its own; a failed
 * window stops the later ones in that run, and the next `pulumi up` retries it (a new job for that window only)
 * and carries on.
 */
export class ContentDataExportBackfill extends pulumi.ComponentResource {
  /** The windows, in order. */
  readonly windows: BackfillWindow[];
  /** The child exports, in window order (same order as `windows`). */
  readonly children: ContentDataExport[];
  /** Per window: range, job id, status, download URL and expiry. */
  readonly exports: pulumi.Output<BackfillExport[]>;

  constructor(name: string, args: ContentDataExportBackfillArgs, opts?: pulumi.ComponentResourceOptions) {
    if (!args || typeof args !== "object") {
      throw new BackfillInputError(
        "args",
        `ContentDataExportBackfill '${name}': args are required ({ from, to, window? })`,
      );
    }
    const { from, to, window, ...exportOptions } = args;
    let windows: BackfillWindow[];
    try {
      const foreign: Record<string, string> = {
        createdAtAfter: "use `from` and `to`: each window's export gets its own range",
        createdAtBefore: "use `from` and `to`: each window's export gets its own range",
        jobIdentifier:
          "one job cannot be every window's; to adopt an existing job, declare that window as its own ContentDataExport",
      };
      for (const [key, hint] of Object.entries(foreign)) {
        if (key in exportOptions)
          throw new BackfillInputError(key, `${key} is not a backfill input: ${hint}`);
      }
      windows = splitWindows(from, to, window ?? "month", { today: utcToday() });
    } catch (e) {
      if (e instanceof BackfillInputError) {
        e.message = `ContentDataExportBackfill '${name}': ${e.message}`;
      }
      throw e;
    }
    super(CONTENT_DATA_EXPORT_BACKFILL_TYPE, name, {}, opts);

    const today = utcToday();
    const last = windows[windows.length - 1];
    if (last.end >= today) {
      void pulumi.log.warn(
        `window ${last.key} ends ${last.end === today ? "today" : "after today"} (${last.end}): its export holds only the messages sent before the job runs, and it is not re-run later; end the backfill yesterday or earlier for complete data`,
        this,
      );
    }

    this.windows = windows;
    this.children = [];
    let previous: ContentDataExport | undefined;
    for (const w of windows) {
      const child: ContentDataExport = new ContentDataExport(
        `${name}-${w.key}`,
        { ...exportOptions, createdAtAfter: w.start, createdAtBefore: w.end },
        { parent: this, dependsOn: previous ? [previous] : opts?.dependsOn },
      );
      this.children.push(child);
      previous = child;
    }

    this.exports = pulumi.all(
      this.children.map((child, i) =>
        pulumi
          .all([child.jobIdentifier, child.status, child.downloadUrl, child.downloadExpiresAt])
          .apply(([jobIdentifier, status, downloadUrl, downloadExpiresAt]) => ({
            key: windows[i].key,
            start: windows[i].start,
            end: windows[i].end,
            jobIdentifier,
            status,
            downloadUrl,
            downloadExpiresAt,
          })),
      ),
    );
    this.registerOutputs({ windows: this.windows, exports: this.exports });
  }
}
