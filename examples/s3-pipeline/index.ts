/**
 * Entry point of the S3 pipeline example (`main: bin/index.js` once built): one content data export for the
 * configured range, and its downloaded CSV files landed in an encrypted, private bucket with a Glue table per
 * statistic. See README.md for the two-step flow (run the export, download it, `pulumi up` again).
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ContentDataExport } from "pulumi-intercom-export";
import { listExportFiles } from "./files";
import { createPipeline } from "./pipeline";

export = () => {
  const config = new pulumi.Config();
  const from = config.require("from");
  const to = config.require("to");

  const contentExport = new ContentDataExport("export", { createdAtAfter: from, createdAtBefore: to });

  // The export's files, once downloaded (`npx pulumi-intercom-export download <job> --out <dir>`).
  const downloadDir = path.resolve(config.get("downloadDir") ?? path.join("data", `${from}_${to}`));
  const files = listExportFiles(downloadDir);
  if (files.length === 0) {
    void pulumi.log.info(
      `no CSV files in ${downloadDir} yet: once the export has completed, download it there and run pulumi up again`,
    );
  }

  const encryption = config.get("encryption");
  if (encryption !== undefined && encryption !== "aws:kms" && encryption !== "AES256") {
    throw new Error(`encryption must be "aws:kms" or "AES256"; got '${encryption}'`);
  }
  const pipeline = createPipeline({
    from,
    to,
    files,
    encryption,
    bucketName: config.get("bucketName"),
    expirationDays: config.getNumber("expirationDays"),
    databaseName: config.get("databaseName"),
  });

  return {
    jobIdentifier: contentExport.jobIdentifier,
    status: contentExport.status,
    bucket: pipeline.bucket.bucket,
    prefix: pipeline.prefix,
    objectKeys: pipeline.objects.map((o) => o.key),
    database: pipeline.database.name,
    tables: Object.keys(pipeline.tables),
  };
};
