/**
 * The HTTP side of a download: a client whose per-request timeout covers the wait for headers but not the
 * (possibly hour-long) body, following redirects without leaking the token, and streaming the body to a file
 * with an idle timeout and a Content-Length check.
 */
import { createWriteStream } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DownloadResponse, IntercomClient } from "../client/client";
import type { RetryOptions } from "../client/retry";
import { RawConfig, resolveConfig } from "../config";
import { ConfigurationError } from "../errors";
import { Logger } from "../log";
import { BodyError } from "./unpack";

/** A client plus a way to cut the body of its current download (the client's own abort no longer reaches it). */
export interface DownloadClient {
  client: IntercomClient;
  abortBody(): void;
}

/**
 * Builds a client from config (stack-config-shaped keys, each missing one from the environment).
 *
 * Its download requests (and only those) go through `bodyFetch` below rather than cross-fetch: node-fetch 2
 * (under cross-fetch) never reports a body cut short when the response had a Content-Length, the stream just
 * stops and only an idle timeout would notice, while Node's own IncomingMessage fails at once. The client's
 * signal can abort such a request until its headers arrive, not after: the body is paced by the caller and
 * bounded by our idle timeout.
 */
export function downloadClient(
  config: RawConfig,
  env: NodeJS.ProcessEnv,
  log: Logger,
  o: { requestTimeoutMs?: number; retry?: Partial<RetryOptions> } = {},
): DownloadClient {
  const resolved = resolveConfig(config, env);
  if (!resolved.accessToken) {
    throw new ConfigurationError(
      "No Intercom access token: set INTERCOM_ACCESS_TOKEN (or intercom:accessToken in stack config)",
      "intercom:accessToken",
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const base = require("cross-fetch") as typeof globalThis.fetch;
  let current: AbortController | undefined;
  const fetch = (async (url: string, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    if (headers.Accept !== "application/octet-stream") return base(url, init);
    // The client's signal (its timer) may abort the request until headers arrive, not after.
    const inner = new AbortController();
    const outer = init?.signal;
    const relay = () => inner.abort();
    if (outer?.aborted) inner.abort();
    outer?.addEventListener("abort", relay, { once: true });
    try {
      const res = await bodyFetch(url, headers, inner.signal);
      current = inner;
      return res;
    } finally {
      outer?.removeEventListener("abort", relay);
    }
  }) as typeof globalThis.fetch;
  const client = new IntercomClient({
    baseUrl: resolved.baseUrl,
    accessToken: resolved.accessToken,
    apiVersion: resolved.apiVersion,
    requestTimeoutMs: o.requestTimeoutMs,
    retry: o.retry,
    log,
    fetch,
  });
  return { client, abortBody: () => current?.abort() };
}

/**
 * A GET with Node's http(s), shaped as the fetch Response the client reads (status, headers, text(), and the
 * body as a Node stream). The body is the IncomingMessage itself, which fails with "aborted" the moment the
 * connection closes before Content-Length bytes (or the last chunk) arrived. Redirects are not followed here
 * (the caller decides, without the token); no Accept-Encoding is sent, so the bytes are the server's own.
 */
function bodyFetch(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = target.protocol === "https:" ? https.request : http.request;
    // agent: false: a connection of its own, closed afterwards (no idle keep-alive socket left behind).
    const req = request(target, { method: "GET", headers, signal, agent: false }, (res) => {
      const h = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) h.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const status = res.statusCode ?? 0;
      resolve({
        status,
        ok: status >= 200 && status < 300,
        headers: h,
        body: res,
        text: async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of res) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString("utf8");
        },
      } as unknown as Response);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * GETs the download: by job id on the configured host's documented path, or the URL given. The client follows
 * redirects (a signed storage URL is plausible but UNVERIFIED) and attaches the token only on the configured
 * Intercom origin, so a redirect elsewhere never receives it. Anything but a 200 here is not a download.
 */
export async function openDownload(
  client: IntercomClient,
  target: string,
): Promise<{ res: DownloadResponse; url: string }> {
  const url = /^https?:\/\//i.test(target)
    ? target
    : `${client.baseUrl}/download/content/data/${encodeURIComponent(target)}`;
  const res = await client.download(target);
  if (res.status !== 200) {
    res.abort();
    throw new BodyError(`unexpected HTTP ${res.status} for the download`, true);
  }
  return { res, url };
}

export interface ReceiveOptions {
  idleTimeoutMs: number;
  /** Called as bytes arrive, with the announced total when there is one. */
  onBytes?: (received: number, total: number | undefined) => void;
  /** Cuts the body at the transport (used on idle timeout). */
  abortBody: () => void;
}

/**
 * Streams the body to `path` (which must not exist). Returns the byte count. Fails with a retryable BodyError
 * when the connection drops, nothing arrives for `idleTimeoutMs`, or fewer/more bytes arrive than announced.
 */
export async function receiveBody(res: DownloadResponse, path: string, o: ReceiveOptions): Promise<number> {
  // With a Content-Encoding, Content-Length counts encoded bytes but the body arrives decoded: not comparable.
  const encoding = (res.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  const lengthHeader = res.headers.get("content-length");
  const announced =
    encoding === "identity" && lengthHeader && /^\d+$/.test(lengthHeader.trim())
      ? Number(lengthHeader.trim())
      : undefined;
  let received = 0;
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      o.abortBody();
      res.abort();
      res.body.destroy(new Error(`no data for ${o.idleTimeoutMs} ms`));
    }, o.idleTimeoutMs);
  };
  const meter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      received += chunk.length;
      arm();
      o.onBytes?.(received, announced);
      callback(null, chunk);
    },
  });
  arm();
  try {
    await pipeline(res.body, meter, createWriteStream(path, { flags: "wx" }));
  } catch (e) {
    const why = idle ? `no data for ${o.idleTimeoutMs} ms` : describeStreamError(e);
    const of = announced !== undefined ? ` of ${announced}` : "";
    throw new BodyError(`the body was cut short after ${received}${of} bytes (${why})`, true);
  } finally {
    if (timer) clearTimeout(timer);
    o.abortBody();
    res.abort();
  }
  if (announced !== undefined && received !== announced) {
    throw new BodyError(`received ${received} bytes, but Content-Length announced ${announced}`, true);
  }
  return received;
}

function describeStreamError(e: unknown): string {
  const err = e as { code?: string; message?: string; name?: string };
  if (err.name === "AbortError") return "the request was aborted";
  return err.code && !String(err.message).includes(err.code)
    ? `${err.code}: ${err.message}`
    : String(err.message);
}
