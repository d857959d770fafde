import { AGENT_NAME_PATTERN } from "../schemas/inputs";
import { CONFIG_KEYS } from "../settings";

/**
 * The plugin's Pulumi package schema, built from the property tables below: they are the one place where the
 * plugin's arguments, outputs, config and their documentation are written. `pulumi package add` generates each
 * language's SDK (and its docs) from this schema, and the plugin's own mapping (resources.ts) reads the same tables
 * to know which outputs are secret and which arguments can change without a new key.
 */

/** The plugin's name: the binary is `pulumi-resource-soda`, tokens are `soda:index:<Type>`, config is `soda:<key>`. */
export const PACKAGE_NAME = "soda";

type PropertyType = "string" | "number" | "boolean" | "stringMap";

/** One property of a resource, the provider or the config. */
export interface PropertySpec {
  type: PropertyType;
  description: string;
  /** Always a Pulumi secret, in inputs and outputs. */
  secret?: boolean;
  /** An argument that must be given. */
  required?: boolean;
}

/** One resource: its arguments (which are also outputs) and its further outputs. */
export interface ResourceSpec {
  token: string;
  description: string;
  inputs: Record<string, PropertySpec>;
  /** Outputs that are not arguments. Every one is always set, except where `optional`. */
  outputs: Record<string, PropertySpec & { optional?: boolean }>;
  /** Arguments whose change alone updates the stored outputs instead of minting a new key. */
  updatable: string[];
}

const rotationTriggers: PropertySpec = {
  type: "stringMap",
  description: "Arbitrary values; any change to them replaces the key.",
};

export const AGENT_KEY: ResourceSpec = {
  token: `${PACKAGE_NAME}:index:AgentKey`,
  description:
    "A Soda Agent (runner) key, created through the Soda Cloud API with the admin credentials of the provider (`soda:apiKeyId`, `soda:apiKeySecret`, or `SODA_API_KEY_ID` / `SODA_API_KEY_SECRET`).\n\n" +
    "Deleting it deletes the agent's runner, which revokes the key. Every replacement the provider decides deletes the old runner before creating the new key, because two runners cannot share a name; " +
    "for replacements the engine forces without asking the provider (`pulumi up --replace`, `replacementTrigger`) set the resource option `deleteBeforeReplace: true`. " +
    "Refresh records the runner once an agent has registered with the key, and notices when it was deleted out of band. " +
    "`replaceOnChanges: [\"rotationPeriod\"]` makes a change of the period rotate the key; every other argument already does. The key cannot be imported: Soda Cloud shows its secret only at creation.",
  inputs: {
    agentName: {
      type: "string",
      required: true,
      description: `The name the Soda Agent registers under (Helm value \`soda.agent.name\`), unique in the Soda Cloud organisation: 1 to 100 letters, digits, spaces, \`.\`, \`_\` or \`-\`, starting and ending with a letter or digit (${AGENT_NAME_PATTERN.source}). Changing it replaces the key.`,
    },
    rotationTriggers,
    rotationPeriod: {
      type: "string",
      description:
        'Rotate once this much time has passed since the key was created: a whole number from 1 to 999999 followed by `d`, `h` or `m` (`"90d"`, `"12h"`, `"30m"`). The replacement shows in `pulumi preview` once it is due. Changing the period alone keeps the key, unless `replaceOnChanges` names it.',
    },
  },
  outputs: {
    apiKeyId: { type: "string", description: "The key id (Helm `soda.apikey.id`); also the resource id." },
    apiKeySecret: { type: "string", secret: true, description: "The key secret (Helm `soda.apikey.secret`); always a Pulumi secret." },
    endpoint: { type: "string", description: "The Soda Cloud endpoint the key belongs to (Helm `soda.cloud.endpoint`)." },
    createdAt: { type: "string", description: "When the key was created, ISO 8601; rotation periods count from here." },
    runnerId: { type: "string", description: 'The id of the runner the agent registered as; `""` until an agent has registered (seen on refresh).' },
    registered: { type: "boolean", description: "Whether an agent has registered with this key (seen on refresh)." },
    stateVersion: { type: "number", description: "The version of this output shape, so that every later plugin reads what this one stored." },
  },
  updatable: ["rotationPeriod"],
};

export const API_KEY: ResourceSpec = {
  token: `${PACKAGE_NAME}:index:ApiKey`,
  description:
    "A Soda Cloud API key for Soda Core, the Soda Library or API clients. Soda publishes no endpoint to create, list or revoke these keys, so this resource takes a key generated in Soda Cloud " +
    "(Profile > API Keys, or a service account's keys), verifies it against the API with the key itself (no admin credentials needed), exposes it as secrets, and on refresh notices when Soda no longer accepts it " +
    "(revoked, user deactivated). Deleting the resource does not revoke the key.",
  inputs: {
    apiKeyId: { type: "string", required: true, description: "The key id, generated in Soda Cloud (Profile > API Keys, or a service account's keys). A UUID." },
    apiKeySecret: { type: "string", required: true, secret: true, description: "The key secret shown once when the key was generated; always a Pulumi secret." },
    rotationTriggers,
  },
  outputs: {
    organisationName: { type: "string", description: "The organisation the key belongs to, as Soda Cloud names it." },
    endpoint: { type: "string", description: "The Soda Cloud endpoint the key was verified against." },
    verifiedAt: { type: "string", description: "When the key was verified at creation, ISO 8601." },
    sodaCloudConfig: { type: "string", secret: true, description: "The `soda_cloud` block of a Soda Core `configuration.yml` with this key; always a Pulumi secret." },
    stateVersion: { type: "number", description: "The version of this output shape, so that every later plugin reads what this one stored." },
  },
  updatable: [],
};

export const RESOURCES: readonly ResourceSpec[] = [AGENT_KEY, API_KEY];

/**
 * The provider's settings, keyed by their name in `soda:<name>` (settings.ts CONFIG_KEYS). A provider instance takes
 * them as arguments; the default provider reads them from the stack config. Each falls back to the environment as
 * the dynamic provider's do.
 */
export const CONFIG: Record<keyof typeof CONFIG_KEYS, PropertySpec> = {
  host: {
    type: "string",
    description: "Soda Cloud base URL, e.g. `https://cloud.soda.io`. Wins over `region`. Environment: `SODA_HOST` (or `SODA_CLOUD_HOST`). Default `https://cloud.soda.io`.",
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
    description: "Accept a plain-http `host` that is not loopback (an emulator on a trusted network). Environment: `SODA_ALLOW_INSECURE_HTTP`. Every operation warns while it is on.",
  },
};

function typeSpec(property: PropertySpec): Record<string, unknown> {
  const type = property.type === "stringMap" ? { type: "object", additionalProperties: { type: "string" } } : { type: property.type };
  return { ...type, description: property.description, ...(property.secret === true ? { secret: true } : {}) };
}

function properties(table: Record<string, PropertySpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).map(([name, property]) => [name, typeSpec(property)]));
}

function resourceSchema(spec: ResourceSpec): Record<string, unknown> {
  const outputs = { ...spec.inputs, ...spec.outputs };
  return {
    description: spec.description,
    inputProperties: properties(spec.inputs),
    requiredInputs: Object.entries(spec.inputs)
      .filter(([, p]) => p.required === true)
      .map(([name]) => name),
    properties: properties(outputs),
    required: [
      ...Object.entries(spec.inputs)
        .filter(([, p]) => p.required === true)
        .map(([name]) => name),
      ...Object.entries(spec.outputs)
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
    resources: Object.fromEntries(RESOURCES.map((spec) => [spec.token, resourceSchema(spec)])),
    language: {
      python: { packageName: "pulumi_soda", respectSchemaVersion: true },
    },
  };
}
