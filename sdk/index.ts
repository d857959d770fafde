/**
 * pulumi-soda-cloud: Soda Cloud keys as Pulumi resources.
 *
 * - {@link SodaAgentKey}: a Soda Agent (runner) key, created and revoked through the Soda Cloud API.
 * - {@link SodaApiKey}: a Soda Cloud API key generated in Soda Cloud, verified and exposed as secrets.
 * - {@link SodaAgent}: a Soda Agent on Kubernetes with its key, Secret and Helm release.
 */
export { SodaAgentKey, type SodaAgentKeyArgs } from "./agent-key";
export { SodaApiKey, type SodaApiKeyArgs } from "./api-key";
export { SodaAgent, type SodaAgentArgs, keySecretName, API_KEY_ID_DATA_KEY, API_KEY_SECRET_DATA_KEY, DEFAULT_CHART_REPO } from "./agent";
