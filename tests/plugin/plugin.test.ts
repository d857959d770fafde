import type * as GrpcJs from "@grpc/grpc-js";
import type { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../provider/client/clock";
import { servePlugin } from "../../provider/plugin/server";
import { CONFIG, RESOURCES } from "../../provider/plugin/schema";
import { AGENT_KEY } from "../../provider/spec/agent-key";
import { API_KEY } from "../../provider/spec/api-key";
import { CONFIG_KEYS } from "../../provider/config/settings";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";
import {
  emptyPb,
  enginePb,
  engineGrpc,
  fromStruct,
  grpc,
  providerGrpc,
  providerPb,
  toStruct,
  UNKNOWN,
  wrapSecret,
  isSecretWrapped,
} from "../support/pulumi-grpc";

/**
 * The plugin through the real provider protocol: its gRPC server in this process, called as the engine calls it,
 * against the emulator. A small engine stand-in records the Log calls, as warnings must reach the engine's log.
 */

type Props = Record<string, unknown>;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function call<Req, Res>(client: ResourceProviderClient, method: string, request: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, (r: Req, cb: (e: GrpcJs.ServiceError | null, res: Res) => void) => void>)[method](request, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

/** An engine that only records what the plugin logs. */
async function recordingEngine(): Promise<{ address: string; logs: { severity: number; message: string; urn: string; ephemeral: boolean }[] }> {
  const logs: { severity: number; message: string; urn: string; ephemeral: boolean }[] = [];
  const server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log: (call: GrpcJs.ServerUnaryCall<InstanceType<typeof enginePb.LogRequest>, unknown>, callback: GrpcJs.sendUnaryData<unknown>) => {
      logs.push({
        severity: call.request.getSeverity(),
        message: call.request.getMessage(),
        urn: call.request.getUrn(),
        ephemeral: call.request.getEphemeral(),
      });
      callback(null, new emptyPb.Empty());
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  closers.push(() => new Promise((resolve) => server.tryShutdown(() => resolve())));
  return { address: `127.0.0.1:${port}`, logs };
}

/**
 * A plugin process (one provider instance), configured for an emulator as the engine configures it: through the
 * provider's arguments, or with none and the environment the plugin was started with.
 */
async function plugin(soda: EmulatorFixture, engineAddress?: string, through: "arguments" | "environment" = "arguments", clock?: Clock) {
  const env = through === "environment" ? { SODA_HOST: soda.url, SODA_API_KEY_ID: soda.admin.apiKeyId, SODA_API_KEY_SECRET: soda.admin.apiKeySecret } : {};
  const served = await servePlugin({ version: "0.0.0-test", engineAddress, env, clock });
  const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${served.port}`, grpc.credentials.createInsecure());
  closers.push(async () => {
    client.close();
    await served.stop();
  });
  const configure = new providerPb.ConfigureRequest();
  configure.setArgs(
    toStruct(through === "environment" ? {} : { host: soda.url, apiKeyId: soda.admin.apiKeyId, apiKeySecret: wrapSecret(soda.admin.apiKeySecret) }),
  );
  configure.setAcceptsecrets(true);
  const configured = await call<unknown, InstanceType<typeof providerPb.ConfigureResponse>>(client, "configure", configure);
  expect(configured.getAcceptsecrets()).toBe(true);
  const urn = (type: string, name: string) => `urn:pulumi:test::project::${type}::${name}`;
  return {
    client,
    urn,
    async check(type: string, news: Props, olds: Props = {}) {
      const request = new providerPb.CheckRequest();
      request.setUrn(urn(type, "key"));
      request.setType(type);
      request.setOlds(toStruct(olds));
      request.setNews(toStruct(news));
      const response = await call<unknown, InstanceType<typeof providerPb.CheckResponse>>(client, "check", request);
      return { inputs: fromStruct(response.getInputs()), failures: response.getFailuresList().map((f) => `${f.getProperty()} ${f.getReason()}`) };
    },
    async create(type: string, inputs: Props, preview = false, name = "key") {
      const request = new providerPb.CreateRequest();
      request.setUrn(urn(type, name));
      request.setType(type);
      request.setProperties(toStruct(inputs));
      request.setPreview(preview);
      const response = await call<unknown, InstanceType<typeof providerPb.CreateResponse>>(client, "create", request);
      return { id: response.getId(), outs: fromStruct(response.getProperties()) };
    },
    async diff(type: string, id: string, olds: Props, news: Props) {
      const request = new providerPb.DiffRequest();
      request.setUrn(urn(type, "key"));
      request.setType(type);
      request.setId(id);
      request.setOlds(toStruct(olds));
      request.setNews(toStruct(news));
      const response = await call<unknown, InstanceType<typeof providerPb.DiffResponse>>(client, "diff", request);
      const detailed: Record<string, number> = {};
      response.getDetaileddiffMap().forEach((value, key) => (detailed[key] = value.getKind()));
      return {
        changes: response.getChanges(),
        replaces: response.getReplacesList(),
        deleteBeforeReplace: response.getDeletebeforereplace(),
        detailed,
        hasDetailed: response.getHasdetaileddiff(),
      };
    },
    async update(type: string, id: string, olds: Props, news: Props) {
      const request = new providerPb.UpdateRequest();
      request.setUrn(urn(type, "key"));
      request.setType(type);
      request.setId(id);
      request.setOlds(toStruct(olds));
      request.setNews(toStruct(news));
      const response = await call<unknown, InstanceType<typeof providerPb.UpdateResponse>>(client, "update", request);
      return fromStruct(response.getProperties());
    },
    async read(type: string, id: string, props: Props) {
      const request = new providerPb.ReadRequest();
      request.setUrn(urn(type, "key"));
      request.setType(type);
      request.setId(id);
      request.setProperties(toStruct(props));
      const response = await call<unknown, InstanceType<typeof providerPb.ReadResponse>>(client, "read", request);
      return { id: response.getId(), props: fromStruct(response.getProperties()) };
    },
    async delete(type: string, id: string, props: Props) {
      const request = new providerPb.DeleteRequest();
      request.setUrn(urn(type, "key"));
      request.setType(type);
      request.setId(id);
      request.setProperties(toStruct(props));
      await call(client, "delete", request);
    },
  };
}

async function emulator(): Promise<EmulatorFixture> {
  const soda = await emulatorFixture();
  closers.push(() => soda.close());
  return soda;
}

const PROPERTY_DIFF = { ADD: 0, UPDATE: 4, UPDATE_REPLACE: 5 };
const DIFF_SOME = 2;
const DIFF_NONE = 1;

describe("the plugin's schema", () => {
  it("documents every property of every resource, the provider and the config, with the config keys of the dynamic provider", async () => {
    const soda = await emulator();
    const { client } = await plugin(soda);
    const request = new providerPb.GetSchemaRequest();
    const response = await call<unknown, InstanceType<typeof providerPb.GetSchemaResponse>>(client, "getSchema", request);
    const schema = JSON.parse(response.getSchema());
    expect(schema.name).toBe("soda");
    expect(Object.keys(schema.resources).sort()).toEqual(["soda:index:AgentKey", "soda:index:ApiKey"]);
    expect(
      Object.keys(schema.config.variables)
        .map((k) => `soda:${k}`)
        .sort(),
    ).toEqual(Object.values(CONFIG_KEYS).sort());
    const undocumented: string[] = [];
    const visit = (where: string, props: Record<string, { description?: string }>) => {
      for (const [name, property] of Object.entries(props)) if (!property.description) undocumented.push(`${where}.${name}`);
    };
    visit("config", schema.config.variables);
    visit("provider", schema.provider.inputProperties);
    for (const [token, resource] of Object.entries<{ description: string; inputProperties: Props; properties: Props }>(schema.resources)) {
      expect(resource.description, token).not.toBe("");
      visit(`${token} inputs`, resource.inputProperties as never);
      visit(`${token} outputs`, resource.properties as never);
    }
    expect(undocumented).toEqual([]);
    expect(schema.resources["soda:index:AgentKey"].properties.apiKeySecret.secret).toBe(true);
    expect(schema.resources["soda:index:ApiKey"].inputProperties.apiKeySecret.secret).toBe(true);
    expect(schema.resources["soda:index:ApiKey"].properties.sodaCloudConfig.secret).toBe(true);
    expect(schema.config.variables.apiKeySecret.secret).toBe(true);
    // Every output the lifecycles store is in the schema, so generated SDKs expose all of them.
    expect(RESOURCES.map((r) => r.pluginToken)).toEqual([AGENT_KEY.pluginToken, API_KEY.pluginToken]);
    expect(Object.keys(CONFIG).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
  });
});

describe("the plugin's provider configuration", () => {
  it("refuses a setting that can never work at CheckConfig, naming the provider property", async () => {
    const soda = await emulator();
    const { client } = await plugin(soda);
    const request = new providerPb.CheckRequest();
    request.setUrn("urn:pulumi:test::project::pulumi:providers:soda::us");
    request.setOlds(toStruct({}));
    request.setNews(toStruct({ region: "mars", requestTimeoutMs: "5000" }));
    const response = await call<unknown, InstanceType<typeof providerPb.CheckResponse>>(client, "checkConfig", request);
    expect(response.getFailuresList().map((f) => [f.getProperty(), f.getReason()])).toEqual([
      ["region", expect.stringContaining('soda:region "mars" is not a Soda Cloud region')],
    ]);
  });
});

describe("the plugin's provider configuration changes", () => {
  it("reconfigures on a new setting and never replaces the provider (its keys stay where they were created)", async () => {
    const soda = await emulator();
    const { client } = await plugin(soda);
    const diffConfig = async (olds: Props, news: Props) => {
      const request = new providerPb.DiffRequest();
      request.setUrn("urn:pulumi:test::project::pulumi:providers:soda::us");
      request.setOlds(toStruct(olds));
      request.setOldInputs(toStruct(olds));
      request.setNews(toStruct(news));
      const response = await call<unknown, InstanceType<typeof providerPb.DiffResponse>>(client, "diffConfig", request);
      return { changes: response.getChanges(), replaces: response.getReplacesList(), diffs: response.getDiffsList() };
    };
    const old = { host: soda.url, apiKeyId: "a", apiKeySecret: wrapSecret("s1") };
    expect(await diffConfig(old, { ...old, apiKeySecret: wrapSecret("s1") })).toEqual({ changes: DIFF_NONE, replaces: [], diffs: [] });
    expect(await diffConfig(old, { ...old, apiKeySecret: wrapSecret("s2") })).toEqual({ changes: DIFF_SOME, replaces: [], diffs: ["apiKeySecret"] });
  });
});

describe("soda:index:AgentKey through the plugin protocol", () => {
  it("creates a key with its secret marked secret, previews without a request, and reads it back", async () => {
    const soda = await emulator();
    const p = await plugin(soda);
    const checked = await p.check(AGENT_KEY.pluginToken, { agentName: "agent-one" });
    expect(checked.failures).toEqual([]);
    expect(checked.inputs.__endpoint).toBe(soda.url);

    const preview = await p.create(AGENT_KEY.pluginToken, checked.inputs, true);
    expect(preview.outs).toMatchObject({ agentName: "agent-one", apiKeyId: UNKNOWN, createdAt: UNKNOWN });
    expect(isSecretWrapped(preview.outs.apiKeySecret)).toBe(true);
    expect((await soda.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner")).toEqual([]);

    const created = await p.create(AGENT_KEY.pluginToken, checked.inputs);
    expect(created.outs.apiKeyId).toBe(created.id);
    expect(isSecretWrapped(created.outs.apiKeySecret)).toBe(true);
    expect(typeof created.outs.agentName).toBe("string");
    expect(Object.keys(created.outs).filter((k) => k.startsWith("__"))).toEqual([]);

    const read = await p.read(AGENT_KEY.pluginToken, created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect(isSecretWrapped(read.props.apiKeySecret)).toBe(true);
  });

  it("reports a new rotationPeriod as an update in a detailed diff (so replaceOnChanges can act) and every key change as a delete-first replacement", async () => {
    const soda = await emulator();
    const p = await plugin(soda);
    const inputs = (await p.check(AGENT_KEY.pluginToken, { agentName: "agent-one", rotationPeriod: "90d" })).inputs;
    const created = await p.create(AGENT_KEY.pluginToken, inputs);

    const same = await p.diff(
      AGENT_KEY.pluginToken,
      created.id,
      created.outs,
      (await p.check(AGENT_KEY.pluginToken, { agentName: "agent-one", rotationPeriod: "90d" }, inputs)).inputs,
    );
    expect(same).toMatchObject({ changes: DIFF_NONE, replaces: [], detailed: {} });

    const newPeriod = (await p.check(AGENT_KEY.pluginToken, { agentName: "agent-one", rotationPeriod: "30d" }, inputs)).inputs;
    const periodDiff = await p.diff(AGENT_KEY.pluginToken, created.id, created.outs, newPeriod);
    expect(periodDiff).toMatchObject({
      changes: DIFF_SOME,
      replaces: [],
      hasDetailed: true,
      detailed: { rotationPeriod: PROPERTY_DIFF.UPDATE },
      deleteBeforeReplace: true,
    });
    const updated = await p.update(AGENT_KEY.pluginToken, created.id, created.outs, newPeriod);
    expect(updated.rotationPeriod).toBe("30d");
    expect(updated.apiKeyId).toBe(created.id);
    expect(isSecretWrapped(updated.apiKeySecret)).toBe(true);

    const renamed = await p.diff(
      AGENT_KEY.pluginToken,
      created.id,
      created.outs,
      (await p.check(AGENT_KEY.pluginToken, { agentName: "agent-two", rotationPeriod: "90d" }, inputs)).inputs,
    );
    expect(renamed).toMatchObject({
      changes: DIFF_SOME,
      replaces: ["agentName"],
      detailed: { agentName: PROPERTY_DIFF.UPDATE_REPLACE },
      deleteBeforeReplace: true,
    });

    const unknownName = await p.diff(AGENT_KEY.pluginToken, created.id, created.outs, { ...inputs, agentName: UNKNOWN });
    expect(unknownName.replaces).toEqual(["agentName"]);
  });

  it("keeps each provider instance's configuration: two instances create in two organisations", async () => {
    const [eu, us] = [await emulator(), await emulator()];
    const [first, second] = [await plugin(eu), await plugin(us)];
    const a = await first.create(AGENT_KEY.pluginToken, (await first.check(AGENT_KEY.pluginToken, { agentName: "agent-eu" })).inputs);
    const b = await second.create(AGENT_KEY.pluginToken, (await second.check(AGENT_KEY.pluginToken, { agentName: "agent-us" })).inputs);
    const runnerKeys = async (soda: EmulatorFixture) =>
      (await soda.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner").map((k: { apiKeyId: string }) => k.apiKeyId);
    expect(await runnerKeys(eu)).toEqual([a.id]);
    expect(await runnerKeys(us)).toEqual([b.id]);
    expect(a.outs.endpoint).toBe(eu.url);
    expect(b.outs.endpoint).toBe(us.url);
  });

  it("falls back to the environment variables of the dynamic provider when the provider has no arguments", async () => {
    const soda = await emulator();
    const p = await plugin(soda, undefined, "environment");
    const created = await p.create(AGENT_KEY.pluginToken, (await p.check(AGENT_KEY.pluginToken, { agentName: "agent-env" })).inputs);
    expect(created.outs.endpoint).toBe(soda.url);
    expect((await soda.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner").map((k: { apiKeyId: string }) => k.apiKeyId)).toEqual([
      created.id,
    ]);
  });

  it("sends warnings to the engine's log at warning severity, attached to the resource", async () => {
    const soda = await emulator();
    const engine = await recordingEngine();
    const p = await plugin(soda, engine.address);
    const created = await p.create(AGENT_KEY.pluginToken, (await p.check(AGENT_KEY.pluginToken, { agentName: "agent-one" })).inputs);
    await p.delete(AGENT_KEY.pluginToken, created.id, created.outs);
    expect(engine.logs).toEqual([
      {
        severity: enginePb.LogSeverity.WARNING,
        urn: p.urn(AGENT_KEY.pluginToken, "key"),
        message: expect.stringContaining("never registered an agent"),
        ephemeral: false,
      },
    ]);
  });

  it("shows what a resource waits for as its passing status: ephemeral info on its own URN", async () => {
    const clock = new FakeClock("2026-03-01T00:00:00.000Z", true);
    const soda = await emulatorFixture({ clock });
    closers.push(() => soda.close());
    const engine = await recordingEngine();
    const p = await plugin(soda, engine.address, "arguments", clock);
    // Eleven keys at once: Soda allows ten creates a minute, so one waits.
    await Promise.all(
      Array.from({ length: 11 }, async (_, i) =>
        p.create(AGENT_KEY.pluginToken, (await p.check(AGENT_KEY.pluginToken, { agentName: `agent-${i}` })).inputs, false, `key-${i}`),
      ),
    );
    const waited = "waited 60 s for Soda's limit of 10 agent creates per minute";
    await vi.waitFor(() => expect(engine.logs.map((l) => l.message)).toContain(waited), { timeout: 5_000, interval: 5 });
    const statuses = engine.logs.filter((l) => l.ephemeral);
    expect(statuses.every((l) => l.severity === enginePb.LogSeverity.INFO)).toBe(true);
    expect(new Set(statuses.map((l) => l.urn)).size).toBe(1);
    expect(statuses[0].urn).toMatch(/^urn:pulumi:test::project::soda:index:AgentKey::key-\d+$/);
    expect(statuses.map((l) => l.message)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `waiting ${60 - i * 5} s for Soda's limit of 10 agent creates per minute`),
      waited,
    ]);
    expect(engine.logs.filter((l) => !l.ephemeral)).toEqual([]);
  });

  it("refuses an import, saying why", async () => {
    const soda = await emulator();
    const p = await plugin(soda);
    await expect(p.read(AGENT_KEY.pluginToken, "3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93", {})).rejects.toThrow(
      /cannot be imported: Soda Cloud returns a key's secret only when the key is created/,
    );
  });

  it("names the property of an invalid argument, and an unknown type token", async () => {
    const soda = await emulator();
    const p = await plugin(soda);
    expect((await p.check(AGENT_KEY.pluginToken, { agentName: "" })).failures).toEqual([expect.stringMatching(/^agentName /)]);
    await expect(p.check("soda:index:Nope", {})).rejects.toThrow(/has no resource type soda:index:Nope/);
    // A dynamic resource given the plugin's provider: what to do about that, not an upgrade that cannot help.
    const dynamic = await p.check("pulumi-nodejs:dynamic/soda:AgentKey", { agentName: "a" }).catch((e: Error) => e);
    expect((dynamic as Error).message).toMatch(
      /^2 UNKNOWN: pulumi-nodejs:dynamic\/soda:AgentKey is a dynamic resource of the pulumi-soda-cloud npm package .* Remove the `provider` option that names a soda plugin provider from it/,
    );
    expect((dynamic as Error).message).not.toMatch(/upgrade/);
  });
});

describe("soda:index:ApiKey through the plugin protocol", () => {
  it("keeps a secret input secret in checked inputs and marks the secret outputs", async () => {
    const soda = await emulator();
    const p = await plugin(soda);
    const key = await soda.newApiKey([]);
    const checked = await p.check(API_KEY.pluginToken, { apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret });
    expect(isSecretWrapped(checked.inputs.apiKeySecret)).toBe(true);
    const created = await p.create(API_KEY.pluginToken, checked.inputs);
    expect(created.id).toBe(key.apiKeyId);
    expect(isSecretWrapped(created.outs.apiKeySecret)).toBe(true);
    expect(isSecretWrapped(created.outs.sodaCloudConfig)).toBe(true);
    expect(created.outs.organisationName).toBe("Emulated Organisation");
    const diff = await p.diff(API_KEY.pluginToken, created.id, created.outs, { ...checked.inputs, apiKeySecret: wrapSecret("other-secret") });
    expect(diff).toMatchObject({
      changes: DIFF_SOME,
      replaces: ["apiKeySecret"],
      detailed: { apiKeySecret: PROPERTY_DIFF.UPDATE_REPLACE },
      deleteBeforeReplace: false,
    });
  });
});
