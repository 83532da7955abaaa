/**
 * One test per resilience bug found in review (written before its fix). The systematic call × fault matrix is
 * in ./fault-matrix.test.ts; these pin down the specific behaviours that were wrong.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { create } from "../../provider/lifecycle";
import {
  AuthenticationError,
  ConnectionError,
  CreateOutcomeUnknownError,
  RateLimitError,
} from "../../provider/errors";
import { FAST, JUNE, thrown, TOKEN, useEmulator } from "../helpers/provider-env";
import { DONE_BY_FIRST_POLL, expectNoLeak, fastSeams, FIRST_POLL, testClient } from "./helpers";

const env = useEmulator();
const PROVIDER = "exports.handler = function () {}";
const inputs = (extra: Record<string, unknown> = {}) => ({
  ...JUNE,
  ...FAST,
  __provider: PROVIDER,
  ...extra,
});
const count = (route: string) => env.emu.requests.filter((r) => r.route === route).length;
const readAll = async (body: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

beforeEach(() => {
  fastSeams();
});

/** A plain HTTP server on another port (another origin) that records the headers it receives. */
async function otherHost(): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "Content-Type": "application/octet-stream" });
    res.end("signed-bytes");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe("downloads", () => {
  test("a healthy body is not cut off by the per-request timeout once the headers have arrived", async () => {
    // Headers at once, then the body in 8 pieces over ~0.8 s: longer than the 0.2 s request timeout.
    const server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": 8 * 1024 });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(Buffer.alloc(1024, 65 + sent));
        if (++sent === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await testClient(url, { requestTimeoutMs: 200 }).download("job1");
      const bytes = await readAll(res.body);
      expect(bytes.length).toBe(8 * 1024);
    } finally {
      server.close();
    }
  });

  test("a redirect to another host is followed without the token", async () => {
    const other = await otherHost();
    try {
      env.emu.injectFaults("download", [
        { kind: "status", status: 302, headers: { Location: `${other.url}/signed?x=1` }, body: "" },
      ]);
      const res = await testClient(env.emu.url).download("somejob");
      expect(res.status).toBe(200);
      expect((await readAll(res.body)).toString()).toBe("signed-bytes");
      expect(other.seen).toHaveLength(1);
      expect(other.seen[0].authorization).toBeUndefined();
      expect(env.emu.requests[0].auth).toBe("valid");
    } finally {
      other.server.close();
    }
  });

  test("a connection error does not quote the download URL's query string", async () => {
    env.emu.injectFaults("download", Array(5).fill({ kind: "reset" }));
    const e = await thrown(() =>
      testClient(env.emu.url).download(`${env.emu.url}/download/content/data/j?sig=s3cr3t`),
    );
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).not.toContain("s3cr3t");
    expect(count("download")).toBe(5);
  });
});

describe("the token is redacted even when the server echoes it", () => {
  test("in an error envelope's message (401 on create)", async () => {
    env.emu.injectFaults("create", [
      {
        kind: "status",
        status: 401,
        body: {
          type: "error.list",
          request_id: "req-echo",
          errors: [{ code: "unauthorized", message: `Access Token Invalid: Bearer ${TOKEN} (${TOKEN})` }],
        },
      },
    ]);
    const e = await thrown(() => create(inputs()));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.message).toContain("Access Token Invalid");
    expect(e.message).toContain("request id req-echo");
    expectNoLeak(TOKEN, e, env.logs);
  });

  test("in an HTML page and a non-JSON body seen while retrying (status)", async () => {
    env.emu.configure(DONE_BY_FIRST_POLL);
    env.emu.injectFaults("status", [
      {
        kind: "status",
        status: 502,
        headers: { "Content-Type": "text/html" },
        body: `<html><title>token ${TOKEN} rejected</title></html>`,
      },
      { kind: "status", status: 503, body: `upstream said: ${TOKEN}` },
    ]);
    const { outs } = await create(inputs(FIRST_POLL));
    expect(outs.status).toBe("completed");
    expect(env.logs.join("\n")).toMatch(/HTTP 502.*retrying/);
    expectNoLeak(TOKEN, undefined, env.logs);
  });
});

describe("the general rate limit", () => {
  test("a wait longer than maxRetryAfterSeconds fails at once and says what Intercom asked for", async () => {
    env.emu.injectFaults("create", [{ kind: "status", status: 429, headers: { "Retry-After": "600" } }]);
    const e = await thrown(() => create(inputs()));
    expect(e).toBeInstanceOf(RateLimitError);
    expect(e.message).toMatch(/Exceeded rate limit of 166 in 10_seconds/);
    expect(e.message).toMatch(/asks to wait 600 s.*maxRetryAfterSeconds=120/);
    expect(count("create")).toBe(1);
  });
});

describe("create after a failure whose outcome is unknown", () => {
  test("a burst of 5xx that created nothing ends in success: each POST again is covered by the one-job rule", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    env.emu.injectFaults("create", [
      { kind: "status", status: 500 },
      { kind: "status", status: 502 },
      { kind: "status", status: 503 },
    ]);
    const { id } = await create(inputs({ waitForCompletion: false }));
    expect(env.emu.listJobs().map((j) => j.id)).toEqual([id]);
    expect(count("create")).toBe(4);
  });

  test("a 200 whose JSON was cut short still yields the job it created (id read from the partial body)", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    env.emu.injectFaults("create", [{ kind: "malformed", afterEffect: true }]);
    const { id, outs } = await create(inputs({ waitForCompletion: false }));
    expect(env.emu.listJobs().map((j) => j.id)).toEqual([id]);
    expect(outs.status).toBe("pending");
    expect(count("create")).toBe(1);
  });

  test("the busy-slot answer after a lost answer names what happened and what to do", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    env.emu.injectFaults("create", [{ kind: "status", status: 503, afterEffect: true }]);
    const e = await thrown(() => create(inputs()));
    expect(e).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(e.message).not.toMatch(/not retried/);
    expect(e.message).toMatch(/sent again/);
    expect(e.message).toMatch(/429/);
    expect(e.message).toMatch(/slotWaitSeconds/);
    expect(count("create")).toBe(2);
    expect(env.emu.listJobs()).toHaveLength(1);
  });
});

describe("waiting for a job", () => {
  test("the busy-slot wait log says when the next try comes, also for sub-second waits", async () => {
    env.emu.configure({ pendingMs: 60_000 });
    env.emu.injectFaults("create", [
      {
        kind: "status",
        status: 429,
        body: {
          type: "error.list",
          errors: [
            {
              code: "rate_limit_exceeded",
              message: "Exceeded rate limit of 1 pending message data export jobs",
            },
          ],
        },
      },
    ]);
    await create(inputs({ waitForCompletion: false, pollIntervalSeconds: 0.4, maxPollIntervalSeconds: 0.4 }));
    expect(env.logs.join("\n")).toMatch(/export slot busy.*next try in 0\.[34]s/);
  });

  test("a status outage longer than one request's retries does not fail the wait", async () => {
    env.emu.configure(DONE_BY_FIRST_POLL);
    env.emu.injectFaults("status", Array(7).fill({ kind: "status", status: 503 }));
    const { outs } = await create(inputs(FIRST_POLL));
    expect(outs.status).toBe("completed");
    expect(count("status")).toBe(8);
    expect(env.logs.join("\n")).toMatch(/still waiting/);
  });

  test("an unknown status value is warned about once, not on every poll", async () => {
    env.emu.configure(DONE_BY_FIRST_POLL);
    env.emu.injectFaults("status", Array(3).fill({ kind: "unknownStatus" }));
    const { outs } = await create(inputs(FIRST_POLL));
    expect(outs.status).toBe("completed");
    expect(env.logs.filter((l) => l.includes("'archived'") && l.includes("does not know"))).toHaveLength(1);
    expect(count("status")).toBe(4);
  });
});

describe("job ids in paths", () => {
  test.each([".", "..", ""])(
    "%j is refused before any request (a dot segment would send the token to another path)",
    async (id) => {
      const client = testClient(env.emu.url);
      for (const call of [
        () => client.getExport(id),
        () => client.cancelExport(id),
        () => client.download(id),
      ]) {
        const e = await thrown(call);
        expect(e.message).toMatch(/not a valid job id/);
      }
      expect(env.emu.requests).toEqual([]);
    },
  );
});

describe("where the token goes (coverage, not a regression)", () => {
  test.each([
    ["http://api.intercom.io", false],
    ["http://127.0.0.1.example.com:8080", false],
    ["http://localhost.example.com", false],
    ["https://api.eu.intercom.io", true],
    ["http://127.0.0.1:9", true],
    ["http://localhost:9", true],
    ["http://[::1]:9", true],
  ])("a client for %s is %s", (baseUrl, allowed) => {
    const make = () => testClient(baseUrl);
    if (allowed) expect(make).not.toThrow();
    else expect(make).toThrow(/Refusing to send the access token over http:/);
  });

  test("a download_url on another host is fetched without the token, and the log says so", async () => {
    const other = await otherHost();
    try {
      const res = await testClient(env.emu.url).download(`${other.url}/download/content/data/j1`);
      expect((await readAll(res.body)).toString()).toBe("signed-bytes");
      expect(other.seen[0].authorization).toBeUndefined();
      expect(env.logs.join("\n")).toMatch(/not sending the access token to 127\.0\.0\.1:\d+/);
    } finally {
      other.server.close();
    }
  });
});
