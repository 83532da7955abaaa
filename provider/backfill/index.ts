/** Backfills: a long range exported window by window (see component.ts and windows.ts). */
export {
  ContentDataExportBackfill,
  ContentDataExportBackfillArgs,
  BackfillExport,
  BackfillExportOptions,
  CONTENT_DATA_EXPORT_BACKFILL_TYPE,
} from "./component";
export {
  splitWindows,
  BackfillWindow,
  BackfillWindowSpec,
  BackfillInputError,
  SplitOptions,
  MAX_WINDOWS,
  MAX_WINDOW_DAYS,
} from "./windows";
