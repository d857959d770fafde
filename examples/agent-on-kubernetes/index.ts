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
    chart: { version: config.get("chartVersion") },
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
export const releaseName = agent.releaseName;
export const releaseStatus = agent.releaseStatus;
/** Filled in by `pulumi refresh` once the agent has registered with Soda Cloud. */
export const registered = agent.key.registered;
