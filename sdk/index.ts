/**
 * pulumi-soda-cloud: Soda Cloud keys as Pulumi resources.
 *
 * - {@link SodaAgentKey}: a Soda Agent (runner) key, created and revoked through the Soda Cloud API.
 * - {@link SodaApiKey}: a Soda Cloud API key generated in Soda Cloud, verified and exposed as secrets.
 * - {@link SodaAgentRegistration}: waits during `pulumi up` until a deployed agent has registered.
 *
 * The Kubernetes component `SodaAgent` is imported from `pulumi-soda-cloud/kubernetes`, so that this entry point
 * needs no `@pulumi/kubernetes`.
 */
export { SodaAgentKey, type SodaAgentKeyArgs } from "./agent-key";
export { SodaApiKey, type SodaApiKeyArgs } from "./api-key";
export { SodaAgentRegistration, type SodaAgentRegistrationArgs } from "./agent-registration";
