/**
 * The HTTP side of the emulator: routing, bearer auth, the general rate limit, injected faults, the request
 * log and sending replies (streamed for downloads). The API semantics are in api.ts, jobs in jobs.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pipeline } from "node:stream";
import {
  cancelExport,
  createExport,
  downloadExport,
  jobBody,
  showExport,
  unknownPath,
  type ApiContext,
} from "./api";
import { handleControl } from "./control";
import type { ExportRange } from "./data";
import { faultReply, FaultQueues, runsNormally, type Fault, type FaultKind, type FaultRoute } from "./faults";
import { JobStore, type Job, type JobSnapshot } from "./jobs";
import { DEFAULT_OPTIONS, validateOptionUpdate, type EmulatorOptions } from "./options";
import { RateLimiter, rateLimitHeaders } from "./ratelimit";
import { errorReply, MESSAGES, newRequestId, uuid, type Reply } from "./responses";

export type RouteName = FaultRoute | "control";
export type AuthState = "valid" | "invalid" | "missing";

/** One API request as the emulator saw it. The Authorization header itself is never stored. */
export interface RequestLogEntry {
  /** ISO time the request arrived (emulator clock). */
  time: string;
  method: string;
  path: string;
  route: RouteName;
  /** Status code sent; 0 when the connection was dropped without a response (reset fault, client gone). */
  status: number;
  headers: {
    intercomVersion?: string;
    accept?: string;
    userAgent?: string;
    contentType?: string;
  };
  auth: AuthState;
  /** Job id from the path, or of the job a create made. */
  jobId?: string;
  /** The injected fault consumed by this request, if any. */
  fault?: FaultKind;
}

/** A job as tests see it: the internal view plus the exact body the API would return now. */
export type EmulatorJob = JobSnapshot & { body: Record<string, string> };

export interface Emulator {
  readonly url: string;
  readonly port: number;
  /** API requests only (control requests are not logged). Cleared in place, so a reference stays valid. */
  readonly requests: RequestLogEntry[];
  readonly options: Readonly<EmulatorOptions>;
  close(): Promise<void>;
  clearRequests(): void;
  /** Changes options for what happens next; existing jobs keep the timings/outcome they were created with. */
  configure(partial: Partial<EmulatorOptions>): void;
  getJob(id: string): EmulatorJob | undefined;
  listJobs(): EmulatorJob[];
  /** The job's download lifetime runs out (as if two days passed); undefined for an unknown id. */
  expireJob(id: string): EmulatorJob | undefined;
  /** Deletes the job: the API answers 404 for it from now on. */
  forgetJob(id: string): boolean;
  /** A job started outside the API (a person in Intercom). It ignores, but counts toward, the one-job limit. */
  createJobDirectly(range: ExportRange): EmulatorJob;
  /** Queues faults for a route; each later request on that route consumes one, in order. */
  injectFaults(route: FaultRoute, faults: Fault[]): void;
  pendingFaults(): Record<FaultRoute, Fault[]>;
  /** Back to the state right after start: no jobs, requests, faults; start options; fresh rate-limit window. */
  reset(): void;
}

interface Match {
  route: FaultRoute;
  id?: string;
}

const MAX_BODY = 1024 * 1024;

function match(method: string, path: string, legacy: boolean): Match {
  // Trailing slashes are accepted: the v4/v5 node SDK POSTs to `/export/content/data/`.
  const kind = legacy ? "(?:content|messages)" : "content";
  const routes: [FaultRoute, string, RegExp][] = [
    ["create", "POST", new RegExp(`^/export/${kind}/data/?$`)],
    ["status", "GET", new RegExp(`^/export/${kind}/data/([^/]+)/?$`)],
    ["cancel", "POST", /^\/export\/cancel\/([^/]+)\/?$/],
    ["download", "GET", new RegExp(`^/download/${kind}/data/([^/]+)/?$`)],
  ];
  for (const [route, routeMethod, pattern] of routes) {
    const m = pattern.exec(path);
    if (m && method === routeMethod) {
      let id = m[1];
      try {
        id = id === undefined ? id : decodeURIComponent(id);
      } catch {
        // keep the raw segment
      }
      return { route, id };
    }
  }
  return { route: "other" };
}

function authState(header: string | undefined, tokens: string[]): AuthState {
  if (header === undefined || header.trim() === "") return "missing";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return m && tokens.includes(m[1]) ? "valid" : "invalid";
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
    req.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};

class EmulatorServer implements Emulator {
  url = "";
  port = 0;
  readonly requests: RequestLogEntry[] = [];
  private current: EmulatorOptions;
  private readonly jobs: JobStore;
  private readonly faults = new FaultQueues();
  private readonly limiter = new RateLimiter();
  private readonly sockets = new Set<Socket>();
  private readonly waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  private readonly server: Server;

  constructor(private readonly initial: EmulatorOptions) {
    this.current = { ...initial, tokens: [...initial.tokens] };
    this.jobs = new JobStore(() => this.current);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // A bug in the emulator must not kill the test run; answer 500 if still possible.
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "Content-Type": "text/plain" });
          res.end(`emulator error: ${String(err)}`);
        } else res.destroy();
      });
    });
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  get options(): Readonly<EmulatorOptions> {
    return this.current;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.current.port, this.current.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("unexpected server address");
    this.port = address.port;
    const host =
      this.current.host === "0.0.0.0" || this.current.host === "::" ? "127.0.0.1" : this.current.host;
    this.url = `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
  }

  async close(): Promise<void> {
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.done();
    }
    this.waits.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Destroying keep-alive and in-flight sockets lets close() finish and jest exit.
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  configure(partial: Partial<EmulatorOptions>): void {
    const { clock, ...rest } = partial;
    const checked = validateOptionUpdate(rest);
    if (!checked.ok) throw new Error(`invalid emulator options: ${checked.problems.join("; ")}`);
    this.current = { ...this.current, ...checked.update };
    if (clock) this.current.clock = clock;
  }

  private view(job: Job): EmulatorJob {
    return { ...this.jobs.snapshot(job), body: jobBody(job, this.apiContext("")) };
  }

  getJob(id: string): EmulatorJob | undefined {
    const job = this.jobs.get(id);
    return job && this.view(job);
  }

  listJobs(): EmulatorJob[] {
    return this.jobs.all().map((job) => this.view(job));
  }

  expireJob(id: string): EmulatorJob | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    this.jobs.expire(job);
    return this.view(job);
  }

  forgetJob(id: string): boolean {
    return this.jobs.forget(id);
  }

  createJobDirectly(range: ExportRange): EmulatorJob {
    const { created_at_after: after, created_at_before: before } = range;
    if (!Number.isSafeInteger(after) || !Number.isSafeInteger(before) || after > before) {
      throw new Error("createJobDirectly needs integer created_at_after <= created_at_before");
    }
    return this.view(this.jobs.create(range, true));
  }

  injectFaults(route: FaultRoute, faults: Fault[]): void {
    this.faults.push(route, faults);
  }

  pendingFaults(): Record<FaultRoute, Fault[]> {
    return this.faults.pending();
  }

  reset(): void {
    this.jobs.clear();
    this.faults.clear();
    this.limiter.reset();
    this.clearRequests();
    this.current = { ...this.initial, tokens: [...this.initial.tokens] };
  }

  private apiContext(requestId: string): ApiContext {
    return { options: this.current, jobs: this.jobs, baseUrl: this.url, requestId };
  }

  /** Waits `ms`, but returns at once when the emulator closes. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolve();
        }, ms),
        done: resolve,
      };
      this.waits.add(wait);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://emulator").pathname;
    const rawBody = await readBody(req);
    if (path === "/__emulator" || path.startsWith("/__emulator/")) {
      return this.send(res, handleControl(method, path.slice("/__emulator".length), rawBody, this));
    }

    const { route, id } = match(method, path, this.current.legacyMessagesPaths);
    const auth = authState(header(req, "authorization"), this.current.tokens);
    const entry: RequestLogEntry = {
      time: new Date(this.current.clock()).toISOString(),
      method,
      path,
      route,
      status: 0,
      headers: {
        intercomVersion: header(req, "intercom-version"),
        accept: header(req, "accept"),
        userAgent: header(req, "user-agent"),
        contentType: header(req, "content-type"),
      },
      auth,
      jobId: id,
    };
    this.requests.push(entry);

    const fault = this.faults.next(route);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === "slow") await this.delay(fault.delayMs);
    if (res.destroyed) return;

    let reply: Reply | undefined;
    const requestId = newRequestId();
    if (!fault || runsNormally(fault)) {
      reply = this.answer(route, id, auth, req, rawBody, requestId);
      if (route === "create" && reply.status === 200 && reply.body) {
        entry.jobId = (JSON.parse(reply.body) as Record<string, string>)[this.current.idKey];
      }
    }
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault) {
      const replaced = faultReply(fault, {
        normal: reply,
        rateLimit: this.current.rateLimit,
        jobBody: () => this.bodyForFault(reply, id),
      });
      if (replaced) reply = replaced;
    }
    if (!reply) return; // unreachable: every fault either runs normally or replies
    entry.status = reply.status;
    await this.send(res, reply, fault?.kind === "truncate" ? (fault.atBytes ?? -1) : undefined);
    if (!res.headersSent) entry.status = 0;
  }

  /** Auth, the general rate limit, then the operation itself. */
  private answer(
    route: FaultRoute,
    id: string | undefined,
    auth: AuthState,
    req: IncomingMessage,
    rawBody: string,
    requestId: string,
  ): Reply {
    const withId = (reply: Reply): Reply => ({
      ...reply,
      headers: { ...reply.headers, "X-Request-Id": requestId },
    });
    // Documented: the rate-limit headers "are not sent when the request has no valid credentials".
    if (auth !== "valid") {
      return withId(errorReply(401, uuid(), [{ code: "unauthorized", message: MESSAGES.unauthorized }]));
    }
    const limit = this.limiter.hit(this.current.clock(), this.current.rateLimit);
    const limitHeaders = rateLimitHeaders(limit);
    if (limit.exceeded) {
      return withId(
        errorReply(429, uuid(), [{ code: "rate_limit_exceeded", message: MESSAGES.rateLimit(limit.limit) }], {
          ...limitHeaders,
          "Retry-After": String(limit.retryAfter),
        }),
      );
    }
    const ctx = this.apiContext(requestId);
    let reply: Reply;
    if (route === "create") reply = createExport(rawBody, ctx);
    else if (route === "status") reply = showExport(id ?? "", ctx);
    else if (route === "cancel") reply = cancelExport(id ?? "", ctx);
    else if (route === "download") reply = downloadExport(id ?? "", header(req, "accept"), ctx);
    else reply = unknownPath();
    return withId({ ...reply, headers: { ...reply.headers, ...limitHeaders } });
  }

  /** The job body a malformed/unknownStatus fault distorts: from the normal reply, the path's job, or made up. */
  private bodyForFault(normal: Reply | undefined, id: string | undefined): Record<string, string> {
    if (normal?.body) {
      try {
        const parsed = JSON.parse(normal.body) as Record<string, string>;
        if (typeof parsed.status === "string" && parsed.type !== "error.list") return parsed;
      } catch {
        // not JSON; fall through
      }
    }
    const job = id === undefined ? undefined : this.jobs.get(id);
    if (job) return jobBody(job, this.apiContext(""));
    return {
      [this.current.idKey]: id ?? "fault0000000000",
      status: "pending",
      download_url: "",
      download_expires_at: "",
    };
  }

  /**
   * Writes a reply. `truncateAt` (truncate fault): announce the full Content-Length, send only that many bytes
   * (-1 = half) and drop the connection.
   */
  private async send(res: ServerResponse, reply: Reply, truncateAt?: number): Promise<void> {
    if (res.destroyed) return;
    if (truncateAt !== undefined) return this.sendTruncated(res, reply, truncateAt);
    const headers: Record<string, string | number> = { ...reply.headers };
    if (reply.stream) {
      res.writeHead(reply.status, headers);
      await new Promise<void>((resolve) => pipeline(reply.stream!(), res, () => resolve()));
      return;
    }
    const body = Buffer.from(reply.body ?? "");
    headers["Content-Length"] = body.length;
    res.writeHead(reply.status, headers);
    await new Promise<void>((resolve) => res.end(body, () => resolve()));
  }

  private async sendTruncated(res: ServerResponse, reply: Reply, truncateAt: number): Promise<void> {
    const full = reply.body !== undefined ? Buffer.from(reply.body) : undefined;
    const length = full ? full.length : reply.length ? await reply.length() : 0;
    const cut = Math.max(0, Math.min(length - 1, truncateAt >= 0 ? truncateAt : Math.floor(length / 2)));
    res.writeHead(reply.status, { ...reply.headers, "Content-Length": length });
    // Each write resolves once its bytes were handed to the socket, so they reach the client before the cut.
    const write = (chunk: Buffer) => new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    if (full) await write(full.subarray(0, cut));
    else if (reply.stream) {
      const source = reply.stream();
      let sent = 0;
      for await (const chunk of source) {
        const piece = (chunk as Buffer).subarray(0, cut - sent);
        if (piece.length) await write(piece);
        sent += piece.length;
        if (sent >= cut || res.destroyed) break; // leaving the loop destroys the source stream
      }
    }
    // Close without finishing the body.
    res.socket?.destroy();
  }
}

/** Starts an emulator on 127.0.0.1 (ephemeral port unless `options.port`). */
export async function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const { clock, port, host, ...rest } = options;
  const checked = validateOptionUpdate(rest);
  if (!checked.ok) throw new Error(`invalid emulator options: ${checked.problems.join("; ")}`);
  const initial: EmulatorOptions = {
    ...DEFAULT_OPTIONS,
    ...checked.update,
    tokens: [...(checked.update.tokens ?? DEFAULT_OPTIONS.tokens)],
    port: port ?? DEFAULT_OPTIONS.port,
    host: host ?? DEFAULT_OPTIONS.host,
    clock: clock ?? DEFAULT_OPTIONS.clock,
  };
  const emulator = new EmulatorServer(initial);
  await emulator.listen();
  return emulator;
}
