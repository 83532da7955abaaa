/** pulumi-intercom-export: Intercom content data exports as Pulumi resources. */
export { ContentDataExport, ContentDataExportArgs, CONTENT_DATA_EXPORT_TYPE } from "./resource";
export { contentDataExportProvider, PROVIDER_MODULE_TEXT } from "./provider";
export type { ContentDataExportOutputs } from "./lifecycle";
export { IntercomClient, ClientOptions, DownloadResponse, USER_AGENT } from "./client/client";
export { ExportJob, JobStatus, parseJob } from "./client/job";
export { RetryOptions, DEFAULT_RETRY } from "./client/retry";
export { resolveConfig, REGION_BASE_URLS, DEFAULT_API_VERSION, CONFIG_KEYS } from "./config";
export { ExportOptions, DEFAULT_OPTIONS, checkInputs, UNKNOWN } from "./schema";
export * from "./errors";
export {
  ContentDataExportBackfill,
  ContentDataExportBackfillArgs,
  BackfillExport,
  BackfillExportOptions,
  CONTENT_DATA_EXPORT_BACKFILL_TYPE,
  splitWindows,
  BackfillWindow,
  BackfillWindowSpec,
  BackfillInputError,
  SplitOptions,
} from "./backfill";
export * from "./download";
