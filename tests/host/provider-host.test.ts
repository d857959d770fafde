import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { startProviderHost, type ProviderHost } from "../support/provider-host";
import { serializedProviders } from "../support/provider-texts";
import { UNKNOWN, wrapSecret } from "../support/pulumi-grpc";

const AGENT_URN = "urn:pulumi:test::project::pulumi-nodejs:dynamic/soda:AgentKey::agent-key";
const API_URN = "urn:pulumi:test::project::pulumi-nodejs:dynamic/soda:ApiKey::api-key";

let env: EmulatorFixture;
let project: ProjectDir;
let host: ProviderHost;
let providers: { agentKey: string; apiKey: string };

/** Requests the emulator saw while `action` ran. */
async function requestsDuring(action: () => Promise<unknown>) {
  const before = env.emulator.requests().length;
  await action();
  return env.emulator.requests().slice(before);
}

/** The engine's sequence for a new resource: Check, then Create with the checked inputs. */
async function createAgentKey(inputs: Record<string, unknown>) {
  const news = { __provider: providers.agentKey, ...inputs };
  const checked = await host.check(AGENT_URN, {}, news);
  expect(checked.failures).toEqual([]);
  return host.create(AGENT_URN, checked.inputs);
}

beforeAll(async () => {
  providers = await serializedProviders();
  env = await emulatorFixture();
  project = prepareProjectDir();
  host = await startProviderHost({ cwd: project.dir, env: { SODA_HOST: undefined, SODA_API_KEY_ID: undefined, SODA_API_KEY_SECRET: undefined } });
  // As the engine does: the whole stack config, the admin secret arriving secret-wrapped.
  await host.configure({
    "soda:host": env.url,
    "soda:apiKeyId": env.admin.apiKeyId,
    "soda:apiKeySecret": wrapSecret(env.admin.apiKeySecret),
    "project:unrelated": "value",
  });
}, 60_000);

afterAll(async () => {
  await host?.close();
  project?.cleanup();
  await env?.close();
});

beforeEach(async () => {
  await env.control("POST", "/__emulator/reset");
});

describe("SodaAgentKey through Pulumi's provider host", () => {
  it("creates a key, sees the agent register on refresh, and deletes its runner", async () => {
    const created = await createAgentKey({ agentName: "host-agent" });
    expect(created.id).toBe(created.properties.apiKeyId);
    expect(created.properties).toMatchObject({ agentName: "host-agent", registered: false, runnerId: "", endpoint: env.url });
    expect((await env.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner")).toHaveLength(1);

    const { json } = await env.register(created.properties as { apiKeyId: string; apiKeySecret: string }, "host-agent");
    const refreshed = await host.read(created.id, AGENT_URN, created.properties);
    expect(refreshed.id).toBe(created.id);
    expect(refreshed.properties).toMatchObject({ registered: true, runnerId: json.runner.id, apiKeySecret: created.properties.apiKeySecret });

    const requests = await requestsDuring(() => host.delete(created.id, AGENT_URN, refreshed.properties));
    // The recorded runner is read first: it is deleted only while it still has the key's agent name.
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/runners/${json.runner.id}`, `DELETE /api/v1/runners/${json.runner.id}`]);
    expect((await env.state()).runners).toEqual([]);
  });

  it("rotates: a changed trigger is a delete-before-replace; a new period alone is no change", async () => {
    const created = await createAgentKey({ agentName: "rotating", rotationTriggers: { generation: "1" } });
    const same = await host.diff(created.id, AGENT_URN, created.properties, {
      __provider: providers.agentKey,
      agentName: "rotating",
      rotationTriggers: { generation: "1" },
    });
    expect(same).toMatchObject({ changes: "none", replaces: [] });
    const next = { __provider: providers.agentKey, agentName: "rotating", rotationTriggers: { generation: "2" } };
    const diff = await host.diff(created.id, AGENT_URN, created.properties, next);
    expect(diff).toMatchObject({ changes: "some", replaces: ["rotationTriggers"], deleteBeforeReplace: true });

    await host.delete(created.id, AGENT_URN, created.properties);
    const replacement = await createAgentKey({ agentName: "rotating", rotationTriggers: { generation: "2" } });
    expect(replacement.id).not.toBe(created.id);

    const withPeriod = { ...next, rotationPeriod: "30d" };
    const periodDiff = await host.diff(replacement.id, AGENT_URN, replacement.properties, withPeriod);
    expect(periodDiff).toMatchObject({ changes: "none", replaces: [] });
  });

  it("replaces a key whose rotation period has passed, visibly in diff", async () => {
    const created = await createAgentKey({ agentName: "periodic", rotationPeriod: "90d" });
    const news = { __provider: providers.agentKey, agentName: "periodic", rotationPeriod: "90d" };
    expect((await host.diff(created.id, AGENT_URN, created.properties, news)).changes).toBe("none");
    // Stored state from 91 days ago: the host's clock is the wall clock, so age the state instead.
    const aged = { ...created.properties, createdAt: new Date(Date.now() - 91 * 86_400_000).toISOString() };
    expect(await host.diff(created.id, AGENT_URN, aged, news)).toMatchObject({ changes: "some", replaces: ["rotationPeriod"], deleteBeforeReplace: true });
  });

  it("notices a runner deleted out of band: refresh reports the key gone", async () => {
    const created = await createAgentKey({ agentName: "oob" });
    const { json } = await env.register(created.properties as { apiKeyId: string; apiKeySecret: string }, "oob");
    const refreshed = await host.read(created.id, AGENT_URN, created.properties);
    await fetch(`${env.url}/api/v1/runners/${json.runner.id}`, {
      method: "DELETE",
      headers: { authorization: `Basic ${Buffer.from(`${env.admin.apiKeyId}:${env.admin.apiKeySecret}`).toString("base64")}` },
    });
    // The next `pulumi refresh` runs in a host of its own, as the engine starts one per command: reads within a
    // second of each other in one host share a list walk, and this one must see Soda as it is now.
    const next = await startProviderHost({ cwd: project.dir, env: { SODA_HOST: undefined, SODA_API_KEY_ID: undefined, SODA_API_KEY_SECRET: undefined } });
    try {
      await next.configure({ "soda:host": env.url, "soda:apiKeyId": env.admin.apiKeyId, "soda:apiKeySecret": wrapSecret(env.admin.apiKeySecret) });
      const gone = await next.read(created.id, AGENT_URN, refreshed.properties);
      expect(gone.id).toBe("");
    } finally {
      await next.close();
    }
  });

  it("refuses to delete a runner in use, naming it, and leaves it in place", async () => {
    const created = await createAgentKey({ agentName: "in-use" });
    const { json } = await env.register(created.properties as { apiKeyId: string; apiKeySecret: string }, "in-use");
    await env.control("PUT", `/__emulator/runners/${json.runner.id}/in-use`, { inUse: true });
    const error = await host.delete(created.id, AGENT_URN, created.properties).catch((e) => e);
    expect(error.message).toMatch(/refused to delete agent "in-use"/);
    expect(error.message).toContain(json.runner.id);
    expect(error.message).not.toContain(created.properties.apiKeySecret);
    expect((await env.state()).runners).toHaveLength(1);
  });

  it("finishes deleting a key that never registered, with a warning the engine shows", async () => {
    const created = await createAgentKey({ agentName: "unused" });
    await host.delete(created.id, AGENT_URN, created.properties);
    // The host's stderr arrives through a pipe: wait for the line rather than racing it.
    await host.waitForStderr(`(key ${created.id}) never registered`);
    const warning = host
      .stderr()
      .split("\n")
      .find((line) => line.includes(`(key ${created.id}) never registered`));
    expect(warning).toMatch(/^warning: SodaAgentKey "unused" \(key [0-9a-f-]+\) never registered an agent, and Soda Cloud has no API to revoke/);
  });

  it("refuses a name another agent holds", async () => {
    const first = await createAgentKey({ agentName: "taken" });
    await env.register(first.properties as { apiKeyId: string; apiKeySecret: string }, "taken");
    await expect(createAgentKey({ agentName: "taken" })).rejects.toThrow(/already registered/);
  });

  it("previews with unknowns: check and diff pass and make no request", async () => {
    const created = await createAgentKey({ agentName: "preview" });
    const requests = await requestsDuring(async () => {
      const checked = await host.check(AGENT_URN, created.properties, {
        __provider: providers.agentKey,
        agentName: UNKNOWN,
        rotationTriggers: { image: UNKNOWN },
      });
      expect(checked.failures).toEqual([]);
      const diff = await host.diff(created.id, AGENT_URN, created.properties, { __provider: providers.agentKey, agentName: UNKNOWN });
      expect(diff).toMatchObject({ changes: "some", replaces: ["agentName"], deleteBeforeReplace: true });
    });
    expect(requests).toEqual([]);
  });

  it("reports bad input from Check, naming the property", async () => {
    const checked = await host.check(AGENT_URN, {}, { __provider: providers.agentKey, agentName: "bad/name", rotationPeriod: "1 fortnight" });
    expect(checked.failures.map((f) => f.property)).toEqual(["agentName", "rotationPeriod"]);
  });
});

describe("SodaApiKey through Pulumi's provider host", () => {
  it("verifies with the key itself, then drops a key Soda revoked", async () => {
    const key = await env.newApiKey([]);
    const news = { __provider: providers.apiKey, apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret };
    const checked = await host.check(API_URN, {}, news);
    expect(checked.failures).toEqual([]);
    const created = await host.create(API_URN, checked.inputs);
    expect(created.properties).toMatchObject({ organisationName: expect.any(String), apiKeyId: key.apiKeyId });
    expect(String(created.properties.sodaCloudConfig)).toContain(key.apiKeySecret);

    expect((await host.read(created.id, API_URN, created.properties)).properties).toEqual(created.properties);
    await env.control("DELETE", `/__emulator/api-keys/${key.apiKeyId}`);
    expect((await host.read(created.id, API_URN, created.properties)).id).toBe("");

    const error = await host.create(API_URN, checked.inputs).catch((e) => e);
    expect(error.message).toMatch(/does not accept API key/);
    expect(error.message).not.toContain(key.apiKeySecret);
  });

  it("warns on delete that the key stays valid, unless this process created it again (a replacement)", async () => {
    const key = await env.newApiKey();
    const created = await host.create(API_URN, { __provider: providers.apiKey, ...key });
    await host.delete(created.id, API_URN, created.properties);
    // A destroy runs in a provider host of its own.
    const destroyHost = await startProviderHost({ cwd: project.dir, env: { SODA_HOST: undefined } });
    try {
      await destroyHost.configure({ "soda:host": env.url });
      await destroyHost.delete(created.id, API_URN, created.properties);
      await destroyHost.waitForStderr(`SodaApiKey (key ${key.apiKeyId})`);
      expect(destroyHost.stderr()).toMatch(new RegExp(`^warning: SodaApiKey \\(key ${key.apiKeyId}\\): .*the key stays valid`, "m"));
    } finally {
      await destroyHost.close();
    }
    expect(host.stderr()).not.toContain(`SodaApiKey (key ${key.apiKeyId})`);
  });
});

describe("what leaves the provider host", () => {
  it("never writes a key secret or the admin secret to its output", async () => {
    const created = await createAgentKey({ agentName: "hygiene" });
    await host.delete(created.id, AGENT_URN, created.properties).catch(() => undefined);
    const output = host.stderr() + host.stdout();
    expect(output).not.toContain(env.admin.apiKeySecret);
    expect(output).not.toContain(String(created.properties.apiKeySecret));
  });
});
