/**
 * Benchmark 1: the `__provider` stored per resource in state, and the time to produce it.
 *
 * Ours is a fixed module text (PROVIDER_MODULE_TEXT); it is measured as a constant and as really stored, read
 * back from the exported state of a real `pulumi up` against the emulator. The baseline is the naive provider in
 * ./baseline, serialized by Pulumi's closure serializer as `pulumi.dynamic.Resource` does, and stored by the same
 * `pulumi up` (one resource of each kind in one stack).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROVIDER_MODULE_TEXT } from "../provider/provider";
import { ContentDataExport } from "../provider/resource";
import { NaiveExport } from "./baseline/naive-provider";
import { startEmulatorProcess, TOKEN } from "./lib/emulator-process";
import { mdTable, SectionResult, verdict } from "./lib/report";
import { createBenchStack } from "./lib/stack";
import { DIST, fmtBytes, fmtMs, median, note, REPO_ROOT, resultLine, run } from "./lib/util";

interface StoredResource {
  urn: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

const byteLength = (v: unknown): number => (typeof v === "string" ? Buffer.byteLength(v) : NaN);

export async function providerSize(): Promise<SectionResult> {
  const started = performance.now();
  const constantBytes = Buffer.byteLength(PROVIDER_MODULE_TEXT);

  // Ours: producing it is reading a constant. Timed anyway, per resource, over many "resources".
  const n = 100_000;
  let sink = 0;
  let t = performance.now();
  for (let i = 0; i < n; i++) sink += { __provider: PROVIDER_MODULE_TEXT }.__provider.length;
  const oursPerResourceMs = (performance.now() - t) / n;
  if (sink === 0) throw new Error("unreachable");

  note("1: serializing the naive provider in a fresh process");
  const serialized = resultLine<{ coldMs: number; warm: number[]; bytes: number }>(
    await run(process.execPath, [path.join(DIST, "bench/children/serialize-child.js")], { cwd: REPO_ROOT }),
  );

  note("1: one `pulumi up` with one ContentDataExport and one naive resource against the emulator");
  const emulator = await startEmulatorProcess({ maxActiveJobs: 2 });
  const stack = await createBenchStack(
    "bench-provider-size",
    async () => {
      const ours = new ContentDataExport("ours", {
        createdAtAfter: "2024-06-01",
        createdAtBefore: "2024-06-30",
      });
      new NaiveExport(
        "naive",
        { createdAtAfter: 1717200000, createdAtBefore: 1719791999 },
        { dependsOn: [ours] },
      );
    },
    { INTERCOM_ACCESS_TOKEN: TOKEN, INTERCOM_BASE_URL: emulator.url },
  );
  let upMs: number;
  let stored: { ours: StoredResource; naive: StoredResource };
  let checkpointBytes: number;
  try {
    t = performance.now();
    await stack.up();
    upMs = performance.now() - t;
    const state = await stack.exportState();
    const resources = ((state.deployment as { resources?: StoredResource[] }).resources ??
      []) as StoredResource[];
    const find = (name: string) => {
      const r = resources.find((x) => x.urn.endsWith(`::${name}`));
      if (!r) throw new Error(`resource ${name} not in state`);
      return r;
    };
    stored = { ours: find("ours"), naive: find("naive") };
    checkpointBytes = fs.statSync(stack.checkpointPath()).size;
  } finally {
    await stack.cleanup();
    await emulator.close();
  }

  const oursIn = byteLength(stored.ours.inputs?.__provider);
  const oursOut = byteLength(stored.ours.outputs?.__provider);
  const naiveIn = byteLength(stored.naive.inputs?.__provider);
  const naiveOut = byteLength(stored.naive.outputs?.__provider);
  const resourceBytes = (r: StoredResource) => Buffer.byteLength(JSON.stringify(r));
  const sameText = stored.ours.outputs?.__provider === PROVIDER_MODULE_TEXT;
  const warm = median(serialized.warm);

  const rows = [
    {
      measure: "__provider per resource (read back from state)",
      ours: `${oursOut} B`,
      baseline: fmtBytes(naiveOut),
      goal: "<= 1 KB (1024 B)",
      verdict: verdict(oursOut <= 1024 && oursIn <= 1024),
    },
    {
      measure: "time to produce __provider",
      ours: `${(oursPerResourceMs * 1e6).toFixed(0)} ns (a constant)`,
      baseline: `${fmtMs(serialized.coldMs)} cold, ${fmtMs(warm)} warm`,
      goal: "a few ms",
      verdict: verdict(oursPerResourceMs < 5),
    },
  ];
  const details = [
    `Ours is the fixed module text \`PROVIDER_MODULE_TEXT\` (${constantBytes} bytes); the same text was read back ` +
      `from the state of a real \`pulumi up\` (${sameText ? "identical" : "DIFFERENT"}). The baseline is ` +
      "`bench/baseline/naive-provider.ts`: module-level `cross-fetch` and `ajv` imports, an ajv-compiled validator " +
      "captured by the closure, serialized with `pulumi.runtime.serializeFunction(() => provider, {allowSecrets: " +
      "true})` as `pulumi.dynamic.Resource` does. Both resources were created by one `pulumi up` against the " +
      `emulator (${fmtMs(upMs)}).`,
    "",
    mdTable(
      ["per resource in state", "ours", "naive baseline"],
      [
        ["`__provider` in inputs", `${oursIn} B`, `${naiveIn} B`],
        ["`__provider` in outputs", `${oursOut} B`, `${naiveOut} B`],
        [
          "whole resource entry (JSON)",
          fmtBytes(resourceBytes(stored.ours)),
          fmtBytes(resourceBytes(stored.naive)),
        ],
        [
          "time to produce `__provider`",
          `${(oursPerResourceMs * 1e6).toFixed(0)} ns (reading a constant)`,
          `${fmtMs(serialized.coldMs)} first call in a fresh process; ${fmtMs(warm)} median of 5 more calls ` +
            "(pulumi.dynamic caches it per provider object within one run)",
        ],
      ],
    ),
    "",
    `The whole checkpoint of that two-resource stack was ${fmtBytes(checkpointBytes)}. Pulumi stores ` +
      "`__provider` twice per resource (inputs and outputs), so the baseline costs " +
      `${fmtBytes(naiveIn + naiveOut)} of state per export, ours ${oursIn + oursOut} B.`,
  ].join("\n");
  return {
    id: 1,
    title: "__provider size in state and time to produce it",
    baseline: "naive dynamic provider (cross-fetch + compiled ajv validator, closure-serialized)",
    rows,
    details,
    durationMs: performance.now() - started,
  };
}
