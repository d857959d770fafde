import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProcessContext } from "../../provider/config/context";
import { apiKeyLifecycle } from "../../provider/resources/api-key";
import { dynamicLifecycle } from "../../provider/dynamic/front-end";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";

let env: EmulatorFixture;
let ctx: ProcessContext;
let warnings: string[];

function lifecycle() {
  // No admin credentials: a SodaApiKey verifies with its own key.
  ctx = new ProcessContext({ clock: new FakeClock("2026-03-01T00:00:00.000Z", true), env: { SODA_HOST: env.url }, warn: (m) => warnings.push(m) });
  // What Pulumi's dynamic provider host sees: the lifecycle behind the dynamic front end.
  return dynamicLifecycle(apiKeyLifecycle(ctx));
}

beforeEach(async () => {
  warnings = [];
  env = await emulatorFixture({ organisation: "Acme Data" });
});
afterEach(async () => {
  await ctx?.close();
  await env.close();
});

describe("SodaApiKey lifecycle", () => {
  it("verifies the key with itself and exposes a Soda Core configuration", async () => {
    const key = await env.newApiKey([]);
    const { id, outs } = await lifecycle().create({ ...key, rotationTriggers: { owner: "data-team" } });
    expect(id).toBe(key.apiKeyId);
    expect(outs).toEqual({
      stateVersion: 1,
      apiKeyId: key.apiKeyId,
      apiKeySecret: key.apiKeySecret,
      rotationTriggers: { owner: "data-team" },
      organisationName: "Acme Data",
      endpoint: env.url,
      verifiedAt: "2026-03-01T00:00:00.000Z",
      sodaCloudConfig: expect.stringContaining(`api_key_secret: "${key.apiKeySecret}"`),
    });
    expect(env.emulator.requests().map((r) => r.path)).toEqual(["/api/v1/test-login"]);
  });

  it("explains a rejected key without echoing its secret", async () => {
    const key = await env.newApiKey();
    await env.control("DELETE", `/__emulator/api-keys/${key.apiKeyId}`);
    const error = await lifecycle()
      .create(key)
      .catch((e) => e);
    expect(error.message).toMatch(/does not accept API key .*revoked.*other region/);
    expect(error.message).not.toContain(key.apiKeySecret);
  });

  it("refresh keeps a healthy key unchanged and drops a revoked one", async () => {
    const provider = lifecycle();
    const key = await env.newApiKey();
    const { id, outs } = await provider.create(key);
    expect(await provider.read(id, outs)).toEqual({ id, props: outs });
    await env.control("DELETE", `/__emulator/api-keys/${key.apiKeyId}`);
    expect(await provider.read(id, outs)).toEqual({});
  });

  it("refresh fails loudly on other errors rather than dropping the key", async () => {
    const provider = lifecycle();
    const key = await env.newApiKey();
    const { id, outs } = await provider.create(key);
    await env.faults([{ path: "/api/v1/test-login", status: 403 }]);
    await expect(provider.read(id, outs)).rejects.toThrow(/permission/);
  });

  it("diff replaces on a new id, secret or trigger, and nothing else", async () => {
    const provider = lifecycle();
    const old = { stateVersion: 1, apiKeyId: "i", apiKeySecret: "s", organisationName: "o", endpoint: "e", verifiedAt: "v", sodaCloudConfig: "c" };
    expect(await provider.diff("i", old, { apiKeyId: "i", apiKeySecret: "s" })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await provider.diff("i", old, { apiKeyId: "j", apiKeySecret: "s" })).replaces).toEqual(["apiKeyId"]);
    expect((await provider.diff("i", old, { apiKeyId: "i", apiKeySecret: "t" })).replaces).toEqual(["apiKeySecret"]);
    expect((await provider.diff("i", old, { apiKeyId: "i", apiKeySecret: "s", rotationTriggers: { a: "b" } })).replaces).toEqual(["rotationTriggers"]);
    expect(env.emulator.requests()).toEqual([]);
  });

  it("delete warns that the key stays valid", async () => {
    const key = await env.newApiKey();
    const { id, outs } = await lifecycle().create(key);
    await ctx.close();
    await lifecycle().delete(id, outs);
    expect(warnings).toEqual([expect.stringMatching(/no API to revoke API keys.*stays valid.*Profile > API Keys/)]);
    expect(warnings[0]).not.toContain(key.apiKeySecret);
  });

  // Regression: a replacement keeping the key id (new rotationTriggers, `up --replace`) creates the new resource
  // first, in the same provider process, then deletes the old one, and told the user to revoke a key in use.
  it("delete does not ask to revoke a key this process created again (a replacement keeping the key id)", async () => {
    const provider = lifecycle();
    const key = await env.newApiKey();
    const old = await provider.create({ ...key, rotationTriggers: { generation: "1" } });
    await provider.create({ ...key, rotationTriggers: { generation: "2" } });
    await provider.delete(old.id, old.outs);
    expect(warnings).toEqual([]);
  });
});
