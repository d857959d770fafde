import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeCluster, type KubeCluster } from "../support/kube-cluster";
import { repoRoot } from "../support/project-dir";
import {
  AGENT_DEPLOYMENT,
  FIXTURE_CHART,
  agentProgram,
  kubeList,
  kubeObject,
  kubeStack,
  kubernetesBin,
  kubernetesSkipReason,
  secretRefs,
  simulatedAgent,
} from "./kubernetes-stack";
import { DESTROY, REFRESH, UP, liveRunnerKeys, skipReason, sodaView, storedOutputs } from "./real-stack";

/**
 * On a real API server through the real CLI: the wait for the agent (`waitForAgent`) and both Kubernetes examples,
 * run with their README's config. A stand-in plays the agent's pod where one must register (`simulatedAgent`).
 */
let cluster: KubeCluster;

beforeAll(async () => {
  if (skipReason || kubernetesSkipReason) return;
  cluster = await startKubeCluster({ binDir: kubernetesBin });
}, 300_000);
afterAll(async () => {
  await cluster?.stop();
});

describe.skipIf(skipReason || kubernetesSkipReason)("waitForAgent on a real API server", () => {
  it("fails the up when no agent registers in time, saying where to look; the next up waits again and finishes", async () => {
    const namespace = "soda-wait";
    const stack = await kubeStack(cluster, { files: agentProgram(), config: { namespace, chartPath: FIXTURE_CHART, waitForAgentSeconds: "5" } });
    const failed = await stack.cli.exec(UP);
    expect(failed.code).not.toBe(0);
    // Stack outputs are not recorded by a failed `up`; the key is in the state.
    const keyId = (await storedOutputs(stack, "AgentKey"))?.apiKeyId;
    expect(keyId).toEqual(expect.any(String));
    expect(failed.stdout + failed.stderr).toMatch(
      new RegExp(
        `No agent registered with Soda Cloud \\(${stack.soda.url.replace(/[.]/g, "\\.")}\\) as "k8s-agent" with key [0-9a-f-]+ within 5 s\\. Look at the agent's pods: \`kubectl get pods -n ${namespace}\``,
      ),
    );
    // Everything before the wait is deployed: the agent can still come up, and the next `up` waits again.
    const deployment = await kubeObject(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${AGENT_DEPLOYMENT}`);
    expect(secretRefs(deployment)).toHaveLength(1);
    await stack.cli.setConfig({ waitForAgentSeconds: "120" });
    const agent = simulatedAgent(cluster, stack, namespace);
    try {
      expect(await stack.cli.run(UP)).toMatch(/\+ 1 created/);
      const runners = (await sodaView(stack)).runners;
      expect((await stack.cli.outputs()).runnerId).toBe(runners[0].id);
      // The key the failed `up` deployed is the one that registered: the second `up` made no new key.
      expect(agent.registeredKeys).toEqual([keyId]);
      expect(await stack.cli.run(DESTROY)).toMatch(/deleted/);
    } finally {
      await agent.stop();
    }
  });

  it("fails at once, before deploying anything, when another agent holds the name", async () => {
    const namespace = "soda-held-name";
    const stack = await kubeStack(cluster, { files: agentProgram(), config: { namespace, chartPath: FIXTURE_CHART, waitForAgentSeconds: "120" } });
    // Another agent already registered as k8s-agent, with a key minted outside this stack.
    const minted = await fetch(`${stack.soda.url}/api/v1/runners`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${stack.soda.admin.apiKeyId}:${stack.soda.admin.apiKeySecret}`).toString("base64")}` },
    });
    const other = (await minted.json()) as { apiKeyId: string; apiKeySecret: string };
    const holder = (await stack.soda.register(other, "k8s-agent")).json.runner.id as string;
    const started = Date.now();
    const failed = await stack.cli.exec(UP);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain(`An agent named "k8s-agent" is already registered in Soda Cloud (runner ${holder})`);
    // Nothing waited out the 120 s timeout, and no Secret or release was made for a key that could never register.
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(await kubeList(cluster, `/api/v1/namespaces/${namespace}/secrets`)).toEqual([]);
    expect((await sodaView(stack)).runners.map((r) => r.id)).toEqual([holder]);
    await stack.cli.run(DESTROY);
  });
});

describe.skipIf(skipReason || kubernetesSkipReason)("the Kubernetes examples, as their READMEs run them, on a real API server", () => {
  it("agent-on-kubernetes: up waits for the agent, a rotation rolls it onto a new key, destroy revokes", async () => {
    const namespace = "soda-agent-example";
    const stack = await kubeStack(cluster, {
      source: path.join(repoRoot, "examples", "agent-on-kubernetes"),
      // The README's config, with the chart from this machine and no wait for pods no node runs.
      config: { agentName: "my-soda-agent", namespace, chartPath: FIXTURE_CHART, skipAwait: "true" },
    });
    const agent = simulatedAgent(cluster, stack, namespace);
    try {
      expect(await stack.cli.run(UP)).toMatch(/created/);
      const outputs = await stack.cli.outputs();
      expect(outputs).toMatchObject({ agentName: "my-soda-agent", namespace, releaseName: "soda-agent", releaseStatus: "deployed" });
      expect(outputs.runnerId).toBe((await sodaView(stack)).runners[0].id);
      await stack.cli.run(REFRESH);
      await stack.cli.setConfig({ keyGeneration: "2" });
      expect(await stack.cli.run(UP)).toMatch(/replaced/);
      const rotated = await stack.cli.outputs();
      expect(rotated.agentKeyId).not.toBe(outputs.agentKeyId);
      expect(agent.registeredKeys).toEqual([outputs.agentKeyId, rotated.agentKeyId]);
      expect(await stack.cli.run(DESTROY)).toMatch(/deleted/);
      expect(await liveRunnerKeys(stack)).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  it("soda-core-cronjob: the verified key's soda_cloud block in a Secret, mounted by a CronJob", async () => {
    const namespace = "soda-scans";
    const stack = await kubeStack(cluster, { source: path.join(repoRoot, "examples", "soda-core-cronjob"), typeCheck: true });
    const scanKey = await stack.soda.newApiKey([]);
    const dataSource = "type: postgres\nname: my_datasource\nconnection:\n  host: db.internal\n  password: canary-db-password-77\n";
    await stack.cli.setConfig({
      apiKeyId: scanKey.apiKeyId,
      apiKeySecret: { secret: scanKey.apiKeySecret },
      dataSourceConfig: { secret: dataSource },
      image: "soda-core-image:4",
      namespace,
    });
    expect(await stack.cli.run(UP)).toMatch(/created/);
    const cronJobs = await kubeList(cluster, `/apis/batch/v1/namespaces/${namespace}/cronjobs`);
    expect(cronJobs).toHaveLength(1);
    const pod = cronJobs[0].spec.jobTemplate.spec.template.spec;
    const secret = await kubeObject(cluster, `/api/v1/namespaces/${namespace}/secrets/${pod.volumes[0].secret.secretName}`);
    const sodaCloud = Buffer.from(secret.data["soda-cloud.yml"], "base64").toString();
    expect(sodaCloud).toContain(`api_key_id: "${scanKey.apiKeyId}"`);
    expect(Buffer.from(secret.data["data-source.yml"], "base64").toString()).toBe(dataSource);
    expect(JSON.stringify(cronJobs[0])).not.toContain(scanKey.apiKeySecret);
    await stack.cli.run([...REFRESH, "--expect-no-changes"]);
    expect(await stack.cli.run(DESTROY)).toMatch(/deleted/);
    expect((await cluster.get(`/api/v1/namespaces/${namespace}`)).status).toBe(404);
  });
});
