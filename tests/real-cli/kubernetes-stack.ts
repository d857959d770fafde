import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { expect, inject } from "vitest";
import { installKubernetesPlugin, type KubeCluster } from "../support/kube-cluster";
import { repoRoot } from "../support/project-dir";
import { realStack, TSCONFIG, pulumiYaml, type RealStack, type RealStackOptions } from "./real-stack";

/** Why the Kubernetes tests skip here ("" when they run). */
export const kubernetesSkipReason: string = inject("kubernetesSkipReason");
/** The directory of etcd, kube-apiserver, kube-controller-manager and pulumi-resource-kubernetes. */
export const kubernetesBin: string = inject("kubernetesBin");

/** The test fixture chart with the values interface of Soda's `soda-agent` chart (not Soda's chart). */
export const FIXTURE_CHART = path.join(repoRoot, "tests", "fixtures", "soda-agent-chart");

/** The Deployment the fixture chart renders for release `soda-agent`. */
export const AGENT_DEPLOYMENT = "soda-agent-orchestrator";

/**
 * A stack of the real CLI whose project installed the packed package with @pulumi/kubernetes, with the built
 * kubernetes plugin in its PULUMI_HOME and the cluster's kubeconfig as the secret config `kubeconfig`.
 */
export async function kubeStack(cluster: KubeCluster, options: Pick<RealStackOptions, "source" | "files" | "config" | "typeCheck">): Promise<RealStack> {
  const stack = await realStack({
    source: options.source,
    files: options.files,
    typeCheck: options.typeCheck,
    nodeModules: inject("kubernetesNodeModules"),
    config: { kubeconfig: { secret: cluster.kubeconfig }, ...options.config },
  });
  await installKubernetesPlugin(stack.cli, kubernetesBin);
  // The CLI offers `--event-log`, the engine's own record of each step, only with its debug commands on.
  stack.cli.env.PULUMI_DEBUG_COMMANDS = "true";
  return stack;
}

/**
 * The scenario program: a SodaAgent from the fixture chart, with `skipAwait` (no node runs its pods), rotation
 * from config, and `replacementTrigger` set on the key through a transform, the way a user reaches a child's options.
 * Its images are pulled with the agent's key by default; with the config `imageCredentialsId` (and the secret
 * `imageCredentialsSecret`) with those credentials; with `ownPullSecret` through a pull Secret of the program's own,
 * named in `existingImagePullSecrets`; `registry` names a mirror.
 */
export function agentProgram(): Record<string, string> {
  return {
    "Pulumi.yaml": pulumiYaml("soda-agent-on-kubernetes"),
    "tsconfig.json": TSCONFIG,
    "index.ts": `
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SodaAgent } from "pulumi-soda-cloud/kubernetes";

const config = new pulumi.Config();
const cluster = new k8s.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig") });
const trigger = config.get("replacementTrigger");
const wait = config.getNumber("waitForAgentSeconds");
const namespace = config.require("namespace");
const imageCredentialsId = config.get("imageCredentialsId");
const ownPullSecret = config.get("ownPullSecret");
// A pull Secret the program manages itself, in a namespace of its own, as a user with a mirror would.
const own = ownPullSecret === undefined ? undefined : new k8s.core.v1.Secret("own-pull", {
  metadata: { name: ownPullSecret, namespace: new k8s.core.v1.Namespace("own-namespace", { metadata: { name: namespace } }, { provider: cluster }).metadata.name },
  type: "kubernetes.io/dockerconfigjson",
  stringData: { ".dockerconfigjson": config.requireSecret("ownPullSecretConfig") },
}, { provider: cluster });
const agent = new SodaAgent(
  "agent",
  {
    agentName: config.get("agentName") ?? "k8s-agent",
    namespace: own?.metadata.namespace ?? namespace,
    createNamespace: own === undefined,
    chart: { path: config.require("chartPath") },
    registry: config.get("registry"),
    imageCredentials: imageCredentialsId === undefined ? undefined : { apiKeyId: imageCredentialsId, apiKeySecret: config.requireSecret("imageCredentialsSecret") },
    existingImagePullSecrets: own === undefined ? undefined : [own.metadata.name],
    skipAwait: true,
    rotationTriggers: { generation: config.get("keyGeneration") ?? "1" },
    rotationPeriod: config.get("rotationPeriod"),
    waitForAgent: wait === undefined ? false : { timeoutSeconds: wait },
  },
  {
    providers: [cluster],
    transforms: trigger === undefined ? [] : [(a) => (a.name === "agent-key" ? { props: a.props, opts: { ...a.opts, replacementTrigger: trigger } as pulumi.CustomResourceOptions } : undefined)],
  },
);
export const agentKeyId = agent.key.apiKeyId;
export const agentKeySecret = agent.key.apiKeySecret;
export const secretName = agent.secretName;
export const imagePullSecretNames = agent.imagePullSecretNames;
export const releaseStatus = agent.releaseStatus;
export const runnerId = agent.registration?.runnerId;
`,
  };
}

/** One completed step of an engine event log: the operation and the resource's name, e.g. `delete-replaced agent-apikey`. */
export function eventLogSteps(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { resOutputsEvent?: { metadata: { op: string; urn: string } } })
    .flatMap((event) => (event.resOutputsEvent === undefined ? [] : [event.resOutputsEvent.metadata]))
    .filter((step) => step.op !== "same" && !step.urn.includes("pulumi:pulumi:Stack"))
    .map((step) => `${step.op} ${step.urn.split("::").pop()}`);
}

/** The object at an API path, failing the test with what the server said when it is not there. */
export async function kubeObject(cluster: KubeCluster, apiPath: string): Promise<any> {
  const response = await cluster.get(apiPath);
  if (response.status !== 200) throw new Error(`GET ${apiPath}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
  return response.body;
}

/** The items of a list path, or [] when the namespace is gone. */
export async function kubeList(cluster: KubeCluster, apiPath: string): Promise<any[]> {
  const response = await cluster.get(apiPath);
  if (response.status === 404) return [];
  if (response.status !== 200) throw new Error(`GET ${apiPath}: ${response.status}`);
  return response.body.items as any[];
}

/** The names of the Secrets a Deployment's pod template reads. */
export function secretRefs(deployment: any): string[] {
  const env: any[] = deployment.spec.template.spec.containers.flatMap((c: any) => c.env ?? []);
  return [...new Set(env.flatMap((e) => (e.valueFrom?.secretKeyRef?.name === undefined ? [] : [e.valueFrom.secretKeyRef.name as string])))];
}

/** The names of the pull Secrets a Deployment's pod template names. */
export function imagePullSecretRefs(deployment: any): string[] {
  return ((deployment.spec.template.spec.imagePullSecrets ?? []) as { name: string }[]).map((s) => s.name);
}

/** The registry logins of a `kubernetes.io/dockerconfigjson` Secret, by registry, decoded. */
export function registryLogins(secret: any): Record<string, { username: string; password: string; auth: string }> {
  expect(secret.type).toBe("kubernetes.io/dockerconfigjson");
  return JSON.parse(Buffer.from(secret.data[".dockerconfigjson"], "base64").toString("utf8")).auths;
}

/** What a registry login for a key must hold: the key as user name and password, and their Basic auth. */
export function loginFor(key: { apiKeyId: string; apiKeySecret: string }): { username: string; password: string; auth: string } {
  return { username: key.apiKeyId, password: key.apiKeySecret, auth: Buffer.from(`${key.apiKeyId}:${key.apiKeySecret}`).toString("base64") };
}

/** The latest Helm release record in a namespace, decoded as Helm stores it (a Secret: base64 of gzip of JSON). */
export async function helmRelease(cluster: KubeCluster, namespace: string, release = "soda-agent"): Promise<{ version: number; raw: string; record: any }> {
  const secrets = await kubeList(cluster, `/api/v1/namespaces/${namespace}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${release}`)}`);
  if (secrets.length === 0) throw new Error(`no Helm release ${release} in ${namespace}`);
  const latest = secrets.sort((a, b) => Number(b.metadata.labels.version) - Number(a.metadata.labels.version))[0];
  const raw = gunzipSync(Buffer.from(Buffer.from(latest.data.release, "base64").toString("utf8"), "base64")).toString("utf8");
  return { version: Number(latest.metadata.labels.version), raw, record: JSON.parse(raw) };
}

/**
 * A stand-in for what no process here runs: the kubelet starting the agent's pod, and the Soda Agent in it
 * registering with Soda Cloud. It reads the key the way the pod would (the Deployment's pod template, then the
 * Secret it names) and registers it with the emulator under the pod's SODA_AGENT_NAME; again whenever the pod
 * template points at another key. Polls until stopped.
 */
export function simulatedAgent(cluster: KubeCluster, stack: RealStack, namespace: string): { registeredKeys: string[]; stop(): Promise<void> } {
  const registeredKeys: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const deployment = await cluster.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${AGENT_DEPLOYMENT}`);
      if (deployment.status === 200) {
        const env: any[] = deployment.body.spec.template.spec.containers[0].env;
        const name = env.find((e) => e.name === "SODA_AGENT_NAME")?.value as string;
        const idRef = env.find((e) => e.name === "SODA_API_KEY_ID").valueFrom.secretKeyRef;
        const secretRef = env.find((e) => e.name === "SODA_API_KEY_SECRET").valueFrom.secretKeyRef;
        const secret = await cluster.get(`/api/v1/namespaces/${namespace}/secrets/${idRef.name}`);
        if (secret.status === 200) {
          const decode = (key: string) => Buffer.from(secret.body.data[key], "base64").toString("utf8");
          const key = { apiKeyId: decode(idRef.key), apiKeySecret: decode(secretRef.key) };
          if (registeredKeys.at(-1) !== key.apiKeyId) {
            const registered = await stack.soda.register(key, name);
            if (registered.status === 200) registeredKeys.push(key.apiKeyId);
          }
        }
      }
      // The pace of a kubelet noticing a new pod template; not a timing assumption of any assertion.
      await delay(200);
    }
  })();
  return {
    registeredKeys,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
