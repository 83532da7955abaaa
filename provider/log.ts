/**
 * Progress and diagnostics from inside the provider process. The engine forwards a dynamic provider's stdout and
 * stderr as diagnostics (Pulumi ≥ 3.146), so plain console output is what users see during `pulumi up`.
 * Every line passes through `redact`, so a token can never be printed even by accident.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

const PREFIX = "[intercom-export]";

export function createLogger(secrets: () => (string | undefined)[]): Logger {
  const clean = (m: string) => redact(m, secrets());
  return {
    info: (m) => console.log(`${PREFIX} ${clean(m)}`),
    warn: (m) => console.warn(`${PREFIX} warning: ${clean(m)}`),
  };
}

/** Replaces every occurrence of each secret (and of `Bearer <anything>`) with a placeholder. */
export function redact(text: string, secrets: (string | undefined)[]): string {
  let out = text.replace(/Bearer\s+[^\s"',]+/gi, "Bearer [REDACTED]");
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join("[REDACTED]");
  }
  return out;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined };
