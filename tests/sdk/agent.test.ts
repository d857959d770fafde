import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { plaintextStrings, pulumi, setEngineLikeMocks, valueOf, type WireRegistration } from "../support/engine-like-mocks";
import { isSecretWrapped, unwrapSecrets } from "../support/pulumi-grpc";
import * as images from "../../sdk/agent-image-registry";

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
      return {
        ...inputs,
        apiKeyId: keyIdFor(inputs.agentName),
        apiKeySecret: MINTED_SECRET,
        endpoint: "https://cloud.us.soda.io",
        createdAt: "2026-01-01T00:00:00.000Z",
        runnerId: "",
        registered: false,
      };
    }
    if (type.endsWith("soda:AgentKeySecretName")) return { ...inputs, secretName: sdk.keySecretName(inputs.apiKeyId) };
    if (type === "kubernetes:helm.sh/v3:Release") return { ...inputs, status: { status: "deployed" } };
    return inputs;
  });
});

function registrationsOf(component: string) {
  const named = (suffix: string) => wire.find((r) => r.name === `${component}-${suffix}`)!;
  return {
    key: named("key"),
    namespace: wire.find((r) => r.name === `${component}-namespace`),
    secret: named("apikey"),
    pullSecret: wire.find((r) => r.name === `${component}-image-pull`),
    release: named("release"),
  };
}

/** The registry logins of a pull Secret as registered: its `stringData` must be a secret on the wire. */
function registryLoginsOf(pullSecret: WireRegistration): Record<string, unknown> {
  expect(pullSecret.object).toMatchObject({ type: "kubernetes.io/dockerconfigjson" });
  expect(isSecretWrapped(pullSecret.object.stringData)).toBe(true);
  const stringData = unwrapSecrets(pullSecret.object.stringData) as Record<string, string>;
  expect(Object.keys(stringData)).toEqual([".dockerconfigjson"]);
  return JSON.parse(stringData[".dockerconfigjson"]).auths;
}

function loginFor(apiKeyId: string, apiKeySecret: string) {
  return { username: apiKeyId, password: apiKeySecret, auth: Buffer.from(`${apiKeyId}:${apiKeySecret}`).toString("base64") };
}

describe("SodaAgent under engine-like mocks", () => {
  it("wires the key into a Secret and the soda-agent chart", async () => {
    const agent = new sdk.SodaAgent("prod", { agentName: "prod-agent", rotationPeriod: "90d", chart: { version: "1.2.3" } });
    expect(await valueOf(agent.releaseStatus)).toBe("deployed");
    const secretName = await valueOf(agent.secretName);
    expect(secretName).toBe(sdk.keySecretName(keyIdFor("prod-agent")));
    expect(await valueOf(agent.namespace)).toBe("soda-agent");
    expect(await valueOf(agent.releaseName)).toBe("soda-agent");

    const pullSecretName = sdk.imagePullSecretName(keyIdFor("prod-agent"));
    expect(await valueOf(agent.imagePullSecretNames)).toEqual([pullSecretName]);

    const { key, namespace, secret, pullSecret, release } = registrationsOf("prod");
    expect(key.object).toMatchObject({ agentName: "prod-agent", rotationPeriod: "90d" });
    expect(namespace?.object).toMatchObject({ metadata: { name: "soda-agent" } });
    // The images come from the key's region's private registry, pulled with the agent's own key.
    expect(pullSecret?.object).toMatchObject({ metadata: { name: pullSecretName, namespace: "soda-agent" } });
    expect(registryLoginsOf(pullSecret!)).toEqual({ "registry.us.soda.io": loginFor(keyIdFor("prod-agent"), MINTED_SECRET) });
    expect(release.object).toMatchObject({
      chart: "soda-agent",
      version: "1.2.3",
      namespace: "soda-agent",
      repositoryOpts: { repo: "https://helm.soda.io/soda-agent/" },
      values: {
        existingImagePullSecrets: [{ name: pullSecretName }],
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
    const { key, namespace, secret, pullSecret, release } = registrationsOf("parented");
    for (const child of [key, namespace!, secret, pullSecret!, release]) expect(child.parent).toBe(urn);
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
    const { key, secret, pullSecret, release } = registrationsOf("with-provider");
    for (const child of [secret, pullSecret!, release]) expect(child.provider.startsWith(`${providerUrn}::`)).toBe(true);
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
      'SodaAgent "both": chart.path names the chart itself, so chart.version cannot be set with it.',
    );
    expect(
      () => new sdk.SodaAgent("both-creds", { agentName: "both-creds-agent", chart: { path: "./vendor/soda-agent", repo: "https://x/", password: "p" } }),
    ).toThrow('SodaAgent "both-creds": chart.path names the chart itself, so chart.repo and chart.password cannot be set with it.');
  });

  it("takes the chart from the repository Soda gave, with credentials kept secret, or from an OCI registry", async () => {
    const fromRepo = new sdk.SodaAgent("private-repo", {
      agentName: "private-repo-agent",
      chart: { repo: "https://charts.example.com/agent", version: "1.3.14", username: "key-id", password: "canary-chart-password-4f" },
    });
    const fromOci = new sdk.SodaAgent("oci", { agentName: "oci-agent", chart: { repo: "oci://registry.example.com/charts/", version: "1.3.14" } });
    await Promise.all([valueOf(fromRepo.releaseStatus), valueOf(fromOci.releaseStatus)]);
    const repoRelease = registrationsOf("private-repo").release.object as any;
    expect(unwrapSecrets(repoRelease)).toMatchObject({
      chart: "soda-agent",
      version: "1.3.14",
      repositoryOpts: { repo: "https://charts.example.com/agent", username: "key-id", password: "canary-chart-password-4f" },
    });
    expect(isSecretWrapped(repoRelease.repositoryOpts.password)).toBe(true);
    expect(plaintextStrings(repoRelease)).not.toContain("canary-chart-password-4f");
    // An OCI chart is named by its whole reference, with no repository URL.
    expect(registrationsOf("oci").release.object).toMatchObject({ chart: "oci://registry.example.com/charts/soda-agent", version: "1.3.14" });
    expect((registrationsOf("oci").release.object as any).repositoryOpts?.repo).toBeUndefined();
    expect(() => new sdk.SodaAgent("half", { agentName: "half-agent", chart: { username: "key-id" } })).toThrow(
      'SodaAgent "half": chart.username and chart.password go together',
    );
  });

  it("pulls with registry credentials given instead of the key, from a mirror given as registry", async () => {
    const credentials = { apiKeyId: "registry-key-id", apiKeySecret: pulumi.secret("canary-registry-secret-77") };
    const agent = new sdk.SodaAgent("creds", { agentName: "creds-agent", imageCredentials: credentials, registry: "mirror.example.com:5000" });
    await valueOf(agent.releaseStatus);
    const pullSecretName = sdk.imagePullSecretName("registry-key-id");
    expect(await valueOf(agent.imagePullSecretNames)).toEqual([pullSecretName]);
    const { pullSecret, release } = registrationsOf("creds");
    expect(pullSecret?.object).toMatchObject({ metadata: { name: pullSecretName } });
    expect(registryLoginsOf(pullSecret!)).toEqual({ "mirror.example.com:5000": loginFor("registry-key-id", "canary-registry-secret-77") });
    expect(release.object).toMatchObject({
      values: {
        existingImagePullSecrets: [{ name: pullSecretName }],
        soda: {
          agent: { name: "creds-agent", image: { repository: "mirror.example.com:5000/sodadata/agent-orchestrator" } },
          scanLauncher: { image: { repository: "mirror.example.com:5000/sodadata/soda-scan-launcher" } },
          contractLauncher: { image: { repository: "mirror.example.com:5000/sodadata/soda-contract-launcher" } },
          hooks: { image: { repository: "mirror.example.com:5000/sodadata/soda-agent-utils" } },
        },
      },
    });
    for (const registration of wire) expect(plaintextStrings(registration.object)).not.toContain("canary-registry-secret-77");
  });

  it("names pull Secrets the user manages and makes none of its own", async () => {
    const agent = new sdk.SodaAgent("existing", { agentName: "existing-agent", existingImagePullSecrets: ["mirror-pull", pulumi.output("other-pull")] });
    await valueOf(agent.releaseStatus);
    expect(await valueOf(agent.imagePullSecretNames)).toEqual(["mirror-pull", "other-pull"]);
    const { pullSecret, release } = registrationsOf("existing");
    expect(pullSecret).toBeUndefined();
    expect(release.object).toMatchObject({ values: { existingImagePullSecrets: [{ name: "mirror-pull" }, { name: "other-pull" }] } });
  });

  it("refuses contradictory pull settings and a registry that is a URL, naming the arguments", () => {
    const credentials = { apiKeyId: "id", apiKeySecret: "secret" };
    expect(() => new sdk.SodaAgent("two-ways", { agentName: "a", imageCredentials: credentials, existingImagePullSecrets: ["p"] })).toThrow(
      'SodaAgent "two-ways": existingImagePullSecrets and imageCredentials both say how to pull',
    );
    expect(() => new sdk.SodaAgent("none", { agentName: "a", existingImagePullSecrets: [] })).toThrow('SodaAgent "none": existingImagePullSecrets is empty.');
    expect(() => new sdk.SodaAgent("url", { agentName: "a", registry: "https://mirror.example.com" })).toThrow(
      'SodaAgent "url": registry must be a registry host such as "registry.example.com", without a scheme (got "https://mirror.example.com").',
    );
  });

  it("gives the chart the region and endpoint of the key, and Soda's registry of that region", () => {
    expect(images.cloudValues("https://cloud.soda.io")).toEqual({ endpoint: "https://cloud.soda.io", region: "eu" });
    expect(images.cloudValues("https://cloud.us.soda.io")).toEqual({ endpoint: "https://cloud.us.soda.io", region: "us" });
    expect(images.cloudValues("http://127.0.0.1:8080")).toEqual({ endpoint: "http://127.0.0.1:8080", region: "eu" });
    expect(images.imageRegistry("https://cloud.soda.io", undefined)).toBe("registry.cloud.soda.io");
    expect(images.imageRegistry("https://cloud.us.soda.io", undefined)).toBe("registry.us.soda.io");
    expect(images.imageRegistry("https://cloud.us.soda.io", "mirror.example.com")).toBe("mirror.example.com");
  });
});
