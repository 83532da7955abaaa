/**
 * Provider configuration: stack config (through the dynamic provider's `configure`) with environment fallbacks.
 * Resolved at run time inside the provider process, never captured in the serialized provider, so the token
 * cannot end up in `__provider` and a rotated token works for refresh and destroy without an `up`.
 */
import { ConfigurationError } from "./errors";

export const REGION_BASE_URLS = {
  us: "https://api.intercom.io",
  eu: "https://api.eu.intercom.io",
  au: "https://api.au.intercom.io",
} as const;
export type Region = keyof typeof REGION_BASE_URLS;

/** The Intercom-Version header we send unless told otherwise. The export API exists from 2.5 on. */
export const DEFAULT_API_VERSION = "2.8";

/** Stack config keys and the environment variables that stand in for them. */
export const CONFIG_KEYS = {
  accessToken: { key: "intercom:accessToken", env: "INTERCOM_ACCESS_TOKEN" },
  region: { key: "intercom:region", env: "INTERCOM_REGION" },
  baseUrl: { key: "intercom:baseUrl", env: "INTERCOM_BASE_URL" },
  apiVersion: { key: "intercom:apiVersion", env: "INTERCOM_API_VERSION" },
} as const;

/** Raw values as given (stack config first, environment second). */
export type RawConfig = Partial<Record<keyof typeof CONFIG_KEYS, string>>;

export interface ResolvedConfig {
  /** Undefined when neither config nor environment set it; only calls that talk to Intercom require it. */
  accessToken?: string;
  /** Origin + optional path prefix, without trailing slash. */
  baseUrl: string;
  apiVersion: string;
}

/** Reads the keys from a `configure` request's config (anything with `get(key)`), without falling back. */
export function readStackConfig(config: { get(key: string): string | undefined }): RawConfig {
  const raw: RawConfig = {};
  for (const [name, { key }] of Object.entries(CONFIG_KEYS) as [keyof RawConfig, { key: string }][]) {
    const value = config.get(key);
    if (value !== undefined && value !== "") raw[name] = value;
  }
  return raw;
}

/** Stack config wins; each missing key falls back to its environment variable. */
export function resolveConfig(stack: RawConfig, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const pick = (name: keyof typeof CONFIG_KEYS): string | undefined => {
    const v = stack[name] ?? env[CONFIG_KEYS[name].env];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };

  const regionRaw = pick("region");
  let region: Region = "us";
  if (regionRaw !== undefined) {
    const r = regionRaw.toLowerCase();
    if (!(r in REGION_BASE_URLS)) {
      throw new ConfigurationError(
        `${CONFIG_KEYS.region.key} (or ${CONFIG_KEYS.region.env}) must be one of us, eu, au; got '${regionRaw}'`,
        CONFIG_KEYS.region.key,
      );
    }
    region = r as Region;
  }

  const baseUrlRaw = pick("baseUrl");
  const baseUrl = baseUrlRaw !== undefined ? validateBaseUrl(baseUrlRaw) : REGION_BASE_URLS[region];

  const apiVersion = pick("apiVersion") ?? DEFAULT_API_VERSION;
  if (!/^(\d+\.\d+|Preview|Unstable)$/.test(apiVersion)) {
    throw new ConfigurationError(
      `${CONFIG_KEYS.apiVersion.key} (or ${CONFIG_KEYS.apiVersion.env}) must look like 2.8 (or Preview); got '${apiVersion}'`,
      CONFIG_KEYS.apiVersion.key,
    );
  }

  return { accessToken: pick("accessToken"), baseUrl, apiVersion };
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts we talk plain HTTP to (the local emulator). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The token is sent only over HTTPS, except to loopback (the emulator). Query strings and credentials in the
 * URL are refused: they would be logged and stored.
 */
export function validateBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(
      `${CONFIG_KEYS.baseUrl.key} (or ${CONFIG_KEYS.baseUrl.env}) is not a URL: '${raw}'`,
      CONFIG_KEYS.baseUrl.key,
    );
  }
  const where = `${CONFIG_KEYS.baseUrl.key} (or ${CONFIG_KEYS.baseUrl.env})`;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new ConfigurationError(
      `${where} must use https:// (plain http:// is allowed only for loopback hosts such as the local emulator); got '${url.protocol}//${url.host}'`,
      CONFIG_KEYS.baseUrl.key,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigurationError(
      `${where} must not contain credentials, a query or a fragment`,
      CONFIG_KEYS.baseUrl.key,
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}
