/** The user-facing resource: `new ContentDataExport(name, { createdAtAfter, createdAtBefore, ... })`. */
import * as pulumi from "@pulumi/pulumi";
import { PROVIDER_MODULE_TEXT } from "./provider";

/** The type token Pulumi gives dynamic resources: served by the `pulumi-nodejs` provider plugin. */
export const CONTENT_DATA_EXPORT_TYPE = "pulumi-nodejs:dynamic/intercom:ContentDataExport";

export interface ContentDataExportArgs {
  /**
   * Start of the range, inclusive: unix seconds, or an ISO-8601 date ("2024-06-01", midnight UTC) or date-time
   * with timezone. Required, unless `jobIdentifier` adopts an existing job.
   */
  createdAtAfter?: pulumi.Input<number | string>;
  /** End of the range, inclusive as Intercom documents: "2024-06-30" includes all of June 30th. */
  createdAtBefore?: pulumi.Input<number | string>;
  /**
   * Adopt an existing job instead of creating one (no POST): a job started by hand, or one an interrupted run
   * left behind (its id is in the log). Intercom does not report a job's range, so a declared range is recorded
   * as given and cannot be verified. Changing or removing it replaces the resource.
   */
  jobIdentifier?: pulumi.Input<string>;
  /** When the export has expired (found by refresh, or past its recorded expiry), replace it with a fresh job on the next `pulumi up`. @default false */
  renewWhenExpired?: pulumi.Input<boolean>;
  /** Wait in `pulumi up` until the job is terminal. @default true */
  waitForCompletion?: pulumi.Input<boolean>;
  /** Our own deadline for that wait, in seconds (Pulumi's customTimeouts do not reach dynamic providers). @default 3600 */
  timeoutSeconds?: pulumi.Input<number>;
  /** Shortest delay between status checks; later checks wait 10% of the time waited so far. @default 1 */
  pollIntervalSeconds?: pulumi.Input<number>;
  /** Cap on the delay between status checks. @default 60 */
  maxPollIntervalSeconds?: pulumi.Input<number>;
  /** How long to wait for the workspace's single export slot when another job holds it. @default 900 */
  slotWaitSeconds?: pulumi.Input<number>;
  /** Cancel a still-running job on delete or replace. @default false */
  cancelOnDelete?: pulumi.Input<boolean>;
}

/**
 * An Intercom content data export job. A dynamic-provider resource: it is a `pulumi.CustomResource` of the
 * dynamic type `pulumi-nodejs:dynamic/intercom:ContentDataExport` whose `__provider` is the small fixed module
 * in ./provider.ts rather than a closure-serialized copy of the code.
 */
export class ContentDataExport extends pulumi.CustomResource {
  /** Intercom's job id (also the resource id). */
  declare readonly jobIdentifier: pulumi.Output<string>;
  /** pending | in_progress | completed | no_data | failed | canceled | expired */
  declare readonly status: pulumi.Output<string>;
  /** Where to GET the data (with the access token and `Accept: application/octet-stream`); "" until completed and for no_data. */
  declare readonly downloadUrl: pulumi.Output<string>;
  /** Unix seconds as a string, exactly as Intercom returns it; "" until completed. */
  declare readonly downloadExpiresAt: pulumi.Output<string>;
  /** downloadExpiresAt as ISO-8601; "" until completed. */
  declare readonly downloadExpiresAtIso: pulumi.Output<string>;
  /** True once the download is past its expiry or Intercom no longer knows the job. */
  declare readonly expired: pulumi.Output<boolean>;
  /** The range as sent to Intercom, unix seconds (for an adopted job: as declared, or null). */
  declare readonly createdAtAfter: pulumi.Output<number | null>;
  declare readonly createdAtBefore: pulumi.Output<number | null>;
  /** True when the job was adopted through `jobIdentifier`. */
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly renewWhenExpired: pulumi.Output<boolean>;
  /** When the job was created (ISO-8601). */
  declare readonly requestedAt: pulumi.Output<string>;
  /** When the job was first seen terminal (ISO-8601), "" before that. */
  declare readonly completedAt: pulumi.Output<string>;
  /** The Intercom API base URL the job lives on. */
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly waitForCompletion: pulumi.Output<boolean>;
  declare readonly timeoutSeconds: pulumi.Output<number>;
  declare readonly pollIntervalSeconds: pulumi.Output<number>;
  declare readonly maxPollIntervalSeconds: pulumi.Output<number>;
  declare readonly slotWaitSeconds: pulumi.Output<number>;
  declare readonly cancelOnDelete: pulumi.Output<boolean>;

  constructor(name: string, args: ContentDataExportArgs, opts?: pulumi.CustomResourceOptions) {
    if (!args || typeof args !== "object") {
      throw new Error(`ContentDataExport '${name}': args are required ({ createdAtAfter, createdAtBefore })`);
    }
    const props: Record<string, unknown> = {
      jobIdentifier: undefined,
      status: undefined,
      downloadUrl: undefined,
      downloadExpiresAt: undefined,
      downloadExpiresAtIso: undefined,
      expired: undefined,
      adopted: undefined,
      // Options are outputs too (their effective values); listing them makes Pulumi expose them even when unset.
      waitForCompletion: undefined,
      timeoutSeconds: undefined,
      pollIntervalSeconds: undefined,
      maxPollIntervalSeconds: undefined,
      slotWaitSeconds: undefined,
      cancelOnDelete: undefined,
      renewWhenExpired: undefined,
      createdAtAfter: undefined,
      createdAtBefore: undefined,
      requestedAt: undefined,
      completedAt: undefined,
      endpoint: undefined,
      ...args,
      __provider: PROVIDER_MODULE_TEXT,
    };
    super(CONTENT_DATA_EXPORT_TYPE, name, props, opts);
  }
}
