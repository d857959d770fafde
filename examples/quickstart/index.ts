// The quickstart: a Soda Agent key created through the Soda Cloud API, and a Soda Cloud API key generated in
// Soda Cloud (Profile > API Keys), verified and kept as a secret. Run from the repository root (Pulumi.yaml).
//
//   pulumi config set soda:host https://cloud.soda.io          # or soda:region us
//   pulumi config set soda:apiKeyId <admin key id>            # needs MANAGE_DATASOURCES_AND_AGENTS
//   pulumi config set --secret -- soda:apiKeySecret <admin key secret>   # `--`: a secret may start with "-"
//   pulumi config set apiKeyId <key id for Soda Core>
//   pulumi config set --secret -- apiKeySecret <its secret>
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey, SodaApiKey } from "pulumi-soda-cloud";

const config = new pulumi.Config();

const agentKey = new SodaAgentKey("agent-key", {
  agentName: config.get("agentName") ?? "quickstart-agent",
  // Bump `rotation` (pulumi config set rotation 2) to rotate the key.
  rotationTriggers: { rotation: config.get("rotation") ?? "1" },
});

const apiKey = new SodaApiKey("api-key", {
  apiKeyId: config.require("apiKeyId"),
  apiKeySecret: config.requireSecret("apiKeySecret"),
});

/** Give these to the Soda Agent's Helm chart (soda.apikey.id / soda.apikey.secret). */
export const agentKeyId = agentKey.apiKeyId;
export const agentKeySecret = agentKey.apiKeySecret;
export const agentEndpoint = agentKey.endpoint;
/** Recorded by `pulumi refresh` once the agent has registered; these stack outputs follow at the next `pulumi up`. */
export const agentRegistered = agentKey.registered;
export const agentRunnerId = agentKey.runnerId;
/** The organisation the API key belongs to, and a ready `soda_cloud` block for Soda Core's configuration.yml. */
export const organisation = apiKey.organisationName;
export const sodaCloudConfig = apiKey.sodaCloudConfig;
