import { notEmpty, stringInput, stringMapInput, type ResourceSpec } from "./property";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Soda Cloud API key generated in Soda Cloud: `SodaApiKey`, and the plugin's `soda:index:ApiKey`. */
export const API_KEY = {
  className: "SodaApiKey",
  pluginToken: "soda:index:ApiKey",
  description:
    "A Soda Cloud API key for Soda Core, the Soda Library or API clients. Soda publishes no endpoint to create, list or revoke these keys, so this resource takes a key generated in Soda Cloud " +
    "(Profile > API Keys, or a service account's keys), verifies it against the API with the key itself (no admin credentials needed), exposes it as secrets, and on refresh notices when Soda no longer accepts it " +
    "(revoked, user deactivated). Deleting the resource does not revoke the key.",
  arguments: {
    apiKeyId: {
      type: "string",
      required: true,
      onChange: "replace",
      check: stringInput((id) =>
        UUID_PATTERN.test(id)
          ? undefined
          : "must be a Soda Cloud API key id, a UUID such as 3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93 (Soda Cloud: Profile > API Keys)",
      ),
      description: "The key id, generated in Soda Cloud (Profile > API Keys, or a service account's keys): a UUID, and the resource id.",
    },
    apiKeySecret: {
      type: "string",
      required: true,
      secret: true,
      onChange: "replace",
      check: stringInput(notEmpty, (secret) =>
        /^\S+$/.test(secret) ? undefined : "must not contain spaces or line breaks (check for a stray newline when pasting)",
      ),
      description: "The key secret, shown once when the key was generated; always a Pulumi secret.",
    },
    rotationTriggers: {
      type: "stringMap",
      onChange: "replace",
      check: stringMapInput(),
      description: "Arbitrary values; any change to them replaces the resource (and verifies the key again).",
    },
  },
  outputs: {
    organisationName: { type: "string", description: "The organisation the key belongs to, as Soda Cloud names it." },
    endpoint: { type: "string", description: "The Soda Cloud endpoint the key was verified against." },
    verifiedAt: { type: "string", description: "When the key was verified at creation, ISO 8601." },
    sodaCloudConfig: {
      type: "string",
      secret: true,
      description: "The `soda_cloud` block of a Soda Core `configuration.yml` with this key; always a Pulumi secret.",
    },
  },
} as const satisfies ResourceSpec;
