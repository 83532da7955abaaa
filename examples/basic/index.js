// @ts-check
"use strict";
/**
 * examples/basic: one Intercom content data export, run by `pulumi up`.
 *
 * Stack config (optional):
 *   intercom-export-basic:from   first day, inclusive (YYYY-MM-DD)
 *   intercom-export-basic:to     last day, inclusive (YYYY-MM-DD)
 *   Without them the range is the previous calendar month (UTC) at the time of the run, so a `pulumi up` in a
 *   later month replaces the export with a new job; set both to pin the range.
 * Provider config: intercom:accessToken (secret), intercom:region, intercom:baseUrl, or the environment variables
 * INTERCOM_ACCESS_TOKEN, INTERCOM_REGION, INTERCOM_BASE_URL.
 */
const pulumi = require("@pulumi/pulumi");
const { ContentDataExport } = require("pulumi-intercom-export");

/** First and last day (YYYY-MM-DD) of the calendar month before `now`, in UTC. */
function previousMonth(now = new Date()) {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  const day = (/** @type {Date} */ d) => d.toISOString().slice(0, 10);
  return { from: day(first), to: day(last) };
}

module.exports = async () => {
  const config = new pulumi.Config();
  let from = config.get("from");
  let to = config.get("to");
  if ((from === undefined) !== (to === undefined)) {
    throw new Error("set both intercom-export-basic:from and intercom-export-basic:to, or neither");
  }
  if (from === undefined || to === undefined) ({ from, to } = previousMonth());

  const messages = new ContentDataExport("messages", {
    createdAtAfter: from, // "YYYY-MM-DD" is midnight UTC; both bounds are inclusive days
    createdAtBefore: to,
  });

  return {
    range: `${from} .. ${to}`,
    jobIdentifier: messages.jobIdentifier,
    status: messages.status,
    downloadUrl: messages.downloadUrl,
    downloadExpiresAt: messages.downloadExpiresAtIso,
  };
};
