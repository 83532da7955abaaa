/**
 * The backfill example's program: a year of Intercom content data exports, one export job per calendar month,
 * run one after another. Stack config (all optional):
 *
 *   from, to                  inclusive ISO dates; default: the twelve complete months before the current one
 *   window                    month (default) | week | day | a number of days
 *   timeoutSeconds, pollIntervalSeconds, maxPollIntervalSeconds, slotWaitSeconds, cancelOnDelete
 *
 * plus the provider's own settings: intercom:accessToken (secret), intercom:region, intercom:baseUrl.
 */
import * as pulumi from "@pulumi/pulumi";
import { ContentDataExportBackfill } from "pulumi-intercom-export";
import { lastTwelveMonths, windowFromConfig } from "./range";

export function program() {
  const config = new pulumi.Config();
  const year = lastTwelveMonths();
  const from = config.get("from") ?? year.from;
  const to = config.get("to") ?? year.to;

  const history = new ContentDataExportBackfill("history", {
    from,
    to,
    window: windowFromConfig(config.get("window")),
    timeoutSeconds: config.getNumber("timeoutSeconds"),
    pollIntervalSeconds: config.getNumber("pollIntervalSeconds"),
    maxPollIntervalSeconds: config.getNumber("maxPollIntervalSeconds"),
    slotWaitSeconds: config.getNumber("slotWaitSeconds"),
    cancelOnDelete: config.getBoolean("cancelOnDelete"),
  });

  return {
    from,
    to,
    windows: history.windows.map((w) => `${w.key}: ${w.start}..${w.end}`),
    exports: history.exports,
  };
}
