import { CONFIG_KEYS } from "../config/settings";
import { AGENT_KEY } from "../spec/agent-key";
import { API_KEY } from "../spec/api-key";
import { outputsWithVersion } from "../spec/derive";
import type { ArgumentSpec, OutputSpec, PropertyType, ResourceSpec } from "../spec/property";

/**
 * The plugin's Pulumi package schema, built from the resources' specs (provider/spec) and the config table below.
 * `pulumi package add` generates each language's SDK (and its docs) from this schema.
 */

/** The plugin's name: the binary is `pulumi-resource-soda`, tokens are `soda:index:<Type>`, config is `soda:<key>`. */
export const PACKAGE_NAME = "soda";

/** The resources the plugin serves. */
export const RESOURCES: readonly (ResourceSpec & { pluginToken: string })[] = [AGENT_KEY, API_KEY];

/** One setting of the provider. */
interface SettingSpec {
  type: PropertyType;
  description: string;
  secret?: true;
}

/**
 * The provider's settings, keyed by their name in `soda:<name>` (settings.ts CONFIG_KEYS). A provider instance takes
 * them as arguments; the default provider reads them from the stack config. Each falls back to the environment as
 * the dynamic provider's do.
 */
export const CONFIG: Record<keyof typeof CONFIG_KEYS, SettingSpec> = {
  host: {
    type: "string",
    description:
      "Soda Cloud base URL, e.g. `https://cloud.soda.io`. Wins over `region`. Environment: `SODA_HOST` (or `SODA_CLOUD_HOST`). Default `https://cloud.soda.io`.",
  },
  region: { type: "string", description: "`eu` (https://cloud.soda.io) or `us` (https://cloud.us.soda.io), when `host` is not set." },
  apiKeyId: {
    type: "string",
    description: "Admin API key id for agent keys (a key with the MANAGE_DATASOURCES_AND_AGENTS permission). Environment: `SODA_API_KEY_ID`.",
  },
  apiKeySecret: { type: "string", secret: true, description: "Admin API key secret; always a Pulumi secret. Environment: `SODA_API_KEY_SECRET`." },
  requestTimeoutMs: { type: "number", description: "Time limit of one HTTP attempt, milliseconds." },
  operationTimeoutMs: { type: "number", description: "Time limit of one operation with pacing and retries, milliseconds." },
  rateWindowMs: { type: "number", description: "Length of Soda's 60-second rate-limit windows, milliseconds: for testing against the emulator only." },
  allowInsecureHttp: {
    type: "boolean",
    description:
      "Accept a plain-http `host` that is not loopback (an emulator on a trusted network). Environment: `SODA_ALLOW_INSECURE_HTTP`. Every operation warns while it is on.",
  },
};

function typeSpec(property: SettingSpec | ArgumentSpec | OutputSpec): Record<string, unknown> {
  const type = property.type === "stringMap" ? { type: "object", additionalProperties: { type: "string" } } : { type: property.type };
  return { ...type, description: property.description, ...(property.secret === true ? { secret: true } : {}) };
}

function properties(table: Record<string, SettingSpec | ArgumentSpec | OutputSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).map(([name, property]) => [name, typeSpec(property)]));
}

function resourceSchema(spec: ResourceSpec): Record<string, unknown> {
  const outputs = outputsWithVersion(spec);
  const requiredInputs = Object.entries(spec.arguments)
    .filter(([, p]) => p.required === true)
    .map(([name]) => name);
  return {
    description: spec.description,
    inputProperties: properties(spec.arguments),
    requiredInputs,
    properties: properties({ ...spec.arguments, ...outputs }),
    required: [
      ...requiredInputs,
      ...Object.entries(outputs)
        .filter(([, p]) => p.optional !== true)
        .map(([name]) => name),
    ],
  };
}

/** The package schema `GetSchema` answers with, as a JSON object. */
export function packageSchema(version: string): Record<string, unknown> {
  return {
    name: PACKAGE_NAME,
    displayName: "Soda Cloud",
    version,
    description: "Soda Cloud keys (Soda Agent keys and API keys) for Pulumi programs in every language.",
    keywords: ["soda", "soda-cloud", "data-quality", "category/utility", "kind/native"],
    license: "Apache-2.0",
    config: { variables: properties(CONFIG) },
    provider: {
      description:
        "The Soda Cloud provider. An explicit provider instance takes the same settings as the `soda:` stack config, so one stack can hold keys of two organisations or both regions.",
      inputProperties: properties(CONFIG),
    },
    resources: Object.fromEntries(RESOURCES.map((spec) => [spec.pluginToken, resourceSchema(spec)])),
    language: {
      python: { packageName: "pulumi_soda", respectSchemaVersion: true },
    },
  };
}
