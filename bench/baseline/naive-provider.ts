/**
 * BASELINE ONLY (not shipped): a ContentDataExport written the way the dynamic-provider docs suggest, for the
 * benchmarks to compare against. Its dependencies are module-level imports and its validator is an ajv-compiled
 * function captured by the provider's closure, so Pulumi's closure serializer copies all of it into `__provider`
 * for every resource. It reads the token from the environment at run time (never captured) and polls every
 * second, with no retries, no backoff and no slot handling: the simplest thing that works against the emulator.
 */
import Ajv from "ajv";
import fetch from "cross-fetch";
import * as pulumi from "@pulumi/pulumi";

const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile({
  type: "object",
  required: ["createdAtAfter", "createdAtBefore"],
  properties: {
    createdAtAfter: { type: "integer", minimum: 0 },
    createdAtBefore: { type: "integer", minimum: 0 },
  },
});

const TERMINAL = ["completed", "no_data", "failed", "canceled"];

interface Job {
  job_identifier: string;
  status: string;
  download_url: string;
  download_expires_at: string;
}

async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<Job> {
  const base = process.env.INTERCOM_BASE_URL ?? "https://api.intercom.io";
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${process.env.INTERCOM_ACCESS_TOKEN ?? ""}`,
      Accept: "application/json",
      "Content-Type": "application/json",
      "Intercom-Version": "2.8",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Intercom answered HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as Job;
}

export const naiveProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const failures = validate(news)
      ? []
      : (validate.errors ?? []).map((e) => ({
          property: e.instancePath.slice(1),
          reason: e.message ?? "invalid",
        }));
    return { inputs: news, failures };
  },
  async create(inputs) {
    let job = await call("POST", "/export/content/data", {
      created_at_after: inputs.createdAtAfter,
      created_at_before: inputs.createdAtBefore,
    });
    while (!TERMINAL.includes(job.status)) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      job = await call("GET", `/export/content/data/${job.job_identifier}`);
    }
    return {
      id: job.job_identifier,
      outs: {
        ...inputs,
        status: job.status,
        downloadUrl: job.download_url,
        downloadExpiresAt: job.download_expires_at,
      },
    };
  },
  async delete() {
    // Intercom has no delete for export jobs.
  },
};

/** The baseline resource: `pulumi.dynamic.Resource` serializes `naiveProvider` into every resource's state. */
export class NaiveExport extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    args: { createdAtAfter: number; createdAtBefore: number },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(naiveProvider, name, { ...args, status: undefined, downloadUrl: undefined }, opts, "NaiveExport");
  }
}

/** What `pulumi.dynamic.Resource` stores as `__provider`: the provider serialized as pulumi.dynamic does it. */
export async function serializeNaiveProvider(): Promise<string> {
  const serialized = await pulumi.runtime.serializeFunction(() => naiveProvider, { allowSecrets: true });
  return serialized.text;
}
