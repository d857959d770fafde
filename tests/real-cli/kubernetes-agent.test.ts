import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeCluster, type KubeCluster } from "../support/kube-cluster";
import { filesUnder } from "../support/secret-scan";
import {
  AGENT_DEPLOYMENT,
  FIXTURE_CHART,
  agentProgram,
  eventLogSteps,
  helmRelease,
  imagePullSecretRefs,
  kubeList,
  kubeObject,
  kubeStack,
  kubernetesBin,
  kubernetesSkipReason,
  loginFor,
  registryLogins,
  secretRefs,
  simulatedAgent,
} from "./kubernetes-stack";
import { DESTROY, REFRESH, UP, agentKeyOf, liveRunnerKeys, replacementTriggerWorks, skipReason, sodaView, type RealStack } from "./real-stack";

/**
 * SodaAgent through the real CLI and the real kubernetes provider, on a real API server (etcd, kube-apiserver and
 * kube-controller-manager; no kubelet, so a stand-in plays the agent's pod: see `simulatedAgent`). What the README's
 * rotation sequence says is what these tests observe in the engine's event log.
 */
let cluster: KubeCluster;
let eventLogDir: string;

beforeAll(async () => {
  if (skipReason || kubernetesSkipReason) return;
  cluster = await startKubeCluster({ binDir: kubernetesBin });
  eventLogDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-event-logs-"));
}, 300_000);
afterAll(async () => {
  await cluster?.stop();
  if (eventLogDir !== undefined) fs.rmSync(eventLogDir, { recursive: true, force: true });
});

/** `pulumi up` with an event log; the output and the completed steps, in order. */
async function upWithLog(stack: RealStack, label: string, extra: string[] = []): Promise<{ output: string; steps: string[] }> {
  const log = path.join(eventLogDir, `${label}.jsonl`);
  const output = await stack.cli.run([...UP, "--event-log", log, ...extra]);
  const steps = eventLogSteps(log);
  process.stderr.write(`kubernetes: steps of ${label}: ${steps.join(" | ")}\n`);
  return { output, steps };
}

/** The Secrets in the namespace whose names start with `prefix`. */
async function secretsNamed(namespace: string, prefix: string): Promise<string[]> {
  return (await kubeList(cluster, `/api/v1/namespaces/${namespace}/secrets`)).map((s) => s.metadata.name as string).filter((n) => n.startsWith(prefix));
}

/** The agent's key Secrets in the namespace (one per key, named after it). */
const keySecrets = (namespace: string) => secretsNamed(namespace, "soda-agent-apikey-");
/** The image pull Secrets SodaAgent made in the namespace (one per set of credentials, named after it). */
const pullSecrets = (namespace: string) => secretsNamed(namespace, "soda-agent-registry-");

/** The Secrets in the namespace that hold a key id anywhere in their data: none may hold a revoked key. */
async function secretsHolding(namespace: string, apiKeyId: string): Promise<string[]> {
  const secrets = await kubeList(cluster, `/api/v1/namespaces/${namespace}/secrets`);
  const decoded = (secret: any) => Object.values((secret.data ?? {}) as Record<string, string>).map((v) => Buffer.from(v, "base64").toString("utf8"));
  return secrets.filter((secret) => decoded(secret).some((value) => value.includes(apiKeyId))).map((secret) => secret.metadata.name as string);
}

/** Every Secret the Deployment's pods and the Helm release's values name (key and image pull): each must exist. */
async function dangling(namespace: string): Promise<string[]> {
  const deployment = await kubeObject(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${AGENT_DEPLOYMENT}`);
  const release = await helmRelease(cluster, namespace);
  const named = new Set([
    ...secretRefs(deployment),
    ...imagePullSecretRefs(deployment),
    release.record.config.soda.apikey.existingSecret as string,
    ...(release.record.config.existingImagePullSecrets as { name: string }[]).map((s) => s.name),
  ]);
  const existing = new Set((await kubeList(cluster, `/api/v1/namespaces/${namespace}/secrets`)).map((s) => s.metadata.name as string));
  return [...named].filter((name) => !existing.has(name));
}

/** Soda's registry for the emulator's endpoint: not a region's host, so the chart's default region, eu. */
const EU_REGISTRY = "registry.cloud.soda.io";

/**
 * How a scenario's images are pulled: with the agent's key (the default), with registry credentials of the user's,
 * or through a pull Secret the program manages itself.
 */
type Pull = { agentKey: true } | { credentials: { apiKeyId: string; apiKeySecret: string } } | { own: string };

/** What a deployed key looks like in the cluster, checked from the API server's objects. */
async function expectDeployed(
  stack: RealStack,
  namespace: string,
  pull: Pull = { agentKey: true },
): Promise<{ keyId: string; secretName: string; pullSecretName: string; podTemplate: string }> {
  const key = await agentKeyOf(stack);
  const outputs = await stack.cli.outputs();
  const secretName = outputs.secretName as string;
  const pullSecretNames = outputs.imagePullSecretNames as string[];
  const secret = await kubeObject(cluster, `/api/v1/namespaces/${namespace}/secrets/${secretName}`);
  expect(Buffer.from(secret.data.SODA_API_KEY_ID, "base64").toString()).toBe(key.apiKeyId);
  expect(Buffer.from(secret.data.SODA_API_KEY_SECRET, "base64").toString()).toBe(key.apiKeySecret);
  const deployment = await kubeObject(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${AGENT_DEPLOYMENT}`);
  expect(secretRefs(deployment)).toEqual([secretName]);
  expect(JSON.stringify(deployment)).not.toContain(key.apiKeySecret);
  // The release Helm stores in the cluster names the Secret and holds no key material.
  const release = await helmRelease(cluster, namespace);
  expect(release.record.info.status).toBe("deployed");
  expect(release.record.config.soda.apikey).toEqual({ existingSecret: secretName, secretKeys: { idKey: "SODA_API_KEY_ID", secretKey: "SODA_API_KEY_SECRET" } });
  expect(release.raw).not.toContain(key.apiKeySecret);
  expect(release.raw).not.toContain(Buffer.from(key.apiKeySecret).toString("base64"));
  expect(await keySecrets(namespace)).toEqual([secretName]);

  // The pods pull their images with the pull Secret the release names, which logs in to the region's registry.
  expect(pullSecretNames).toHaveLength(1);
  expect(imagePullSecretRefs(deployment)).toEqual(pullSecretNames);
  expect(release.record.config.existingImagePullSecrets).toEqual([{ name: pullSecretNames[0] }]);
  if ("own" in pull) {
    expect(pullSecretNames).toEqual([pull.own]);
    expect(await pullSecrets(namespace)).toEqual([]);
  } else {
    const login = loginFor("credentials" in pull ? pull.credentials : key);
    expect(registryLogins(await kubeObject(cluster, `/api/v1/namespaces/${namespace}/secrets/${pullSecretNames[0]}`))).toEqual({ [EU_REGISTRY]: login });
    expect(await pullSecrets(namespace)).toEqual(pullSecretNames);
    expect(release.raw).not.toContain(login.auth);
  }
  expect(await dangling(namespace)).toEqual([]);
  // The state holds the keys only encrypted: no file of the backend has one in any form, registry logins included.
  const keys = "credentials" in pull ? [key, pull.credentials] : [key];
  const forms = keys.flatMap((k) => [k.apiKeySecret, Buffer.from(k.apiKeySecret).toString("base64"), loginFor(k).auth]);
  for (const file of filesUnder(stack.cli.backendDir)) {
    const text = fs.readFileSync(file, "utf8");
    expect(
      forms.some((form) => text.includes(form)),
      file,
    ).toBe(false);
  }
  return { keyId: key.apiKeyId, secretName, pullSecretName: pullSecretNames[0], podTemplate: JSON.stringify(deployment.spec.template) };
}

describe.skipIf(skipReason || kubernetesSkipReason)("SodaAgent on a real Kubernetes API server", () => {
  it("up, four ways to rotate, destroy: the agent rolls onto each new key and no object points at a missing Secret", async () => {
    const namespace = "soda-rotation";
    const stack = await kubeStack(cluster, {
      files: agentProgram(),
      config: {
        namespace,
        chartPath: FIXTURE_CHART,
        rotationPeriod: "30d",
        waitForAgentSeconds: "120",
        ...(replacementTriggerWorks ? { replacementTrigger: "1" } : {}),
      },
    });
    const agent = simulatedAgent(cluster, stack, namespace);
    try {
      const first = await upWithLog(stack, "up");
      expect(first.output).toMatch(/\+ \d+ created/);
      let deployed = await expectDeployed(stack, namespace);
      const runners = (await sodaView(stack)).runners;
      expect(runners.map((r) => r.name)).toEqual(["k8s-agent"]);
      expect((await stack.cli.outputs()).runnerId).toBe(runners[0].id);
      await stack.cli.run(REFRESH);
      await stack.cli.run([...REFRESH, "--expect-no-changes"]);

      const rotations: [string, () => Promise<{ output: string; steps: string[] }>][] = [
        ["rotationTriggers", async () => (await stack.cli.setConfig({ keyGeneration: "2" }), upWithLog(stack, "rotationTriggers"))],
        [
          "due rotationPeriod",
          async () => {
            // A key created, and last `up`, 31 days ago (as tests/real-cli/rotation.test.ts does).
            const state = await stack.cli.exportState();
            const key = state.deployment.resources!.find((r) => r.type.endsWith(":AgentKey"))!;
            const monthAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
            key.outputs!.createdAt = monthAgo;
            key.inputs!.__checkedAt = monthAgo;
            await stack.cli.importState(state);
            return upWithLog(stack, "rotationPeriod");
          },
        ],
        ...(replacementTriggerWorks
          ? [
              ["replacementTrigger", async () => (await stack.cli.setConfig({ replacementTrigger: "2" }), upWithLog(stack, "replacementTrigger"))] as [
                string,
                () => Promise<{ output: string; steps: string[] }>,
              ],
            ]
          : []),
        [
          "pulumi up --replace",
          async () => {
            const urn = (await stack.cli.exportState()).deployment.resources!.find((r) => r.type.endsWith(":AgentKey"))!.urn;
            return upWithLog(stack, "replace", ["--replace", urn]);
          },
        ],
      ];
      for (const [label, rotate] of rotations) {
        const before = deployed;
        const { steps } = await rotate();
        deployed = await expectDeployed(stack, namespace);
        expect(deployed.keyId, label).not.toBe(before.keyId);
        expect(deployed.secretName, label).not.toBe(before.secretName);
        // The pull Secret rotated with the key: a new one, and nothing in the cluster holds the revoked key.
        expect(deployed.pullSecretName, label).not.toBe(before.pullSecretName);
        expect(await secretsHolding(namespace, before.keyId), label).toEqual([]);
        // The pod template changed, so the Deployment rolls its pods onto the new key.
        expect(deployed.podTemplate, label).not.toBe(before.podTemplate);
        // The old key is revoked (its runner deleted) and the agent registered again with the new one.
        expect(await liveRunnerKeys(stack), label).toEqual([deployed.keyId]);
        expect(agent.registeredKeys.at(-1), label).toBe(deployed.keyId);
        // The old runner goes before the new key is minted; the new Secret exists before the release names it.
        expect(steps.indexOf("delete-replaced agent-key"), label).toBeLessThan(steps.indexOf("create-replacement agent-key"));
        expect(steps.indexOf("create-replacement agent-apikey"), label).toBeLessThan(steps.indexOf("update agent-release"));
        expect(steps.indexOf("create-replacement agent-image-pull"), label).toBeLessThan(steps.indexOf("update agent-release"));
        expect(steps.indexOf("delete-replaced agent-image-pull"), label).toBeGreaterThan(steps.indexOf("update agent-release"));
      }
      // The Deployment made one ReplicaSet per pod template: the pods would have rolled each time.
      if (cluster.controllerManager) {
        const replicaSets = await kubeList(cluster, `/apis/apps/v1/namespaces/${namespace}/replicasets`);
        expect(replicaSets.length).toBe(rotations.length + 1);
      }

      const destroyed = await stack.cli.run(DESTROY);
      expect(destroyed).toMatch(/- \d+ deleted/);
      expect(await liveRunnerKeys(stack)).toEqual([]);
      expect((await sodaView(stack)).runners).toEqual([]);
      expect((await cluster.get(`/api/v1/namespaces/${namespace}`)).status).toBe(404);
    } finally {
      await agent.stop();
    }
  });

  it("a rotation Soda refuses midway (old runner in use) leaves the agent on its old key and Secret; the next up converges", async () => {
    const namespace = "soda-failed-rotation";
    const stack = await kubeStack(cluster, { files: agentProgram(), config: { namespace, chartPath: FIXTURE_CHART, waitForAgentSeconds: "120" } });
    const agent = simulatedAgent(cluster, stack, namespace);
    try {
      await stack.cli.run(UP);
      const before = await expectDeployed(stack, namespace);
      const beforeKey = await agentKeyOf(stack);
      const runner = (await sodaView(stack)).runners[0];
      // A scan is running on the agent: Soda answers 400 to deleting its runner, the only way to revoke its key.
      expect((await stack.soda.control("PUT", `/__emulator/runners/${runner.id}/in-use`, { inUse: true })).status).toBe(200);
      await stack.cli.setConfig({ keyGeneration: "2" });
      const log = path.join(eventLogDir, "failed-rotation.jsonl");
      const failed = await stack.cli.exec([...UP, "--event-log", log]);
      expect(failed.code).not.toBe(0);
      expect(failed.stdout + failed.stderr).toContain(
        `Soda Cloud refused to delete agent "k8s-agent" (runner ${runner.id}), which would revoke its key: it is in use`,
      );
      process.stderr.write(`kubernetes: steps of the failed rotation: ${eventLogSteps(log).join(" | ")}\n`);
      // Nothing moved: the old key is live, its runner there, and the cluster still runs it from its Secret.
      expect(await liveRunnerKeys(stack)).toEqual([before.keyId]);
      expect((await sodaView(stack)).runners.map((r) => r.id)).toEqual([runner.id]);
      expect(await keySecrets(namespace)).toEqual([before.secretName]);
      expect(await pullSecrets(namespace)).toEqual([before.pullSecretName]);
      expect(registryLogins(await kubeObject(cluster, `/api/v1/namespaces/${namespace}/secrets/${before.pullSecretName}`))).toEqual({
        [EU_REGISTRY]: loginFor(beforeKey),
      });
      expect(await dangling(namespace)).toEqual([]);
      const deployment = await kubeObject(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${AGENT_DEPLOYMENT}`);
      expect(JSON.stringify(deployment.spec.template)).toBe(before.podTemplate);

      // The scan ends; the next `up` rotates.
      await stack.soda.control("PUT", `/__emulator/runners/${runner.id}/in-use`, { inUse: false });
      expect(await stack.cli.run(UP)).toMatch(/replaced/);
      const after = await expectDeployed(stack, namespace);
      expect(after.keyId).not.toBe(before.keyId);
      expect(await liveRunnerKeys(stack)).toEqual([after.keyId]);
      await stack.cli.run(DESTROY);
      expect(await liveRunnerKeys(stack)).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  it("pulls with the user's own registry credentials, or through a pull Secret the user manages for a mirror; neither moves when the key rotates", async () => {
    /** Up, a rotation by `rotationTriggers`, destroy; the pull Secret stays what the user said throughout. */
    async function rotateKeepingPull(
      namespace: string,
      config: Record<string, string | { secret: string }>,
      pull: Pull,
      check: (deployment: any) => void,
    ): Promise<void> {
      const stack = await kubeStack(cluster, { files: agentProgram(), config: { namespace, chartPath: FIXTURE_CHART, waitForAgentSeconds: "120", ...config } });
      const agent = simulatedAgent(cluster, stack, namespace);
      try {
        await stack.cli.run(UP);
        const before = await expectDeployed(stack, namespace, pull);
        check(await kubeObject(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${AGENT_DEPLOYMENT}`));
        await stack.cli.setConfig({ keyGeneration: "2" });
        expect(await stack.cli.run(UP)).toMatch(/replaced/);
        const after = await expectDeployed(stack, namespace, pull);
        expect(after.keyId).not.toBe(before.keyId);
        expect(after.pullSecretName).toBe(before.pullSecretName);
        // The key Secret changed, so the pods still roll onto the new key.
        expect(after.podTemplate).not.toBe(before.podTemplate);
        expect(await secretsHolding(namespace, before.keyId)).toEqual([]);
        expect(await liveRunnerKeys(stack)).toEqual([after.keyId]);
        await stack.cli.run(DESTROY);
        expect(await liveRunnerKeys(stack)).toEqual([]);
        expect((await cluster.get(`/api/v1/namespaces/${namespace}`)).status).toBe(404);
      } finally {
        await agent.stop();
      }
    }

    // A Soda API key of the user's for the registry (the chart's imageCredentials), as Profile > API Keys makes one.
    const credentials = { apiKeyId: "6a1f0c2e-5b7d-4e3a-9c8f-1d2e3f4a5b6c", apiKeySecret: "canary-registry-secret-Zq81" };
    await rotateKeepingPull(
      "soda-image-credentials",
      { imageCredentialsId: credentials.apiKeyId, imageCredentialsSecret: { secret: credentials.apiKeySecret } },
      { credentials },
      (deployment) => {
        expect(deployment.spec.template.spec.containers[0].image).toBe(`${EU_REGISTRY}/sodadata/agent-orchestrator:0.0.0`);
      },
    );

    // A mirror with a pull Secret of the program's own; the components' images point at the mirror.
    const mirror = "mirror.example.com:5000/soda";
    const login = { username: "robot", password: "canary-mirror-password-51", auth: Buffer.from("robot:canary-mirror-password-51").toString("base64") };
    await rotateKeepingPull(
      "soda-mirror",
      { registry: mirror, ownPullSecret: "mirror-pull", ownPullSecretConfig: { secret: JSON.stringify({ auths: { [mirror]: login } }) } },
      { own: "mirror-pull" },
      (deployment) => {
        const container = deployment.spec.template.spec.containers[0];
        expect(container.image).toBe(`${mirror}/sodadata/agent-orchestrator:0.0.0`);
        const env = Object.fromEntries((container.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
        expect(env).toMatchObject({
          SODA_SCAN_LAUNCHER_IMAGE: `${mirror}/sodadata/soda-scan-launcher`,
          SODA_CONTRACT_LAUNCHER_IMAGE: `${mirror}/sodadata/soda-contract-launcher`,
          SODA_HOOKS_IMAGE: `${mirror}/sodadata/soda-agent-utils`,
        });
      },
    );
  });
});
