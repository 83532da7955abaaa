/**
 * A create that never left this machine (connection refused, host not found) cannot have started a job: it is
 * retried like any failed request and reported as a connection error, not as "the outcome is unknown".
 */
import { create, runtimeSeams } from "../../provider/lifecycle";
import { ConnectionError } from "../../provider/errors";
import { FAST, JUNE, thrown, TOKEN, useEmulator } from "../helpers/provider-env";

const env = useEmulator();

test("connection refused: retried, then a ConnectionError that does not claim a job may exist", async () => {
  runtimeSeams.env = { INTERCOM_ACCESS_TOKEN: TOKEN, INTERCOM_BASE_URL: "http://127.0.0.1:1" };
  runtimeSeams.retry = { limit: 2, baseDelayMs: 1, maxDelayMs: 2 };
  try {
    const e = await thrown(() => create({ ...JUNE, ...FAST, __provider: "p" }));
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.message).not.toMatch(/may (still )?have started/);
    expect(env.logs.join("\n")).not.toMatch(/may have started a job/);
    expect(e.id).toBeUndefined();
  } finally {
    runtimeSeams.retry = undefined;
  }
});
