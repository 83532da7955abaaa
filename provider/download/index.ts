/** Downloading a content data export: the library function, a summary of its receipts, and the Pulumi resource. */
export { downloadExport, DownloadExportOptions, DownloadProgress, DownloadedFile } from "./download";
export { summarizeExport, ExportSummary, ContentSummary, Engagement, ENGAGEMENTS } from "./summary";
export { statisticOf } from "./stats";
export { sniffFormat, BodyFormat } from "./sniff";
export {
  ContentDataExportDownload,
  ContentDataExportDownloadArgs,
  CONTENT_DATA_EXPORT_DOWNLOAD_TYPE,
  DOWNLOAD_PROVIDER_MODULE_TEXT,
} from "./resource";
export type { ContentDataExportDownloadOutputs, DownloadedFileOutput } from "./lifecycle";
