import { resolveEndpoint } from "./client/endpoint";
import { AuthenticationError, PermissionDeniedError } from "./client/errors";
import type { Credentials } from "./client/soda-cloud-client";

/** How the engine hands stack configuration to `configure`: `get("soda:host")` and so on. */
export interface StackConfig {
  get(key: string): string | undefined;
}

/** The provider's settings, each documented in the README with its stack config key and environment variable. */
export interface Settings {
  /** Base URL, from soda:host, else soda:region, else SODA_HOST (or SODA_CLOUD_HOST), else https://cloud.soda.io. */
  endpoint: string;
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
} as const;

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
  const endpoint = resolveEndpoint(
    useConfigHost
      ? { host: config.host, region: config.region, hostSettingName: CONFIG_KEYS.host, regionSettingName: CONFIG_KEYS.region }
      : { host: hostFromEnv, hostSettingName: "SODA_HOST" },
  );
  const apiKeyId = config.apiKeyId ?? nonEmpty(env.SODA_API_KEY_ID);
  const apiKeySecret = config.apiKeySecret ?? nonEmpty(env.SODA_API_KEY_SECRET);
  return {
    endpoint,
    credentials: apiKeyId !== undefined && apiKeySecret !== undefined ? { apiKeyId, apiKeySecret } : undefined,
    requestTimeoutMs: positiveNumber(CONFIG_KEYS.requestTimeoutMs, config.requestTimeoutMs),
    operationTimeoutMs: positiveNumber(CONFIG_KEYS.operationTimeoutMs, config.operationTimeoutMs),
    rateWindowMs: positiveNumber(CONFIG_KEYS.rateWindowMs, config.rateWindowMs),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function positiveNumber(setting: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new SettingsError(setting, `${setting} "${value}" must be a positive number of milliseconds.`);
  return n;
}

/** The message for missing admin credentials: names both ways to set them. */
export function missingCredentialsMessage(resourceType: string): string {
  return (
    `${resourceType} needs Soda Cloud credentials (a key id and its secret) of a user or service account with the MANAGE_DATASOURCES_AND_AGENTS permission, and did not find both. ` +
    `Set them in stack config (\`pulumi config set soda:apiKeyId <id>\` and \`pulumi config set --secret -- soda:apiKeySecret <secret>\`) ` +
    `or in the environment variables SODA_API_KEY_ID and SODA_API_KEY_SECRET. Generate the key in Soda Cloud under Profile > API Keys.`
  );
}

/** Which admin credentials an operation runs with: the current config (create) or the last `up`'s (refresh, destroy). */
export type CredentialsSource = "current" | "lastUp";

/**
 * Runs an operation made with the admin credentials. A 401 or 403 there is about the credentials themselves, so
 * the error says where they come from, both ways, before Soda's own explanation. Refresh and destroy run with the
 * stack config recorded by the last `pulumi up` (the engine stores a dynamic provider's config in state), so their
 * errors also say how to use the current config.
 */
export async function usingAdminCredentials<T>(resourceType: string, operation: () => Promise<T>, source: CredentialsSource = "current"): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    const problem =
      error instanceof AuthenticationError ? "rejected" : error instanceof PermissionDeniedError ? "accepted, but without the permission needed for," : undefined;
    if (problem === undefined) throw error;
    const lastUp =
      source === "lastUp"
        ? "`pulumi refresh` and `pulumi destroy` use the stack config recorded by the last `pulumi up`: if you changed the admin key since, run `pulumi up` first, or add `--run-program`. "
        : "";
    throw new Error(
      `Soda Cloud ${problem} the admin credentials ${resourceType} uses, taken from stack config soda:apiKeyId and soda:apiKeySecret, ` +
        `or else from the environment variables SODA_API_KEY_ID and SODA_API_KEY_SECRET. ${lastUp}Set a valid key of a user or service account with ` +
        `the MANAGE_DATASOURCES_AND_AGENTS permission in one of them (\`pulumi config set --secret -- soda:apiKeySecret <secret>\`). ${(error as Error).message}`,
    );
  }
}
