/**
 * Lands the CSV files of an Intercom content data export in S3 and catalogs them in Glue, so Athena can query
 * them:
 *
 *   s3://<bucket>/intercom/content-export/<from>_<to>/<statistic>/<file>.csv     one object per file
 *   Glue database `intercom_content_export`, one table per known statistic, located at the folder above
 *
 * The bucket is private (public access block, ACLs disabled), encrypted by default (SSE-KMS with a rotating key,
 * or SSE-S3), refuses requests that do not use TLS, and expires raw exports after a while (lifecycle rule on
 * `intercom/content-export/`).
 *
 * `createPipeline` takes the export's files as a plain list (what `downloadExport` returns, or a folder listing),
 * so it can be tested with Pulumi's mocks without downloading anything.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { columnComment, columnsOf, isStatistic, Statistic, STATISTICS } from "./statistics";

/** Where raw exports land; the lifecycle rule applies to everything under it. */
export const RAW_PREFIX = "intercom/content-export/";

/** One downloaded CSV file (the shape of pulumi-intercom-export's `DownloadedFile`; extra fields are ignored). */
export interface ExportFile {
  /** Path of the file on this machine. */
  file: string;
  /** File name as in the export, e.g. `receipt_20240701.csv`. */
  name: string;
  /** The statistic the file holds: `receipt`, `open`, `click`, `hard_bounce`… */
  statistic: string;
  /** Data rows (header excluded), recorded as object metadata when given. */
  rows?: number;
}

export interface PipelineArgs {
  /** The export's range, inclusive ISO dates: the files land under `intercom/content-export/<from>_<to>/`. */
  from: string;
  to: string;
  /** The export's downloaded files. */
  files: ExportFile[];
  /** Prefix of the Pulumi resource names. @default "intercom" */
  name?: string;
  /** Exact bucket name. @default a unique name starting with "intercom-content-export-" */
  bucketName?: string;
  /** Default encryption of the bucket: SSE-KMS or SSE-S3 (AES256). @default "aws:kms" */
  encryption?: "aws:kms" | "AES256";
  /** With SSE-KMS: an existing key to use. @default a new key with yearly rotation */
  kmsKeyArn?: pulumi.Input<string>;
  /** Raw exports move to STANDARD_IA after this many days (S3 requires at least 30). @default 30 */
  transitionDays?: number;
  /** Raw exports are deleted after this many days; 0 keeps them forever. @default 365 */
  expirationDays?: number;
  /** Glue database name (lowercase letters, digits, underscores). @default "intercom_content_export" */
  databaseName?: string;
  /** Tags for every resource that takes them. */
  tags?: Record<string, string>;
  /** Let `pulumi destroy` delete a bucket that still holds objects. @default false */
  forceDestroy?: boolean;
}

export interface Pipeline {
  /** `intercom/content-export/<from>_<to>/` */
  prefix: string;
  bucket: aws.s3.Bucket;
  kmsKey?: aws.kms.Key;
  ownership: aws.s3.BucketOwnershipControls;
  publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  encryption: aws.s3.BucketServerSideEncryptionConfiguration;
  versioning: aws.s3.BucketVersioning;
  lifecycle: aws.s3.BucketLifecycleConfiguration;
  policy: aws.s3.BucketPolicy;
  /** One object per file, in the order of `files`. */
  objects: aws.s3.BucketObjectv2[];
  database: aws.glue.CatalogDatabase;
  /** One table per known statistic. */
  tables: Record<Statistic, aws.glue.CatalogTable>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde";

function isRealDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  return new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** Checks the arguments; every message names the argument at fault. */
export function checkPipelineArgs(args: PipelineArgs): void {
  for (const key of ["from", "to"] as const) {
    if (typeof args[key] !== "string" || !isRealDate(args[key])) {
      throw new Error(`${key} must be an ISO date such as "2024-06-01"; got ${JSON.stringify(args[key])}`);
    }
  }
  if (args.from > args.to) throw new Error(`from (${args.from}) must not be later than to (${args.to})`);
  if (!Array.isArray(args.files)) throw new Error("files must be an array of { file, name, statistic }");
  const seen = new Set<string>();
  args.files.forEach((f, i) => {
    if (!f || typeof f.file !== "string" || f.file === "") throw new Error(`files[${i}].file must be a path`);
    if (typeof f.name !== "string" || !/^[^/\\]+\.csv$/i.test(f.name)) {
      throw new Error(
        `files[${i}].name must be a CSV file name without a folder; got ${JSON.stringify(f.name)}`,
      );
    }
    if (typeof f.statistic !== "string" || !/^[a-z][a-z0-9_]*$/.test(f.statistic)) {
      throw new Error(
        `files[${i}].statistic must be lowercase letters, digits and underscores; got ${JSON.stringify(f.statistic)}`,
      );
    }
    if (seen.has(f.name)) throw new Error(`files[${i}].name '${f.name}' appears twice`);
    seen.add(f.name);
  });
  const transition = args.transitionDays ?? 30;
  const expiration = args.expirationDays ?? 365;
  if (!Number.isInteger(transition) || transition < 30) {
    throw new Error(
      `transitionDays must be a whole number of days, at least 30 (S3's minimum for STANDARD_IA)`,
    );
  }
  if (!Number.isInteger(expiration) || (expiration !== 0 && expiration <= transition)) {
    throw new Error(
      `expirationDays must be 0 (keep forever) or a whole number of days after transitionDays (${transition}); got ${expiration}`,
    );
  }
  if (args.databaseName !== undefined && !/^[a-z0-9_]{1,255}$/.test(args.databaseName)) {
    throw new Error(
      `databaseName must be lowercase letters, digits and underscores; got '${args.databaseName}'`,
    );
  }
}

/** The S3 key of a file: `intercom/content-export/<from>_<to>/<statistic>/<name>`. */
export function objectKey(prefix: string, file: ExportFile): string {
  return `${prefix}${file.statistic}/${file.name}`;
}

export function createPipeline(args: PipelineArgs, opts: pulumi.CustomResourceOptions = {}): Pipeline {
  checkPipelineArgs(args);
  const name = args.name ?? "intercom";
  const prefix = `${RAW_PREFIX}${args.from}_${args.to}/`;
  const tags = { "intercom:export-range": `${args.from}_${args.to}`, ...args.tags };
  const sse = args.encryption ?? "aws:kms";

  const bucket = new aws.s3.Bucket(
    `${name}-exports`,
    {
      ...(args.bucketName ? { bucket: args.bucketName } : { bucketPrefix: "intercom-content-export-" }),
      forceDestroy: args.forceDestroy ?? false,
      tags,
    },
    opts,
  );

  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-exports-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, // ACLs disabled
    opts,
  );

  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-exports-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );

  let kmsKey: aws.kms.Key | undefined;
  let kmsKeyArn: pulumi.Input<string> | undefined;
  if (sse === "aws:kms") {
    if (args.kmsKeyArn) {
      kmsKeyArn = args.kmsKeyArn;
    } else {
      kmsKey = new aws.kms.Key(
        `${name}-exports-key`,
        {
          description: "Encrypts Intercom content data exports at rest",
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          tags,
        },
        opts,
      );
      kmsKeyArn = kmsKey.arn;
    }
  }

  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-exports-encryption`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault:
            sse === "aws:kms"
              ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }
              : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: sse === "aws:kms" ? true : undefined,
        },
      ],
    },
    opts,
  );

  const versioning = new aws.s3.BucketVersioning(
    `${name}-exports-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    opts,
  );

  const expirationDays = args.expirationDays ?? 365;
  const lifecycle = new aws.s3.BucketLifecycleConfiguration(
    `${name}-exports-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "raw-intercom-exports",
          status: "Enabled",
          filter: { prefix: RAW_PREFIX },
          transitions: [{ days: args.transitionDays ?? 30, storageClass: "STANDARD_IA" }],
          expiration: expirationDays > 0 ? { days: expirationDays } : undefined,
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    { ...opts, dependsOn: [versioning] },
  );

  const policy = new aws.s3.BucketPolicy(
    `${name}-exports-policy`,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    },
    // After the public access block, so S3 never sees a policy on a bucket that is not locked down yet.
    { ...opts, dependsOn: [publicAccessBlock] },
  );

  const unknown = [...new Set(args.files.map((f) => f.statistic).filter((s) => !isStatistic(s)))];
  if (unknown.length > 0) {
    void pulumi.log.warn(
      `files of unknown statistics are landed but get no Glue table: ${unknown.join(", ")} (known: ${STATISTICS.join(", ")})`,
    );
  }

  const objects = args.files.map(
    (f) =>
      new aws.s3.BucketObjectv2(
        `${name}-${args.from}_${args.to}-${f.name}`,
        {
          bucket: bucket.id,
          key: objectKey(prefix, f),
          source: new pulumi.asset.FileAsset(f.file),
          contentType: "text/csv",
          serverSideEncryption: sse,
          kmsKeyId: sse === "aws:kms" ? kmsKeyArn : undefined,
          metadata: {
            statistic: f.statistic,
            "export-range": `${args.from}_${args.to}`,
            ...(f.rows !== undefined ? { rows: String(f.rows) } : {}),
          },
          tags,
        },
        // Objects are written once the bucket refuses plain HTTP and encrypts by default.
        { ...opts, dependsOn: [encryption, policy, ownership] },
      ),
  );

  const database = new aws.glue.CatalogDatabase(
    `${name}-catalog`,
    {
      name: args.databaseName ?? "intercom_content_export",
      description: "Intercom content data exports (message receipts and engagement), landed as CSV in S3",
      tags,
    },
    opts,
  );

  const tables = {} as Record<Statistic, aws.glue.CatalogTable>;
  for (const statistic of STATISTICS) {
    tables[statistic] = new aws.glue.CatalogTable(
      `${name}-${statistic}`,
      {
        databaseName: database.name,
        name: statistic,
        description: `Intercom '${statistic}' statistic from the content data export ${args.from} to ${args.to}`,
        tableType: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "csv",
          "skip.header.line.count": "1",
        },
        storageDescriptor: {
          location: pulumi.interpolate`s3://${bucket.bucket}/${prefix}${statistic}/`,
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serDeInfo: {
            name: "csv",
            serializationLibrary: CSV_SERDE,
            parameters: { separatorChar: ",", quoteChar: '"', escapeChar: "\\" },
          },
          // OpenCSVSerde reads every value as text: cast in queries (from_unixtime(cast(received_at AS bigint))).
          columns: columnsOf(statistic).map((column) => ({
            name: column,
            type: "string",
            comment: columnComment(statistic, column),
          })),
        },
      },
      opts,
    );
  }

  return {
    prefix,
    bucket,
    kmsKey,
    ownership,
    publicAccessBlock,
    encryption,
    versioning,
    lifecycle,
    policy,
    objects,
    database,
    tables,
  };
}
