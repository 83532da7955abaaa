/**
 * Injected faults: one FIFO per route, one fault consumed per request before normal handling. They let client
 * tests see the failures a real network and API produce: 5xx bursts, 429s, slow answers, connection resets,
 * broken JSON, HTML error pages from a proxy, statuses the client does not know, truncated downloads.
 */
import { jsonReply, MESSAGES, uuid, type Reply } from "./responses";

export type FaultRoute = "create" | "status" | "cancel" | "download" | "other";
export const FAULT_ROUTES: readonly FaultRoute[] = ["create", "status", "cancel", "download", "other"];

interface FaultBase {
  /**
   * When true, the request is first handled normally (a create DOES create the job, a cancel DOES cancel) and
   * only then is the fault answered; tests "the POST may have reached Intercom" handling. Default false: the
   * request never reaches the API.
   */
  afterEffect?: boolean;
}

export type Fault =
  | (FaultBase & {
      kind: "status";
      status: number;
      /** JSON value, or a string sent as is; defaults to a plausible error.list for the status. */
      body?: unknown;
      headers?: Record<string, string>;
    })
  /** Waits before handling the request normally (so before any header is sent). */
  | (FaultBase & { kind: "slow"; delayMs: number })
  /** Destroys the socket without any response. */
  | (FaultBase & { kind: "reset" })
  /** 200 with JSON cut in the middle. */
  | (FaultBase & { kind: "malformed" })
  /** 502 (or `status`) with an HTML page, as a proxy in front of the API would send. */
  | (FaultBase & { kind: "html"; status?: number })
  /** 200 job body whose status is "archived", a value outside the documented enum. */
  | (FaultBase & { kind: "unknownStatus" })
  /**
   * Handles the request normally (downloads are read-only) but announces the full Content-Length and closes
   * the connection after `atBytes` (default: half the body).
   */
  | (FaultBase & { kind: "truncate"; atBytes?: number });

export type FaultKind = Fault["kind"];

export class FaultQueues {
  private readonly queues = new Map<FaultRoute, Fault[]>();

  push(route: FaultRoute, faults: Fault[]): void {
    const queue = this.queues.get(route) ?? [];
    queue.push(...faults.map((f) => ({ ...f })));
    this.queues.set(route, queue);
  }

  next(route: FaultRoute): Fault | undefined {
    return this.queues.get(route)?.shift();
  }

  pending(): Record<FaultRoute, Fault[]> {
    return Object.fromEntries(FAULT_ROUTES.map((r) => [r, [...(this.queues.get(r) ?? [])]])) as Record<
      FaultRoute,
      Fault[]
    >;
  }

  clear(): void {
    this.queues.clear();
  }
}

/** Whether the normal handler must run before the fault is applied. */
export function runsNormally(fault: Fault): boolean {
  return fault.kind === "slow" || fault.kind === "truncate" || fault.afterEffect === true;
}

/** Validates faults coming from the HTTP control API. */
export function parseFaults(input: unknown): { route: FaultRoute; faults: Fault[] } | string {
  if (typeof input !== "object" || input === null) return "expected {route, faults}";
  const { route, faults } = input as { route?: unknown; faults?: unknown };
  if (typeof route !== "string" || !FAULT_ROUTES.includes(route as FaultRoute)) {
    return `route must be one of ${FAULT_ROUTES.join(", ")}`;
  }
  if (!Array.isArray(faults)) return "faults must be an array";
  for (const [i, f] of faults.entries()) {
    const fault = f as Partial<Record<string, unknown>>;
    const bad = (why: string) => `faults[${i}]: ${why}`;
    if (typeof fault !== "object" || fault === null) return bad("not an object");
    if (fault.afterEffect !== undefined && typeof fault.afterEffect !== "boolean") return bad("afterEffect");
    switch (fault.kind) {
      case "status":
        if (typeof fault.status !== "number" || fault.status < 100 || fault.status > 599)
          return bad("status");
        if (fault.headers !== undefined && (typeof fault.headers !== "object" || fault.headers === null)) {
          return bad("headers");
        }
        break;
      case "slow":
        if (typeof fault.delayMs !== "number" || fault.delayMs < 0) return bad("delayMs");
        break;
      case "html":
        if (fault.status !== undefined && typeof fault.status !== "number") return bad("status");
        break;
      case "truncate":
        if (fault.atBytes !== undefined && typeof fault.atBytes !== "number") return bad("atBytes");
        break;
      case "reset":
      case "malformed":
      case "unknownStatus":
        break;
      default:
        return bad(`unknown kind ${JSON.stringify(fault.kind)}`);
    }
  }
  return { route: route as FaultRoute, faults: faults as Fault[] };
}

function defaultErrorBody(status: number, rateLimit: number): unknown {
  const [code, message] =
    status === 429
      ? ["rate_limit_exceeded", MESSAGES.rateLimit(rateLimit)]
      : status === 500
        ? ["server_error", "Server Error"]
        : status >= 502 && status <= 504
          ? ["service_unavailable", "Sorry, the API service is temporarily unavailable"]
          : ["fault_injected", `Injected HTTP ${status}`];
  return { type: "error.list", request_id: uuid(), errors: [{ code, message }] };
}

const HTML_PAGE = (status: number) =>
  `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n`;

export interface FaultContext {
  /** The normal reply, when the request was handled first. */
  normal?: Reply;
  /** The job body the fault may distort (real job of the path or the normal reply, else a made-up one). */
  jobBody: () => Record<string, string>;
  rateLimit: number;
}

/** The reply a fault produces, for faults that answer with a reply of their own. */
export function faultReply(fault: Fault, ctx: FaultContext): Reply | undefined {
  switch (fault.kind) {
    case "status": {
      const headers = { ...(fault.headers ?? {}) };
      const body = fault.body === undefined ? defaultErrorBody(fault.status, ctx.rateLimit) : fault.body;
      if (typeof body === "string") {
        const hasType = Object.keys(headers).some((h) => h.toLowerCase() === "content-type");
        return {
          status: fault.status,
          headers: hasType ? headers : { "Content-Type": "text/plain", ...headers },
          body,
        };
      }
      return jsonReply(fault.status, body, headers);
    }
    case "html": {
      const status = fault.status ?? 502;
      return { status, headers: { "Content-Type": "text/html" }, body: HTML_PAGE(status) };
    }
    case "malformed": {
      const normal = ctx.normal?.body;
      const full = normal && normal.startsWith("{") ? normal : JSON.stringify(ctx.jobBody());
      // Cut inside the object so no JSON parser can accept it.
      return { ...jsonReply(200, null), body: full.slice(0, Math.max(1, Math.floor(full.length / 2))) };
    }
    case "unknownStatus":
      return jsonReply(200, { ...ctx.jobBody(), status: "archived" });
    default:
      return undefined;
  }
}
