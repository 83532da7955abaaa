/** Public API of the Intercom export-API emulator. */
export { startEmulator } from "./server";
export type { Emulator, EmulatorJob, RequestLogEntry, RouteName, AuthState } from "./server";
export { DEFAULT_OPTIONS } from "./options";
export type { EmulatorOptions, Outcome } from "./options";
export type { Fault, FaultKind, FaultRoute } from "./faults";
export type { JobSnapshot, JobStatus } from "./jobs";
export {
  STATS,
  RECEIPT_COLUMNS,
  STAT_TIME_COLUMN,
  csvHeader,
  dataWindow,
  receiptsInWindow,
  rowCounts,
} from "./data";
export type { Stat, EngagementStat, ExportRange, DataWindow, DataConfig, Receipt } from "./data";
export { statFileName, fileDate } from "./download";
export type { DownloadFormat } from "./download";
