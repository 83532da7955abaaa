/**
 * What the downloaded body is, from its first bytes. Production clients observe a ZIP of per-statistic CSVs;
 * the spec's prose says "gzipped CSV"; older docs show a plain `.csv` URL. Which one the live API sends is
 * UNVERIFIED, so all three are accepted and told apart by content, never by headers or URL.
 */
import { open } from "node:fs/promises";

export type BodyFormat = "zip" | "gzip" | "csv";

/** Bytes needed to decide. */
export const SNIFF_BYTES = 16;

/** The format of a body starting with `head`, or a description of why it is not an export. */
export function sniffFormat(head: Buffer): BodyFormat | { problem: string } {
  if (head.length === 0) return { problem: "the body is empty" };
  // Local file header, or the end-of-central-directory record of an archive with no entries.
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return "zip";
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x05 && head[3] === 0x06) return "zip";
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  const text = head.toString("latin1").replace(/^\uFEFF|^\xEF\xBB\xBF/, "");
  const first = text.trimStart()[0];
  if (first === "{" || first === "[") return { problem: "the body is JSON, not data (an API error page?)" };
  if (first === "<") return { problem: "the body is HTML or XML, not data (a proxy or login page?)" };
  return "csv";
}

/** The first bytes of a file. */
export async function readHead(path: string, n = SNIFF_BYTES): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
