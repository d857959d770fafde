import { resolveEndpointWithSource } from "../client/endpoint";
import { AuthenticationError, PermissionDeniedError } from "../client/errors";
import type { Credentials } from "../client/soda-cloud-client";

/** How the engine hands stack configuration to `configure`: `get("soda:host")` and so on. */
export interface StackConfig {
  get(key: string): string | undefined;
}

/** The provider's settings, each documented in the README with its stack config key and environment variable. */
export interface Settings {
  /** Base URL, from soda:host, else soda:region, else SODA_HOST (or SODA_CLOUD_HOST), else https://cloud.soda.io. */
  endpoint: string;
  /** Where the endpoint came from, for messages: `soda:host`, `soda:region "us"`, `SODA_HOST`, or the default. */
  endpointSource: string;
  /** No endpoint setting was found (no soda:host, soda:region or SODA_HOST): `endpoint` is the default region's. */
  endpointDefaulted: boolean;
  /** The endpoint is plain http to a host that is not loopback, accepted through soda:allowInsecureHttp. */
  insecureHttp: boolean;
  /** Admin credentials for agent keys, from soda:apiKeyId/soda:apiKeySecret, else SODA_API_KEY_ID/SODA_API_KEY_SECRET. */
  credentials?: Credentials;
  /** soda:requestTimeoutMs: time limit of one HTTP attempt, milliseconds. */
  requestTimeoutMs?: number;
  /** soda:operationTimeoutMs: time limit of one operation with pacing and retries, milliseconds. */
  operationTimeoutMs?: number;
  /** soda:rateWindowMs: length of the 60-second rate-limit windows (testing against the emulator only). */
  rateWindowMs?: number;
}

/** A setting that cannot be used; `setting` names it as the user sets it. */
export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = "SettingsError";
  }
}

export const CONFIG_KEYS = {
  host: "soda:host",
  region: "soda:region",
  apiKeyId: "soda:apiKeyId",
  apiKeySecret: "soda:apiKeySecret",
  requestTimeoutMs: "soda:requestTimeoutMs",
  operationTimeoutMs: "soda:operationTimeoutMs",
  rateWindowMs: "soda:rateWindowMs",
  allowInsecureHttp: "soda:allowInsecureHttp",
} as const;

/** The environment variable that opts in to plain http like soda:allowInsecureHttp. */
export const ALLOW_INSECURE_HTTP_ENV = "SODA_ALLOW_INSECURE_HTTP";

type ConfigValues = Partial<Record<keyof typeof CONFIG_KEYS, string>>;

/** Copies the provider's keys out of the whole stack configuration, once, in `configure`. */
export function readStackConfig(config: StackConfig): ConfigValues {
  const values: ConfigValues = {};
  for (const [name, key] of Object.entries(CONFIG_KEYS) as [keyof typeof CONFIG_KEYS, string][]) {
    const value = config.get(key);
    if (value !== undefined && value !== "") values[name] = String(value);
  }
  return values;
}

/**
 * Settings for one call: stack config first, then the environment, read now (not when the provider was
 * serialized, so no credential is ever captured in the `__provider` text).
 */
export function resolveSettings(config: ConfigValues, env: NodeJS.ProcessEnv = process.env): Settings {
  const hostFromEnv = nonEmpty(env.SODA_HOST) ?? nonEmpty(env.SODA_CLOUD_HOST);
  const useConfigHost = config.host !== undefined || config.region !== undefined;
  const allowInsecureHttp =
    config.allowInsecureHttp !== undefined
      ? flag(CONFIG_KEYS.allowInsecureHttp, config.allowInsecureHttp)
      : flag(ALLOW_INSECURE_HTTP_ENV, env[ALLOW_INSECURE_HTTP_ENV]);
  const insecureOptIn = {
    allowInsecureHttp,
    insecureHttpOptIn: `\`pulumi config set ${CONFIG_KEYS.allowInsecureHttp} true\` (or ${ALLOW_INSECURE_HTTP_ENV}=true)`,
  };
  const resolved = resolveEndpointWithSource(
    useConfigHost
      ? { host: config.host, region: config.region, hostSettingName: CONFIG_KEYS.host, regionSettingName: CONFIG_KEYS.region, ...insecureOptIn }
      : { host: hostFromEnv, hostSettingName: "SODA_HOST", regionSettingName: CONFIG_KEYS.region, ...insecureOptIn },
  );
  const apiKeyId = config.apiKeyId ?? nonEmpty(env.SODA_API_KEY_ID);
  const apiKeySecret = config.apiKeySecret ?? nonEmpty(env.SODA_API_KEY_SECRET);
  return {
    endpoint: resolved.endpoint,
    endpointSource: resolved.source,
    endpointDefaulted: resolved.defaulted,
    insecureHttp: resolved.insecure,
    credentials: apiKeyId !== undefined && apiKeySecret !== undefined ? { apiKeyId, apiKeySecret } : undefined,
    requestTimeoutMs: positiveNumber(CONFIG_KEYS.requestTimeoutMs, config.requestTimeoutMs),
    operationTimeoutMs: positiveNumber(CONFIG_KEYS.operationTimeoutMs, config.operationTimeoutMs),
    rateWindowMs: positiveNumber(CONFIG_KEYS.rateWindowMs, config.rateWindowMs),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function flag(setting: string, value: string | undefined): boolean {
  if (value === undefined || value.trim() === "") return false;
  const normalized = value.trim().toLowerCase();
  if (normalized === "true" || normalized === "1") return true;
  if (normalized === "false" || normalized === "0") return false;
  throw new SettingsError(setting, `${setting} "${value}" must be true or false.`);
}

function positiveNumber(setting: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new SettingsError(setting, `${setting} "${value}" must be a positive number of milliseconds.`);
  return n;
}

/**
 * A key recorded at one endpoint, checked where no endpoint is configured at all (say, a shell without the SODA_HOST
 * of the last `up`): the default region is then no decision of the user's, so it must not read as a move.
 */
export function endpointNotConfiguredMessage(resourceType: string, recordedEndpoint: string): string {
  return (
    `${resourceType}: no Soda Cloud endpoint is configured (${CONFIG_KEYS.host}, ${CONFIG_KEYS.region} or SODA_HOST), and this key lives at ${recordedEndpoint}. ` +
    `Set it again: \`pulumi config set ${CONFIG_KEYS.host} ${recordedEndpoint}\`, or SODA_HOST=${recordedEndpoint} in the environment. ` +
    `To move the key to the default region instead, set ${CONFIG_KEYS.region} explicitly.`
  );
}

/** The message for missing admin credentials: names both ways to set them. */
export function missingCredentialsMessage(resourceType: string): string {
  return (
    `${resourceType} needs admin credentials for Soda Cloud and found none. ` +
    "Set `pulumi config set soda:apiKeyId <id>` and `pulumi config set --secret -- soda:apiKeySecret <secret>`, or SODA_API_KEY_ID and SODA_API_KEY_SECRET. " +
    "Use a key of a user or service account with the MANAGE_DATASOURCES_AND_AGENTS permission (Profile > API Keys)."
  );
}

/** The warning for every operation over plain http to a host that is not loopback (soda:allowInsecureHttp). */
export function insecureHttpWarning(endpoint: string): string {
  return (
    `INSECURE: ${endpoint} is plain http to a host that is not loopback, accepted because soda:allowInsecureHttp (or ${ALLOW_INSECURE_HTTP_ENV}) is true. ` +
    "Key secrets cross the network unencrypted. Use this only for a Soda Cloud emulator on a network you trust."
  );
}

/** Which admin credentials an operation runs with: the current config (create) or the last `up`'s (refresh, destroy). */
export type CredentialsSource = "current" | "lastUp";

/**
 * Runs an operation made with the admin credentials. A 401 or 403 there is about the credentials themselves, so
 * the error says where they come from before the detail. Refresh and destroy run with the stack config recorded by
 * the last `pulumi up` (the engine stores a dynamic provider's config in state), so their errors also say how to
 * use the current config.
 */
export async function usingAdminCredentials<T>(
  resourceType: string,
  operation: () => Promise<T>,
  source: CredentialsSource = "current",
  /** The endpoint the config points at, when it is not where the key lives: its admin key may belong elsewhere. */
  configuredElsewhere?: string,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof AuthenticationError || error instanceof PermissionDeniedError)) throw error;
    const happened =
      error instanceof AuthenticationError
        ? `Soda Cloud (${error.endpoint}) rejected the admin key ${resourceType} uses (soda:apiKeyId, else SODA_API_KEY_ID): it is unknown, revoked, or of the other region.`
        : `The admin key ${resourceType} uses (soda:apiKeyId, else SODA_API_KEY_ID) lacks the MANAGE_DATASOURCES_AND_AGENTS permission.`;
    // Where the key lives elsewhere than the config points, the fix is that endpoint's own key, not a new one.
    const todo =
      configuredElsewhere !== undefined
        ? `The key lives there, but the config points at ${configuredElsewhere}: set the old soda:host and admin key back and add \`--run-program\`.`
        : error instanceof AuthenticationError
          ? "Set a valid key, id and secret: soda:apiKeyId and soda:apiKeySecret (or SODA_API_KEY_ID and SODA_API_KEY_SECRET)."
          : "Grant it to the key's user or service account (Organization Settings > Roles), or set another key.";
    const lastUp =
      configuredElsewhere === undefined && source === "lastUp"
        ? " Refresh and destroy use the config of the last `pulumi up`: run `pulumi up` first, or add `--run-program`."
        : "";
    // eslint-disable-next-line preserve-caught-error -- the message carries Soda's detail; a cause would print it again where Pulumi shows the error.
    throw new Error(`${happened} ${todo}${lastUp} ${error.detail}`.trim());
  }
}
