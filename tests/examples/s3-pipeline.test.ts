/**
 * examples/s3-pipeline under Pulumi's mocks: what the program passes to AWS. No AWS account or provider plugin
 * is involved; every assertion is on the inputs a resource registration would send to the engine.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { csvHeader, STATS } from "../../emulator";
import { listExportFiles, statisticOf } from "../../examples/s3-pipeline/files";
import {
  createPipeline,
  ExportFile,
  Pipeline,
  PipelineArgs,
  RAW_PREFIX,
} from "../../examples/s3-pipeline/pipeline";
import { columnsOf, STATISTICS } from "../../examples/s3-pipeline/statistics";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const BUCKET = "intercom-content-export-0a1b2c3d";
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
let registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        switch (args.type) {
          case "aws:s3/bucket:Bucket": {
            const bucket = (args.inputs.bucket as string | undefined) ?? BUCKET;
            return { id: bucket, state: { ...args.inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
          }
          case "aws:kms/key:Key":
            return { id: KEY_ARN.split("/")[1], state: { ...args.inputs, arn: KEY_ARN } };
          default:
            return { id: `${args.name}-id`, state: args.inputs };
        }
      },
      call: (args) => args.inputs,
    },
    "s3-pipeline-test",
    "test",
    false,
  );
});

let tmp: string;
let files: ExportFile[];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "s3-pipeline-"));
  for (const name of ["receipt_20240701.csv", "click_20240701.csv", "open_20240701.csv", "notes.txt"]) {
    fs.writeFileSync(path.join(tmp, name), "receipt_id\n");
  }
  files = listExportFiles(tmp);
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function value<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Builds the pipeline and waits until every resource is registered; `registered` then holds its resources. */
async function build(args: Partial<PipelineArgs> = {}): Promise<Pipeline> {
  registered = [];
  const p = createPipeline({ from: "2024-06-01", to: "2024-06-30", files, ...args });
  const all: pulumi.Resource[] = [
    p.bucket,
    p.ownership,
    p.publicAccessBlock,
    p.encryption,
    p.versioning,
    p.lifecycle,
    p.policy,
    p.database,
    ...p.objects,
    ...Object.values(p.tables),
    ...(p.kmsKey ? [p.kmsKey] : []),
  ];
  await Promise.all(all.map((r) => value(r.urn)));
  return p;
}

/** The default pipeline (three files, SSE-KMS), built once: registering resources is slow-ish under jest. */
let defaults: { pipeline: Pipeline; registered: Registered[] } | undefined;
async function buildDefaults(): Promise<Pipeline> {
  if (!defaults) defaults = { pipeline: await build(), registered };
  registered = defaults.registered;
  return defaults.pipeline;
}

const ofType = (type: string) => registered.filter((r) => r.type === type);
const one = (type: string) => {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0].inputs;
};

describe("the export's files", () => {
  test("are listed from the download folder: CSVs only, sorted, statistic from the name", () => {
    expect(files).toEqual([
      { file: path.join(tmp, "click_20240701.csv"), name: "click_20240701.csv", statistic: "click" },
      { file: path.join(tmp, "open_20240701.csv"), name: "open_20240701.csv", statistic: "open" },
      { file: path.join(tmp, "receipt_20240701.csv"), name: "receipt_20240701.csv", statistic: "receipt" },
    ]);
    expect(listExportFiles(path.join(tmp, "missing"))).toEqual([]);
    expect(statisticOf("hard_bounce_20251121.csv")).toBe("hard_bounce");
    expect(statisticOf("receipts_20180612_103000.csv")).toBe("receipt");
  });
});

describe("S3 bucket (mocks)", () => {
  test("private: public access block all true, ACLs disabled", async () => {
    await buildDefaults();
    expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toEqual({
      bucket: BUCKET,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")).toEqual({
      bucket: BUCKET,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const bucket = one("aws:s3/bucket:Bucket");
    expect(bucket).toMatchObject({ bucketPrefix: "intercom-content-export-", forceDestroy: false });
    expect(bucket).not.toHaveProperty("acl");
    expect(bucket).not.toHaveProperty("policy");
  });

  test("encrypted by default with SSE-KMS on a rotating key, bucket key on", async () => {
    await buildDefaults();
    expect(one("aws:kms/key:Key")).toMatchObject({ enableKeyRotation: true });
    expect(
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    ).toEqual({
      bucket: BUCKET,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN },
          bucketKeyEnabled: true,
        },
      ],
    });
  });

  test("SSE-S3 (AES256) when asked: no KMS key", async () => {
    await build({ encryption: "AES256" });
    expect(ofType("aws:kms/key:Key")).toHaveLength(0);
    expect(
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules,
    ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    for (const o of ofType("aws:s3/bucketObjectv2:BucketObjectv2")) {
      expect(o.inputs.serverSideEncryption).toBe("AES256");
      expect(o.inputs).not.toHaveProperty("kmsKeyId");
    }
  });

  test("an existing KMS key is used as given", async () => {
    const existing = "arn:aws:kms:eu-west-1:111122223333:key/existing";
    await build({ kmsKeyArn: existing });
    expect(ofType("aws:kms/key:Key")).toHaveLength(0);
    const rule = (
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules as {
        applyServerSideEncryptionByDefault: unknown;
      }[]
    )[0];
    expect(rule.applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: existing,
    });
  });

  test("the bucket policy denies every request without TLS (aws:SecureTransport = false)", async () => {
    await buildDefaults();
    const inputs = one("aws:s3/bucketPolicy:BucketPolicy");
    expect(inputs.bucket).toBe(BUCKET);
    const policy = JSON.parse(inputs.policy as string);
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  test("a lifecycle rule on the raw-export prefix: STANDARD_IA, then expiry; versioning on", async () => {
    await buildDefaults();
    expect(one("aws:s3/bucketVersioning:BucketVersioning")).toEqual({
      bucket: BUCKET,
      versioningConfiguration: { status: "Enabled" },
    });
    const { rules } = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration") as {
      rules: Record<string, unknown>[];
    };
    expect(rules).toEqual([
      {
        id: "raw-intercom-exports",
        status: "Enabled",
        filter: { prefix: "intercom/content-export/" },
        transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
        expiration: { days: 365 },
        noncurrentVersionExpiration: { noncurrentDays: 30 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
    await build({ expirationDays: 0, transitionDays: 60 });
    const kept = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration") as {
      rules: Record<string, unknown>[];
    };
    expect(kept.rules[0]).not.toHaveProperty("expiration");
    expect(kept.rules[0].transitions).toEqual([{ days: 60, storageClass: "STANDARD_IA" }]);
  });
});

describe("objects (mocks)", () => {
  test("one object per file, under intercom/content-export/<from>_<to>/<statistic>/, from the file", async () => {
    const p = await buildDefaults();
    expect(p.prefix).toBe("intercom/content-export/2024-06-01_2024-06-30/");
    expect(p.prefix.startsWith(RAW_PREFIX)).toBe(true);
    const objects = ofType("aws:s3/bucketObjectv2:BucketObjectv2");
    expect(objects).toHaveLength(files.length);
    const byKey = Object.fromEntries(objects.map((o) => [o.inputs.key as string, o.inputs]));
    expect(Object.keys(byKey).sort()).toEqual([
      "intercom/content-export/2024-06-01_2024-06-30/click/click_20240701.csv",
      "intercom/content-export/2024-06-01_2024-06-30/open/open_20240701.csv",
      "intercom/content-export/2024-06-01_2024-06-30/receipt/receipt_20240701.csv",
    ]);
    for (const f of files) {
      const o = byKey[`${p.prefix}${f.statistic}/${f.name}`];
      expect(o).toMatchObject({
        bucket: BUCKET,
        contentType: "text/csv",
        serverSideEncryption: "aws:kms",
        kmsKeyId: KEY_ARN,
        metadata: { statistic: f.statistic, "export-range": "2024-06-01_2024-06-30" },
      });
      // The source is the downloaded file itself (a FileAsset of its path).
      const source = o.source as pulumi.asset.FileAsset;
      expect(pulumi.asset.FileAsset.isInstance(source)).toBe(true);
      expect(await source.path).toBe(f.file);
    }
  });

  test("row counts become object metadata; no files, no objects", async () => {
    await build({
      files: [
        {
          file: "/data/receipt_20240701.csv",
          name: "receipt_20240701.csv",
          statistic: "receipt",
          rows: 1234,
        },
      ],
    });
    expect(one("aws:s3/bucketObjectv2:BucketObjectv2").metadata).toEqual({
      statistic: "receipt",
      "export-range": "2024-06-01_2024-06-30",
      rows: "1234",
    });
    await build({ files: [] });
    expect(ofType("aws:s3/bucketObjectv2:BucketObjectv2")).toHaveLength(0);
    expect(ofType("aws:glue/catalogTable:CatalogTable")).toHaveLength(STATISTICS.length);
  });

  test("a file of an unknown statistic is landed, without a table, and a warning says so", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
      await build({
        files: [
          ...files,
          { file: "/data/answer_20240701.csv", name: "answer_20240701.csv", statistic: "answer" },
        ],
      });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("no Glue table: answer"));
    } finally {
      warn.mockRestore();
    }
    expect(ofType("aws:s3/bucketObjectv2:BucketObjectv2").map((o) => o.inputs.key)).toContain(
      "intercom/content-export/2024-06-01_2024-06-30/answer/answer_20240701.csv",
    );
    expect(ofType("aws:glue/catalogTable:CatalogTable").map((t) => t.inputs.name)).not.toContain("answer");
  });
});

describe("Glue catalog (mocks)", () => {
  /** Receipts columns exactly as documented (intercom-export-api.md §3), in order, with `first_dismisall`. */
  const DOCUMENTED_RECEIPT_COLUMNS =
    "user_id, user_external_id, company_id, email, name, ruleset_id, content_id, content_type, content_title, ruleset_version_id, receipt_id, received_at, series_id, series_title, node_id, first_reply, first_completion, first_series_completion, first_series_disengagement, first_series_exit, first_goal_success, first_open, first_click, first_dismisall, first_unsubscribe, first_hard_bounce".split(
      ", ",
    );

  test("one database, and one CSV table per known statistic with exactly the documented columns in order", async () => {
    await buildDefaults();
    expect(one("aws:glue/catalogDatabase:CatalogDatabase")).toMatchObject({
      name: "intercom_content_export",
    });
    const tables = ofType("aws:glue/catalogTable:CatalogTable");
    expect(tables.map((t) => t.inputs.name).sort()).toEqual([...STATISTICS].sort());
    expect([...STATISTICS].sort()).toEqual([...STATS].sort()); // the statistics the emulator writes

    const columns = (name: string) => {
      const t = tables.find((x) => x.inputs.name === name)!;
      const sd = t.inputs.storageDescriptor as { columns: { name: string; type: string }[] };
      return sd.columns;
    };
    expect(columns("receipt").map((c) => c.name)).toEqual(DOCUMENTED_RECEIPT_COLUMNS);
    expect(columns("click").map((c) => c.name)).toEqual(["receipt_id", "clicked_at"]);
    for (const stat of STATS) {
      // Each table matches the header of the files the emulator generates.
      expect(columns(stat).map((c) => c.name)).toEqual(csvHeader(stat));
      expect(columns(stat).map((c) => c.name)).toEqual(columnsOf(stat));
      expect(columns(stat).every((c) => c.type === "string")).toBe(true);
    }
  });

  test("tables read CSV with a header line, located at the statistic's folder under the export prefix", async () => {
    await buildDefaults();
    for (const t of ofType("aws:glue/catalogTable:CatalogTable")) {
      const stat = t.inputs.name as string;
      expect(t.inputs).toMatchObject({
        databaseName: "intercom_content_export",
        tableType: "EXTERNAL_TABLE",
        parameters: { EXTERNAL: "TRUE", classification: "csv", "skip.header.line.count": "1" },
        storageDescriptor: {
          location: `s3://${BUCKET}/intercom/content-export/2024-06-01_2024-06-30/${stat}/`,
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serDeInfo: {
            serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
            parameters: { separatorChar: ",", quoteChar: '"' },
          },
        },
      });
    }
  });

  test("an explicit bucket name and database name are used as given", async () => {
    await build({ bucketName: "acme-intercom-lake", databaseName: "acme_intercom" });
    expect(one("aws:s3/bucket:Bucket")).toMatchObject({ bucket: "acme-intercom-lake" });
    const table = ofType("aws:glue/catalogTable:CatalogTable")[0].inputs;
    expect(table.databaseName).toBe("acme_intercom");
    expect((table.storageDescriptor as { location: string }).location).toMatch(
      /^s3:\/\/acme-intercom-lake\/intercom\/content-export\//,
    );
  });
});

describe("arguments are checked before anything is declared", () => {
  test.each([
    [{ from: "2024-06-31" }, /from must be an ISO date/],
    [{ to: "June" }, /to must be an ISO date/],
    [{ from: "2024-07-01" }, /from \(2024-07-01\) must not be later than to \(2024-06-30\)/],
    [
      { files: [{ file: "/x", name: "a/b.csv", statistic: "receipt" }] },
      /files\[0\]\.name must be a CSV file name/,
    ],
    [
      { files: [{ file: "/x", name: "b.csv", statistic: "Receipt" }] },
      /files\[0\]\.statistic must be lowercase/,
    ],
    [
      {
        files: [
          { file: "/x", name: "b.csv", statistic: "receipt" },
          { file: "/y", name: "b.csv", statistic: "receipt" },
        ],
      },
      /files\[1\]\.name 'b.csv' appears twice/,
    ],
    [{ transitionDays: 10 }, /transitionDays .* at least 30/],
    [{ expirationDays: 30 }, /expirationDays must be 0 .* after transitionDays \(30\)/],
    [{ databaseName: "Intercom-Exports" }, /databaseName must be lowercase/],
  ])("%j", (args, message) => {
    registered = [];
    expect(() =>
      createPipeline({ from: "2024-06-01", to: "2024-06-30", files: [], ...args } as PipelineArgs),
    ).toThrow(message);
    expect(registered).toHaveLength(0);
  });
});
