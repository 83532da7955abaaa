/**
 * The main job: one Intercom content data export for a whole calendar month, run by `pulumi up`.
 *
 * Stack config (all optional):
 *   intercom-export:month    "YYYY-MM" to export; default: the previous calendar month (UTC) at the time of the run
 *   intercom-export:timeoutSeconds, intercom-export:pollIntervalSeconds, intercom-export:cancelOnDelete
 * Provider config: intercom:accessToken (secret), intercom:region, intercom:baseUrl, intercom:apiVersion
 * (or INTERCOM_ACCESS_TOKEN, INTERCOM_REGION, INTERCOM_BASE_URL, INTERCOM_API_VERSION).
 *
 * Exported as a function so the same program runs under `pulumi up` (language host) and the Automation API.
 */
import * as pulumi from "@pulumi/pulumi";
import { ContentDataExport } from "./provider";

/** "2026-11" → first and last day of that month, as ISO dates. */
function monthRange(month: string): { first: string; last: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || +m[2] < 1 || +m[2] > 12)
    throw new Error(`intercom-export:month must look like 2024-06; got '${month}'`);
  const y = +m[1];
  const mo = +m[2];
  const lastDay = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return { first: `${m[1]}-${m[2]}-01`, last: `${m[1]}-${m[2]}-${String(lastDay).padStart(2, "0")}` };
}

function previousMonth(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

export = async () => {
  const config = new pulumi.Config("intercom-export");
  const month = config.get("month") ?? previousMonth();
  const { first, last } = monthRange(month);

  const monthly = new ContentDataExport("monthly", {
    createdAtAfter: first,
    createdAtBefore: last,
    timeoutSeconds: config.getNumber("timeoutSeconds"),
    pollIntervalSeconds: config.getNumber("pollIntervalSeconds"),
    cancelOnDelete: config.getBoolean("cancelOnDelete"),
  });

  return {
    month,
    jobIdentifier: monthly.jobIdentifier,
    status: monthly.status,
    downloadUrl: monthly.downloadUrl,
    downloadExpiresAt: monthly.downloadExpiresAt,
    downloadExpiresAtIso: monthly.downloadExpiresAtIso,
    createdAtAfter: monthly.createdAtAfter,
    createdAtBefore: monthly.createdAtBefore,
  };
};
