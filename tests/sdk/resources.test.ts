import { beforeAll, describe, expect, it } from "vitest";
import { plaintextStrings, pulumi, sdk, setEngineLikeMocks, valueOf, type WireRegistration } from "../support/engine-like-mocks";
import { providerShim } from "../../provider/shim";

const CANARY_ADMIN_SECRET = "canary-admin-secret-0d9c";
const CANARY_KEY_SECRET = "canary-key-secret-51ab";
const KEY_ID = "3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93";

let wire: WireRegistration[];

beforeAll(async () => {
  // Credentials present in the environment while resources are constructed must not end up in `__provider`.
  process.env.SODA_API_KEY_SECRET = CANARY_ADMIN_SECRET;
  wire = await setEngineLikeMocks(({ type, inputs }) => {
    if (type.endsWith("soda:AgentKey")) {
      return {
        ...inputs,
        apiKeyId: KEY_ID,
        apiKeySecret: "minted-secret",
        endpoint: "https://cloud.soda.io",
        createdAt: "2026-01-01T00:00:00.000Z",
        runnerId: "",
        registered: false,
      };
    }
    return {
      ...inputs,
      organisationName: "Acme",
      endpoint: "https://cloud.soda.io",
      verifiedAt: "2026-01-01T00:00:00.000Z",
      sodaCloudConfig: "soda_cloud: {}",
    };
  });
});

describe("SDK resources under engine-like mocks", () => {
  it("SodaAgentKey registers under its own type token with a secret apiKeySecret", async () => {
    const key = new sdk.SodaAgentKey("agent-key", { agentName: "prod-agent", rotationPeriod: "90d" });
    expect(await valueOf(key.urn)).toContain("pulumi-nodejs:dynamic/soda:AgentKey");
    expect(await valueOf(key.apiKeyId)).toBe(KEY_ID);
    expect(await pulumi.isSecret(key.apiKeySecret)).toBe(true);
    expect(await pulumi.isSecret(key.apiKeyId)).toBe(false);
    expect(await valueOf(key.registered)).toBe(false);
    const registration = wire.find((r) => r.name === "agent-key")!;
    expect(registration.type).toBe("pulumi-nodejs:dynamic/soda:AgentKey");
    expect(registration.additionalSecretOutputs).toEqual(["apiKeySecret"]);
    expect(registration.object).toMatchObject({ agentName: "prod-agent", rotationPeriod: "90d" });
  });

  it("SodaApiKey keeps the secret secret on the wire, in and out, even when given as plain text", async () => {
    const key = new sdk.SodaApiKey("api-key", { apiKeyId: KEY_ID, apiKeySecret: CANARY_KEY_SECRET });
    expect(await valueOf(key.organisationName)).toBe("Acme");
    expect(await pulumi.isSecret(key.apiKeySecret)).toBe(true);
    expect(await pulumi.isSecret(key.sodaCloudConfig)).toBe(true);
    const registration = wire.find((r) => r.name === "api-key")!;
    expect(registration.type).toBe("pulumi-nodejs:dynamic/soda:ApiKey");
    expect(registration.additionalSecretOutputs).toEqual(expect.arrayContaining(["apiKeySecret", "sodaCloudConfig"]));
    expect(plaintextStrings(registration.object)).not.toContain(CANARY_KEY_SECRET);
    expect(plaintextStrings(registration.outputs)).not.toContain(CANARY_KEY_SECRET);
  });

  it("gives every resource of a kind the same provider object, so Pulumi serializes it once per program", () => {
    expect(providerShim("agentKey")).toBe(providerShim("agentKey"));
    expect(providerShim("apiKey")).not.toBe(providerShim("agentKey"));
  });

  it("serializes a small provider with no credential in it", async () => {
    new sdk.SodaAgentKey("serialized", { agentName: "a" });
    new sdk.SodaApiKey("serialized-api", { apiKeyId: KEY_ID, apiKeySecret: CANARY_KEY_SECRET });
    await valueOf(new sdk.SodaAgentKey("sync", { agentName: "b" }).urn);
    for (const name of ["serialized", "serialized-api"]) {
      const text = wire.find((r) => r.name === name)!.object.__provider;
      expect(typeof text).toBe("string");
      expect((text as string).length).toBeLessThan(4096);
      expect(text).toContain("pulumi-soda-cloud/provider");
      expect(text).not.toContain(CANARY_ADMIN_SECRET);
      expect(text).not.toContain(CANARY_KEY_SECRET);
    }
  });

  it("accepts inputs that resolve later, as Outputs of other resources do", async () => {
    const name = pulumi.output(new Promise<string>((resolve) => setTimeout(() => resolve("late-agent"), 5)));
    const key = new sdk.SodaAgentKey("late", { agentName: name, rotationTriggers: { image: name } });
    expect(await valueOf(key.agentName)).toBe("late-agent");
  });

  it("tells the provider each resource's own URN (`__urn`, for its status line), without depending on its parent", async () => {
    const monitor = (pulumi.runtime as unknown as { getMonitor(): { registerResource(req: any, cb: unknown): void } }).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    const dependencies = new Map<string, string[]>();
    monitor.registerResource = (req, cb) => {
      dependencies.set(req.getName(), [...req.getDependenciesList(), ...[...req.getPropertydependenciesMap().values()].flatMap((d: any) => d.getUrnsList())]);
      register(req, cb);
    };
    try {
      const group = new pulumi.ComponentResource("test:index:Group", "group", {}, {});
      const top = new sdk.SodaAgentKey("top-key", { agentName: "top-agent" });
      const child = new sdk.SodaApiKey("child-key", { apiKeyId: KEY_ID, apiKeySecret: "s" }, { parent: group });
      const waiting = new sdk.SodaAgentRegistration("child-wait", { agentName: "a", apiKeyId: KEY_ID, endpoint: "https://cloud.soda.io" }, { parent: group });
      for (const resource of [top, child, waiting]) await valueOf(resource.urn);
      const urnInput = (name: string) => wire.find((r) => r.name === name)!.object.__urn;
      expect(urnInput("top-key")).toBe("urn:pulumi:stack::project::pulumi-nodejs:dynamic/soda:AgentKey::top-key");
      expect(urnInput("child-key")).toBe("urn:pulumi:stack::project::test:index:Group$pulumi-nodejs:dynamic/soda:ApiKey::child-key");
      expect(urnInput("child-wait")).toBe("urn:pulumi:stack::project::test:index:Group$pulumi-nodejs:dynamic/soda:AgentRegistration::child-wait");
      for (const [name, resource] of [
        ["top-key", top],
        ["child-key", child],
        ["child-wait", waiting],
      ] as const) {
        expect(urnInput(name)).toBe(await valueOf(resource.urn));
        expect(dependencies.get(name)).toEqual([]);
      }
    } finally {
      monitor.registerResource = register;
    }
  });
});
