import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SodaAgent } from "pulumi-soda-cloud/kubernetes";

const config = new pulumi.Config();

// The cluster to deploy to: a kubeconfig from config, else the ambient one (KUBECONFIG, ~/.kube/config).
const cluster = new k8s.Provider("cluster", {
  kubeconfig: config.get("kubeconfig"),
  context: config.get("kubeContext"),
});

const agent = new SodaAgent(
  "soda-agent",
  {
    agentName: config.get("agentName") ?? "my-soda-agent",
    namespace: config.get("namespace") ?? "soda-agent",
    // Soda's chart from the repository Soda gave you (`chartRepo`, with its credentials if it asks for them), or a
    // copy on this machine (`chartPath`) for clusters that cannot reach it.
    chart:
      config.get("chartPath") !== undefined
        ? { path: config.get("chartPath") }
        : {
            repo: config.get("chartRepo"),
            version: config.get("chartVersion"),
            username: config.get("chartUsername"),
            password: config.getSecret("chartPassword"),
          },
    // The images come from Soda's private registry for the key's region, pulled with the agent's key (rotated with
    // it); or from a mirror (`registry`) with pull Secrets you manage (`imagePullSecret`).
    registry: config.get("registry"),
    existingImagePullSecrets: config.get("imagePullSecret") === undefined ? undefined : [config.require("imagePullSecret")],
    // `pulumi up` finishes once the agent has registered with Soda Cloud with its new key (default: within 300 s).
    waitForAgent: config.getBoolean("waitForAgent") === false ? false : { timeoutSeconds: config.getNumber("waitForAgentSeconds") },
    // Only where no node runs the pods (e.g. a bare API server): Helm would otherwise wait for them to be ready.
    skipAwait: config.getBoolean("skipAwait"),
    // A new key every 90 days, or now with `pulumi config set keyGeneration 2`; the pods roll onto it.
    rotationPeriod: config.get("rotationPeriod") ?? "90d",
    rotationTriggers: { generation: config.get("keyGeneration") ?? "1" },
    values: { soda: { agent: { logLevel: config.get("logLevel") ?? "INFO" } } },
  },
  { providers: [cluster] },
);

export const agentName = agent.key.agentName;
export const agentKeyId = agent.key.apiKeyId;
export const namespace = agent.namespace;
export const secretName = agent.secretName;
export const imagePullSecretNames = agent.imagePullSecretNames;
export const releaseName = agent.releaseName;
export const releaseStatus = agent.releaseStatus;
/** The agent's runner in Soda Cloud, seen by the wait for the agent (undefined with `waitForAgent` false). */
export const runnerId = agent.registration?.runnerId;
