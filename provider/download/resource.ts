/**
 * `new ContentDataExportDownload(name, { jobIdentifier: exp.jobIdentifier, outDir: "data/june" })`: the files
 * of an export on disk during `pulumi up`, as outputs later resources can depend on.
 */
import * as pulumi from "@pulumi/pulumi";
import { loaderModuleText } from "../provider";
import type { DownloadedFileOutput } from "./lifecycle";

export const CONTENT_DATA_EXPORT_DOWNLOAD_TYPE = "pulumi-nodejs:dynamic/intercom:ContentDataExportDownload";

/**
 * The `__provider` stored in state for every ContentDataExportDownload: like ContentDataExport's (see
 * ../provider.ts), a fixed module that loads the installed package's runtime, here its `downloadLifecycle`.
 */
export const DOWNLOAD_PROVIDER_MODULE_TEXT = loaderModuleText("downloadLifecycle");

export interface ContentDataExportDownloadArgs {
  /** The job to download, typically `exp.jobIdentifier` of a ContentDataExport. Give this or `downloadUrl`. */
  jobIdentifier?: pulumi.Input<string>;
  /** Or a download URL (the token is sent only to the configured Intercom host). */
  downloadUrl?: pulumi.Input<string>;
  /** Destination folder, relative to the Pulumi project folder unless absolute. */
  outDir: pulumi.Input<string>;
  /** Downloads from scratch after a truncated or corrupt body, in all: a whole number from 1 to 10. @default 3 */
  maxAttempts?: pulumi.Input<number>;
  /** On `pulumi up`, download again when a recorded file is missing or changed size on this machine. @default true */
  redownloadWhenMissing?: pulumi.Input<boolean>;
  /** Delete the files (those unchanged since the download) on destroy or replace. @default false */
  deleteOnDestroy?: pulumi.Input<boolean>;
}

/**
 * The CSV files of a completed content data export, downloaded into `outDir` during `pulumi up` (verified,
 * written atomically; see `downloadExport`). A job that ended `no_data` gives no files and `totalRows` 0.
 *
 * Inputs are checked before anything runs: `jobIdentifier` or `downloadUrl` (one of them), `outDir`,
 * `maxAttempts` (1 to 10), the two booleans; any other property is refused by name ("did you mean …?").
 */
export class ContentDataExportDownload extends pulumi.CustomResource {
  /** The files written, in archive order: absolute path, name, statistic, data rows, bytes, SHA-256. */
  declare readonly files: pulumi.Output<DownloadedFileOutput[]>;
  declare readonly totalRows: pulumi.Output<number>;
  declare readonly totalBytes: pulumi.Output<number>;
  /** outDir made absolute. */
  declare readonly outDirPath: pulumi.Output<string>;
  /** When the files were downloaded (ISO-8601). */
  declare readonly downloadedAt: pulumi.Output<string>;
  declare readonly jobIdentifier: pulumi.Output<string>;
  declare readonly downloadUrl: pulumi.Output<string>;
  declare readonly outDir: pulumi.Output<string>;
  declare readonly maxAttempts: pulumi.Output<number>;
  declare readonly redownloadWhenMissing: pulumi.Output<boolean>;
  declare readonly deleteOnDestroy: pulumi.Output<boolean>;

  constructor(name: string, args: ContentDataExportDownloadArgs, opts?: pulumi.CustomResourceOptions) {
    if (!args || typeof args !== "object") {
      throw new Error(`ContentDataExportDownload '${name}': args are required ({ jobIdentifier, outDir })`);
    }
    const props: Record<string, unknown> = {
      files: undefined,
      totalRows: undefined,
      totalBytes: undefined,
      outDirPath: undefined,
      downloadedAt: undefined,
      ...args,
      __provider: DOWNLOAD_PROVIDER_MODULE_TEXT,
    };
    super(CONTENT_DATA_EXPORT_DOWNLOAD_TYPE, name, props, opts);
  }
}
