/**
 * The Intercom HTTP client for the content data export API, on cross-fetch. It knows the four endpoints, the
 * headers Intercom wants, the per-request timeout, the error envelope and the retry rules; it knows nothing
 * about Pulumi.
 */
import type { Readable } from "node:stream";
import { sleep } from "../backoff";
import { isLoopbackHost } from "../config";
import {
  ConfigurationError,
  ConnectionError,
  IntercomExportError,
  NotFoundError,
  RateLimitError,
  RequestTimeoutError,
  ResponseFormatError,
} from "../errors";
import { Logger, redact, silentLogger } from "../log";
import { errorFromResponse, RawResponse } from "./errors-from-response";
import { ExportJob, parseJob } from "./job";
import { DEFAULT_RETRY, retryDelay, RetryOptions } from "./retry";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require("pulumi-intercom-export/package.json").version;
export const USER_AGENT = `pulumi-intercom-export/${VERSION} (+https://www.npmjs.com/package/pulumi-intercom-export)`;

export interface ClientOptions {
  /** e.g. https://api.intercom.io (see ../config.ts for regions). */
  baseUrl: string;
  accessToken: string;
  /** Sent as `Intercom-Version`. */
  apiVersion: string;
  /**
   * Per-request timeout: for JSON calls it covers headers and body; for downloads it covers each response's
   * headers only (a healthy multi-gigabyte body may take much longer). @default 30000
   */
  requestTimeoutMs?: number;
  retry?: Partial<RetryOptions>;
  log?: Logger;
  /** Injected for tests. */
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface CreateExportRange {
  createdAtAfter: number;
  createdAtBefore: number;
}

export interface DownloadResponse {
  status: number;
  headers: { get(name: string): string | null };
  /** The body as a Node stream (never buffered by the client). */
  body: Readable;
  /** Aborts the underlying request. */
  abort(): void;
}

type Method = "GET" | "POST";

/** Redirects followed on a download (Intercom may hand the file to a storage host). */
const MAX_REDIRECTS = 5;

export class IntercomClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly token: string;
  private readonly apiVersion: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly log: Logger;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Count of HTTP requests sent, for tests and benchmarks. */
  requestCount = 0;

  /** The retry policy in effect (callers that repeat a create under the one-job rule use the same budget). */
  get retryPolicy(): Readonly<RetryOptions> {
    return this.retry;
  }

  constructor(o: ClientOptions) {
    if (!o.accessToken) {
      throw new ConfigurationError(
        "No Intercom access token: set it with `pulumi config set --secret intercom:accessToken <token>` " +
          "or the INTERCOM_ACCESS_TOKEN environment variable",
        "intercom:accessToken",
      );
    }
    const url = new URL(o.baseUrl);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
      throw new ConfigurationError(`Refusing to send the access token over ${url.protocol} to ${url.host}`);
    }
    this.baseUrl = o.baseUrl.replace(/\/+$/, "");
    this.origin = url.origin;
    this.token = o.accessToken;
    this.apiVersion = o.apiVersion;
    this.timeoutMs = o.requestTimeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
    this.log = o.log ?? silentLogger;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.fetchImpl = o.fetch ?? (require("cross-fetch") as typeof globalThis.fetch);
    this.sleep = o.sleep ?? sleep;
  }

  /**
   * POST /export/content/data. Not retried, except after a general rate-limit 429 (the request was refused
   * before it did anything). The busy-slot 429 and ambiguous failures are the caller's to handle (../jobs.ts).
   *
   * A 2xx whose JSON was cut short means the job exists: when the partial body still names its id, the job is
   * read back with a status request instead of being lost.
   */
  async createExport(range: CreateExportRange): Promise<ExportJob> {
    const body = { created_at_after: range.createdAtAfter, created_at_before: range.createdAtBefore };
    const path = "/export/content/data";
    return this.withRetries(
      () =>
        this.requestJob("POST", path, body, {
          onMalformed: async (text, error) => {
            const id = partialJobIdentifier(text);
            if (!id) throw error;
            this.log.warn(
              `${error.message}; the partial answer names job ${id}: reading it back with a status request`,
            );
            try {
              return await this.getExport(id);
            } catch (e) {
              const why = e instanceof NotFoundError ? "Intercom does not know it" : (e as Error).message;
              throw new ResponseFormatError(
                "POST",
                path,
                error.status,
                `${error.detail}; the partial answer named job ${id}, which could not be read back (${why})`,
              );
            }
          },
        }),
      (e) => e instanceof RateLimitError,
    );
  }

  /** GET /export/content/data/{id}. A 504 carrying a job body is a failed job (as documented), not an error. */
  async getExport(jobIdentifier: string): Promise<ExportJob> {
    const path = `/export/content/data/${segment(jobIdentifier)}`;
    return this.withRetries(() => this.requestJob("GET", path, undefined, { jobBodyOnError: true }));
  }

  /** POST /export/cancel/{id}. Idempotent: a terminal job is returned unchanged. */
  async cancelExport(jobIdentifier: string): Promise<ExportJob> {
    const path = `/export/cancel/${segment(jobIdentifier)}`;
    return this.withRetries(() => this.requestJob("POST", path));
  }

  /**
   * GET /download/content/data/{id} (or the job's `download_url`) with `Accept: application/octet-stream`.
   * Returns the streaming response once headers arrive; retries 5xx/connection failures before that point.
   * Redirects are followed (up to 5). The token is attached only to URLs on the configured Intercom origin:
   * never to a `download_url` or redirect target on another host.
   */
  async download(jobIdentifierOrUrl: string): Promise<DownloadResponse> {
    const first = /^https?:\/\//i.test(jobIdentifierOrUrl)
      ? jobIdentifierOrUrl
      : `${this.baseUrl}/download/content/data/${segment(jobIdentifierOrUrl)}`;
    return this.withRetries(async () => {
      let url = first;
      for (let redirects = 0; ; redirects++) {
        const { res, path, abort } = await this.send("GET", url, undefined, "application/octet-stream");
        const location = res.headers.get("location");
        if (res.status >= 300 && res.status < 400 && location) {
          await this.readText(res, "GET", path, abort); // drain the (small) redirect body, freeing the socket
          if (redirects >= MAX_REDIRECTS) {
            throw new ResponseFormatError("GET", path, res.status, `more than ${MAX_REDIRECTS} redirects`);
          }
          url = new URL(location, url).toString();
          continue;
        }
        if (res.status >= 300) {
          const text = await this.readText(res, "GET", path, abort);
          throw errorFromResponse("GET", path, this.redacted(res, text));
        }
        // Headers are in: the per-request timeout has done its job. The body is the caller's to pace.
        clearTimeout(timerOf(res));
        const body = res.body as unknown as Readable;
        return {
          status: res.status,
          headers: res.headers,
          body,
          abort: () => {
            // node-fetch reports the abort as an 'error' event on the body: never let it go unheard.
            body.on("error", () => undefined);
            abort();
          },
        };
      }
    });
  }

  private async withRetries<T>(fn: () => Promise<T>, retryable?: (e: unknown) => boolean): Promise<T> {
    for (let retries = 0; ; retries++) {
      try {
        return await fn();
      } catch (e) {
        const delay =
          retryable === undefined || retryable(e) ? retryDelay(e, retries, this.retry) : undefined;
        if (delay === undefined) throw explainedRateLimit(e, this.retry);
        this.log.warn(
          `${(e as Error).message}; retrying in ${(delay / 1000).toFixed(1)}s (retry ${retries + 1}/${this.retry.limit})`,
        );
        await this.sleep(delay);
      }
    }
  }

  private async requestJob(
    method: Method,
    path: string,
    body?: unknown,
    o: {
      jobBodyOnError?: boolean;
      /** Called instead of throwing when a 2xx body is not JSON (create salvages the job id from it). */
      onMalformed?: (text: string, error: ResponseFormatError) => Promise<ExportJob>;
    } = {},
  ): Promise<ExportJob> {
    const { res, abort } = await this.send(method, `${this.baseUrl}${path}`, body, "application/json");
    const text = await this.readText(res, method, path, abort);
    if (res.status >= 400) {
      if (o.jobBodyOnError && res.status === 504) {
        // Documented: "If a job has failed, then the HTTP Response Code will show as a 504" with the job body.
        const job = tryParseJob(text);
        if (job) return job;
      }
      throw errorFromResponse(method, path, this.redacted(res, text));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const type = res.headers.get("content-type") ?? "no content type";
      const error = new ResponseFormatError(
        method,
        path,
        res.status,
        `body is not valid JSON (${type}, ${text.length} bytes)`,
      );
      if (o.onMalformed) return o.onMalformed(text, error);
      throw error;
    }
    const job = parseJob(json);
    if (typeof job === "string") throw new ResponseFormatError(method, path, res.status, job);
    return job;
  }

  /** The response as errorFromResponse sees it, with the token blanked out should the server echo it. */
  private redacted(res: Response, text: string): RawResponse {
    const clean = (v: string | null) => (v === null ? null : redact(v, [this.token]));
    return {
      status: res.status,
      headers: { get: (n) => clean(res.headers.get(n)) },
      text: redact(text, [this.token]),
    };
  }

  /** Sends one request; resolves when headers arrive. The timer keeps running until `abort` or the body is read. */
  private async send(
    method: Method,
    url: string,
    body: unknown,
    accept: string,
  ): Promise<{ res: Response; path: string; abort: () => void }> {
    const target = new URL(url);
    const path = target.pathname;
    const headers: Record<string, string> = {
      Accept: accept,
      "Intercom-Version": this.apiVersion,
      "User-Agent": USER_AGENT,
    };
    // The token goes only to the configured Intercom origin, never to a download URL on another host.
    if (target.origin === this.origin) headers.Authorization = `Bearer ${this.token}`;
    else
      this.log.warn(
        `not sending the access token to ${target.host}, which is not the configured Intercom host`,
      );
    if (body !== undefined) headers["Content-Type"] = "application/json";

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const abort = () => {
      clearTimeout(timer);
      controller.abort();
    };
    this.requestCount++;
    try {
      const res = await this.fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        redirect: "manual",
      });
      (res as TimedResponse).__timer = timer;
      return { res, path, abort };
    } catch (e) {
      clearTimeout(timer);
      if (timedOut) throw new RequestTimeoutError(method, path, this.timeoutMs);
      throw new ConnectionError(method, path, describeNetworkError(e));
    }
  }

  private async readText(res: Response, method: Method, path: string, abort: () => void): Promise<string> {
    const timer = timerOf(res);
    try {
      return await res.text();
    } catch (e) {
      if (e instanceof IntercomExportError) throw e;
      const aborted = (e as Error).name === "AbortError";
      if (aborted) throw new RequestTimeoutError(method, path, this.timeoutMs);
      throw new ConnectionError(method, path, describeNetworkError(e));
    } finally {
      if (timer) clearTimeout(timer);
      void abort;
    }
  }
}

/**
 * A job id as one path segment. "", "." and ".." would not stay one (URLs resolve dot segments, also as %2E),
 * so the request would go, token attached, to another path: they are refused before anything is sent.
 */
function segment(jobIdentifier: string): string {
  if (jobIdentifier === "" || jobIdentifier === "." || jobIdentifier === "..") {
    throw new IntercomExportError(`${JSON.stringify(jobIdentifier)} is not a valid job id`);
  }
  return encodeURIComponent(jobIdentifier);
}

/** A rate limit not waited for because Intercom asked for longer than we wait on our own: say so. */
function explainedRateLimit(e: unknown, o: RetryOptions): unknown {
  if (!(e instanceof RateLimitError) || e.retryAfterSeconds === undefined) return e;
  if (e.retryAfterSeconds <= o.maxRetryAfterSeconds) return e;
  return new RateLimitError(
    { ...e, intercomMessage: e.intercomMessage },
    `Intercom asks to wait ${Math.ceil(e.retryAfterSeconds)} s before the next request, longer than ` +
      `maxRetryAfterSeconds=${o.maxRetryAfterSeconds} this provider waits on its own: run the command again later ` +
      "(other tools may be sharing your app's rate limit)",
  );
}

type TimedResponse = Response & { __timer?: NodeJS.Timeout };
const timerOf = (res: Response): NodeJS.Timeout | undefined => (res as TimedResponse).__timer;

/** The job id from a JSON body cut short (`{"job_identifier":"abc","sta`), when the id itself is complete. */
export function partialJobIdentifier(text: string): string | undefined {
  return /"job_ide?ntifier"\s*:\s*"([A-Za-z0-9_-]+)"/.exec(text)?.[1];
}

function tryParseJob(text: string): ExportJob | undefined {
  try {
    const job = parseJob(JSON.parse(text));
    return typeof job === "string" ? undefined : job;
  } catch {
    return undefined;
  }
}

/**
 * The network error's code and reason, without the URL node-fetch puts in its message ("request to <url>
 * failed, reason: ..."): a download URL's query string may be a signature, and the path is already in our message.
 */
function describeNetworkError(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  const message = (err.cause?.message ?? err.message ?? String(e))
    .replace(/^request to \S+ failed, reason: /, "")
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>");
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
