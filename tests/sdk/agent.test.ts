import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { plaintextStrings, pulumi, setEngineLikeMocks, valueOf, type WireRegistration } from "../support/engine-like-mocks";

const requireFromHere = createRequire(__filename);
const k8s: typeof import("@pulumi/kubernetes") = requireFromHere("@pulumi/kubernetes");
// By package name, as users import it, so the SDK objects are the built ones the mocks serialize (see engine-like-mocks).
const sdk: typeof import("../../sdk/kubernetes") = requireFromHere("pulumi-soda-cloud/kubernetes");
const MINTED_SECRET = "canary-minted-agent-secret-93e1";

/** A key id per agent name, so tests can play a rotation by using another name. */
function keyIdFor(agentName: string): string {
  const hex = createHash("sha256").update(agentName).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

let wire: WireRegistration[];

beforeAll(async () => {
  wire = await setEngineLikeMocks(({ type, inputs }) => {
    if (type.endsWith("soda:AgentKey")) {
      return { ...inputs, apiKeyId: keyIdFor(inputs.agentName), apiKeySecret: MINTED_SECRET, endpoint: "https://cloud.us.soda.io", createdAt: "2026-01-01T00:00:00.000Z", runnerId: "", registered: false };
    }
    if (type.endsWith("soda:AgentKeySecretName")) return { ...inputs, secretName: sdk.keySecretName(inputs.apiKeyId) };
    if (type === "kubernetes:helm.sh/v3:Release") return { ...inputs, status: { status: "deployed" } };
    return inputs;
  });
});

function registrationsOf(component: string) {
  const named = (suffix: string) => wire.find((r) => r.name === `${component}-${suffix}`)!;
  return { key: named("key"), namespace: wire.find((r) => r.name === `${component}-namespace`), secret: named("apikey"), release: named("release") };
}

describe("SodaAgent under engine-like mocks", () => {
  it("wires the key into a Secret and the soda-agent chart", async () => {
    const agent = new sdk.SodaAgent("prod", { agentName: "prod-agent", rotationPeriod: "90d", chart: { version: "1.2.3" } });
    expect(await valueOf(agent.releaseStatus)).toBe("deployed");
    const secretName = await valueOf(agent.secretName);
    expect(secretName).toBe(sdk.keySecretName(keyIdFor("prod-agent")));
    expect(await valueOf(agent.namespace)).toBe("soda-agent");
    expect(await valueOf(agent.releaseName)).toBe("soda-agent");

    const { key, namespace, secret, release } = registrationsOf("prod");
    expect(key.object).toMatchObject({ agentName: "prod-agent", rotationPeriod: "90d" });
    expect(namespace?.object).toMatchObject({ metadata: { name: "soda-agent" } });
    expect(release.object).toMatchObject({
      chart: "soda-agent",
      version: "1.2.3",
      namespace: "soda-agent",
      repositoryOpts: { repo: "https://helm.soda.io/soda-agent/" },
      values: {
        soda: {
          apikey: { existingSecret: secretName, secretKeys: { idKey: "SODA_API_KEY_ID", secretKey: "SODA_API_KEY_SECRET" } },
          agent: { name: "prod-agent" },
          cloud: { endpoint: "https://cloud.us.soda.io", region: "us" },
        },
      },
    });
    expect(secret.object).toMatchObject({ metadata: { name: secretName, namespace: "soda-agent" }, type: "Opaque" });
  });

  it("never sends the key secret in plain text, in any input or output", async () => {
    const agent = new sdk.SodaAgent("hygiene", { agentName: "hygiene-agent" });
    await valueOf(agent.releaseStatus);
    const { secret } = registrationsOf("hygiene");
    expect(JSON.stringify(secret.object)).toContain(MINTED_SECRET);
    for (const registration of wire) {
      expect(plaintextStrings(registration.object)).not.toContain(MINTED_SECRET);
      expect(plaintextStrings(registration.outputs)).not.toContain(MINTED_SECRET);
    }
    expect(await pulumi.isSecret(agent.key.apiKeySecret)).toBe(true);
  });

  it("parents every child to the component", async () => {
    const agent = new sdk.SodaAgent("parented", { agentName: "parented-agent" });
    await valueOf(agent.releaseStatus);
    const urn = await valueOf(agent.urn);
    const { key, namespace, secret, release } = registrationsOf("parented");
    for (const child of [key, namespace!, secret, release]) expect(child.parent).toBe(urn);
  });

  it("gives a new key a new Secret name, which changes the Release", async () => {
    const first = new sdk.SodaAgent("rot-a", { agentName: "agent-before" });
    const second = new sdk.SodaAgent("rot-b", { agentName: "agent-after" });
    await Promise.all([valueOf(first.releaseStatus), valueOf(second.releaseStatus)]);
    const [a, b] = [await valueOf(first.secretName), await valueOf(second.secretName)];
    expect(a).not.toBe(b);
    const releaseValues = (name: string) => (registrationsOf(name).release.object.values as any).soda.apikey.existingSecret;
    expect(releaseValues("rot-a")).toBe(a);
    expect(releaseValues("rot-b")).toBe(b);
  });

  it("deep-merges user values over its own and skips the namespace when asked", async () => {
    const agent = new sdk.SodaAgent("custom", {
      agentName: "custom-agent",
      namespace: "data",
      createNamespace: false,
      releaseName: "agent",
      chart: { repo: "https://charts.example.com/" },
      values: { soda: { agent: { logLevel: "DEBUG" }, cloud: { endpoint: "https://cloud.soda.io" } }, resources: { limits: { cpu: "1" } } },
    });
    await valueOf(agent.releaseStatus);
    const { namespace, release } = registrationsOf("custom");
    expect(namespace).toBeUndefined();
    expect(release.object).toMatchObject({
      name: "agent",
      namespace: "data",
      repositoryOpts: { repo: "https://charts.example.com/" },
      values: {
        soda: { agent: { name: "custom-agent", logLevel: "DEBUG" }, cloud: { endpoint: "https://cloud.soda.io", region: "us" } },
        resources: { limits: { cpu: "1" } },
      },
    });
  });

  it("hands a Kubernetes provider given to the component to its Kubernetes children", async () => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const agent = new sdk.SodaAgent("with-provider", { agentName: "provider-agent" }, { providers: [provider] });
    await valueOf(agent.releaseStatus);
    const providerUrn = await valueOf(provider.urn);
    const { key, secret, release } = registrationsOf("with-provider");
    for (const child of [secret, release]) expect(child.provider.startsWith(`${providerUrn}::`)).toBe(true);
    // The key is not a Kubernetes resource: it keeps the dynamic provider.
    expect(key.provider.startsWith(providerUrn)).toBe(false);
  });
  it("takes a local chart by path, and refuses a path with a version or repository, naming the arguments", async () => {
    const agent = new sdk.SodaAgent("vendored", { agentName: "vendored-agent", chart: { path: "./vendor/soda-agent" }, skipAwait: true });
    await valueOf(agent.releaseStatus);
    const { release } = registrationsOf("vendored");
    expect(release.object).toMatchObject({ chart: "./vendor/soda-agent", skipAwait: true });
    expect(release.object).not.toHaveProperty("repositoryOpts");
    expect(() => new sdk.SodaAgent("both", { agentName: "both-agent", chart: { path: "./vendor/soda-agent", version: "1.2.3" } })).toThrow(
      'SodaAgent "both": chart.path names the chart itself, so chart.version and chart.repo cannot be set with it.',
    );
  });
});
