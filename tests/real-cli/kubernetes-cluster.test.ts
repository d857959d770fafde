import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { installKubernetesPlugin, processAlive, startKubeCluster, type KubeCluster } from "../support/kube-cluster";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { PulumiCli } from "../support/pulumi-cli";
import { isSecretWrapped } from "../support/pulumi-grpc";
import { plaintextStrings } from "../support/secret-scan";
import { DESTROY, TSCONFIG, UP, pulumiYaml, skipReason } from "./real-stack";

/**
 * The Kubernetes test bed itself, through the real CLI: a throwaway API server (etcd, kube-apiserver,
 * kube-controller-manager built from Go modules), the Kubernetes provider plugin built from the same release as the
 * @pulumi/kubernetes package, and a program that creates a Namespace, a Secret with a secret value and a
 * Deployment that reads it.
 */

const kubernetesSkip = skipReason || inject("kubernetesSkipReason");

const PROGRAM = `import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const provider = new k8s.Provider("throwaway", { kubeconfig: config.requireSecret("kubeconfig") });
const namespace = new k8s.core.v1.Namespace("smoke", { metadata: { name: "soda-smoke" } }, { provider });
const secret = new k8s.core.v1.Secret(
  "agent-key",
  { metadata: { namespace: namespace.metadata.name, name: "soda-agent-key" }, stringData: { apiKeySecret: config.requireSecret("canary") } },
  { provider },
);
const labels = { app: "soda-agent" };
new k8s.apps.v1.Deployment(
  "agent",
  {
    // No kubelet runs, so no pod ever becomes ready: Pulumi must not wait for the rollout.
    metadata: { namespace: namespace.metadata.name, name: "soda-agent", annotations: { "pulumi.com/skipAwait": "true" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: "agent", image: \`soda-agent:\${config.get("imageTag") ?? "1"}\`, envFrom: [{ secretRef: { name: secret.metadata.name } }] }],
        },
      },
    },
  },
  { provider },
);
export const namespaceName = namespace.metadata.name;
`;

describe.skipIf(kubernetesSkip)("a throwaway Kubernetes API server through the real pulumi CLI", () => {
  let cluster: KubeCluster | undefined;
  let project: ProjectDir | undefined;
  let runDir: string | undefined;

  beforeAll(async () => {
    cluster = await startKubeCluster({ binDir: inject("kubernetesBin") });
  });

  afterAll(async () => {
    await cluster?.stop();
    project?.cleanup();
    if (runDir !== undefined) fs.rmSync(runDir, { recursive: true, force: true });
  });

  it("up creates a Namespace, a Secret and a Deployment (its ReplicaSets roll), the state holds the secret only encrypted, destroy removes them", async () => {
    const kube = cluster as KubeCluster;
    expect(kube.controllerManager).toBe(true);
    project = prepareProjectDir({
      files: { "Pulumi.yaml": pulumiYaml("kube-smoke"), "index.ts": PROGRAM, "tsconfig.json": TSCONFIG },
      prefix: "soda-kube-project-",
      nodeModules: inject("kubernetesNodeModules"),
    });
    runDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-kube-cli-"));
    const cli = new PulumiCli(inject("pulumiBin"), project.dir, runDir);
    await installKubernetesPlugin(cli, inject("kubernetesBin"));
    await cli.run(["stack", "init", "test", "--non-interactive"]);
    const canary = `canary-${randomBytes(12).toString("hex")}`;
    await cli.setConfig({ kubeconfig: { secret: kube.kubeconfig }, canary: { secret: canary } });

    const up = await cli.run(UP);
    expect(up).toMatch(/\+ 5 created/);
    expect((await kube.get("/api/v1/namespaces/soda-smoke")).body).toMatchObject({ status: { phase: "Active" } });
    const secret = await kube.get("/api/v1/namespaces/soda-smoke/secrets/soda-agent-key");
    expect(secret.status).toBe(200);
    expect(Buffer.from(secret.body.data.apiKeySecret, "base64").toString()).toBe(canary);

    // The value and the cluster's token are in the state only inside secret wrappers (encrypted on export).
    const state = await cli.exportState();
    const stored = state.deployment.resources?.find((r) => r.type === "kubernetes:core/v1:Secret");
    expect(isSecretWrapped(stored?.outputs?.data) || isSecretWrapped(stored?.outputs?.stringData)).toBe(true);
    const exported = JSON.stringify(state);
    for (const [name, value] of Object.entries({ canary, base64Canary: Buffer.from(canary).toString("base64"), token: kube.token })) {
      expect(exported.includes(value), `${name} in stack export`).toBe(false);
      expect(
        plaintextStrings(state.deployment).some((s) => s.includes(value)),
        `${name} in plain text in the state`,
      ).toBe(false);
      expect(up.includes(value), `${name} in the output of up`).toBe(false);
    }

    // The controller-manager turns the Deployment into a ReplicaSet, and a new pod template into a second one.
    const replicaSetImages = async () => {
      const list = await kube.get("/apis/apps/v1/namespaces/soda-smoke/replicasets");
      return (list.body.items as { spec: { template: { spec: { containers: { image: string }[] } } } }[])
        .map((rs) => rs.spec.template.spec.containers[0].image)
        .sort();
    };
    await vi.waitFor(async () => expect(await replicaSetImages()).toEqual(["soda-agent:1"]), { timeout: 30_000, interval: 200 });
    await cli.setConfig({ imageTag: "2" });
    expect(await cli.run(UP)).toMatch(/~ 1 updated/);
    await vi.waitFor(async () => expect(await replicaSetImages()).toEqual(["soda-agent:1", "soda-agent:2"]), { timeout: 30_000, interval: 200 });

    const destroy = await cli.run(DESTROY);
    expect(destroy).toMatch(/- 5 deleted/);
    // Gone, not just terminating: the controller-manager finalized the Namespace and deleted what it held.
    expect((await kube.get("/api/v1/namespaces/soda-smoke")).status).toBe(404);
    expect((await kube.get("/apis/apps/v1/namespaces/soda-smoke/replicasets")).body.items).toEqual([]);
    expect((await kube.get("/api/v1/namespaces/soda-smoke/secrets/soda-agent-key")).status).toBe(404);
  });

  it("stop leaves no process behind", async () => {
    const kube = cluster as KubeCluster;
    const pids = kube.pids;
    expect(pids).toHaveLength(3);
    await kube.stop();
    expect(pids.filter(processAlive)).toEqual([]);
  });
});
