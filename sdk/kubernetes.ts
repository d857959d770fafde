/**
 * pulumi-soda-cloud/kubernetes: a Soda Agent on Kubernetes.
 *
 * - {@link SodaAgent}: a Soda Agent with its `SodaAgentKey`, a Secret holding it, an image pull Secret for Soda's
 *   private registry, and the `soda-agent` Helm release.
 *
 * An entry point of its own because it needs `@pulumi/kubernetes`, an optional peer dependency: a program that
 * uses only the key resources (`pulumi-soda-cloud`) installs neither that package nor its provider plugin.
 */
// Checked before ./agent loads, so a missing peer is named with the fix rather than as a bare "Cannot find module".
try {
  require.resolve("@pulumi/kubernetes");
} catch {
  throw new Error(
    "pulumi-soda-cloud/kubernetes needs @pulumi/kubernetes (4.x), an optional peer dependency that is not installed: run `npm install @pulumi/kubernetes`.",
  );
}

export {
  SodaAgent,
  type SodaAgentArgs,
  type SodaImageCredentials,
  keySecretName,
  imagePullSecretName,
  API_KEY_ID_DATA_KEY,
  API_KEY_SECRET_DATA_KEY,
} from "./agent";
export { type SodaAgentChart, DEFAULT_CHART_REPO } from "./agent-chart";
export { IMAGE_REGISTRIES } from "./agent-image-registry";
