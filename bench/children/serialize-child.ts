/**
 * Child process for benchmark 1: how long Pulumi's closure serializer takes to produce the naive baseline's
 * `__provider`, cold (first call in a fresh process, as in a `pulumi up` program) and warm. Prints `RESULT {...}`.
 */
import { serializeNaiveProvider } from "../baseline/naive-provider";

async function main(): Promise<void> {
  let t = performance.now();
  const text = await serializeNaiveProvider();
  const coldMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    await serializeNaiveProvider();
    warm.push(performance.now() - t);
  }
  process.stdout.write(`RESULT ${JSON.stringify({ coldMs, warm, bytes: Buffer.byteLength(text) })}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
