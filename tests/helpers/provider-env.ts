/** Test helpers: an emulator per suite, the provider pointed at it, console output captured. */
import { Emulator, startEmulator } from "../../emulator";
import type { EmulatorOptions } from "../../emulator";
import { runtimeSeams, setStackConfig } from "../../provider/lifecycle";
import { realClock } from "../../provider/jobs";

export const TOKEN = "emulator-token";
/** Fast polling for tests: 20 ms first, capped at 100 ms. */
export const FAST = { pollIntervalSeconds: 0.02, maxPollIntervalSeconds: 0.1 };
export const JUNE = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30" };

export interface ProviderEnv {
  emu: Emulator;
  /** Everything the provider printed (stdout and stderr), one entry per line. */
  logs: string[];
}

/** Starts an emulator for the suite and points the provider at it through the environment. */
export function useEmulator(options: Partial<EmulatorOptions> = {}): ProviderEnv {
  const env = { logs: [] as string[] } as ProviderEnv;
  let spies: jest.SpyInstance[] = [];
  beforeAll(async () => {
    env.emu = await startEmulator({ pendingMs: 40, inProgressMs: 80, ...options });
  });
  afterAll(async () => {
    await env.emu.close();
  });
  beforeEach(() => {
    env.emu.reset();
    env.emu.configure({ pendingMs: 40, inProgressMs: 80, ...options });
    env.logs.length = 0;
    setStackConfig({});
    runtimeSeams.env = { INTERCOM_ACCESS_TOKEN: TOKEN, INTERCOM_BASE_URL: env.emu.url };
    runtimeSeams.clock = realClock;
    runtimeSeams.requestTimeoutMs = undefined;
    const capture = (...args: unknown[]) => void env.logs.push(args.map(String).join(" "));
    spies = [
      jest.spyOn(console, "log").mockImplementation(capture),
      jest.spyOn(console, "warn").mockImplementation(capture),
    ];
  });
  afterEach(() => spies.forEach((s) => s.mockRestore()));
  return env;
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to throw");
}
