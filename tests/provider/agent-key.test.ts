import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProcessContext } from "../../provider/config/context";
import { agentKeyLifecycle } from "../../provider/resources/agent-key";
import { dynamicLifecycle } from "../../provider/dynamic/front-end";
import { UNKNOWN } from "../../provider/engine/unknowns";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";

let env: EmulatorFixture;
let ctx: ProcessContext;
let clock: FakeClock;
let warnings: string[];

/** The stored outputs of a key of `agentName` as the first state version wrote them, at this emulator. */
function firstVersionState(agentName: string) {
  return {
    stateVersion: 1,
    agentName,
    apiKeyId: "k",
    apiKeySecret: "s",
    endpoint: env.url,
    createdAt: "2026-01-01T00:00:00.000Z",
    runnerId: "",
    registered: false,
  };
}

function lifecycle(credentials?: { apiKeyId: string; apiKeySecret: string }) {
  const key = credentials ?? env.admin;
  ctx = new ProcessContext({
    clock,
    env: { SODA_HOST: env.url, SODA_API_KEY_ID: key.apiKeyId, SODA_API_KEY_SECRET: key.apiKeySecret },
    warn: (m) => warnings.push(m),
  });
  // What Pulumi's dynamic provider host sees: the lifecycle behind the dynamic front end.
  return dynamicLifecycle(agentKeyLifecycle(ctx));
}

const requestCount = () => env.emulator.requests().length;
/** A later `pulumi refresh` (a new process, for the engine): past the second in which reads share one list walk. */
const later = () => clock.advance(1_001);

beforeEach(async () => {
  clock = new FakeClock("2026-03-01T00:00:00.000Z", true);
  warnings = [];
  env = await emulatorFixture();
});
afterEach(async () => {
  await ctx?.close();
  await env.close();
});

describe("SodaAgentKey lifecycle", () => {
  it("creates a key with one name check and one POST, recording every output", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ __provider: "x", agentName: "prod-agent", rotationPeriod: "90d" });
    expect(id).toBe(outs.apiKeyId);
    expect(outs).toEqual({
      stateVersion: 1,
      agentName: "prod-agent",
      rotationPeriod: "90d",
      apiKeyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      apiKeySecret: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
      endpoint: env.url,
      createdAt: "2026-03-01T00:00:00.000Z",
      runnerId: "",
      registered: false,
    });
    expect(env.emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/v1/runners", "POST /api/v1/runners"]);
    expect(Object.values(outs)).not.toContain(undefined);
  });

  it("refuses to create a key for a name another agent holds", async () => {
    const provider = lifecycle();
    const { outs } = await provider.create({ agentName: "taken" });
    await env.register(outs, "taken");
    await expect(provider.create({ agentName: "taken" })).rejects.toThrow(
      /^An agent named "taken" is already registered in Soda Cloud \(runner [0-9a-f-]+\), and agent names are unique/,
    );
    expect((await env.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner")).toHaveLength(1);
  });

  it("sees the agent register on refresh, then notices out-of-band deletion", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "a1" });
    const unregistered = await provider.read(id, outs);
    expect(unregistered).toEqual({ id, props: outs });

    const { json } = await env.register(outs, "a1");
    later();
    const refreshed = await provider.read(id, outs);
    expect(refreshed.props).toEqual({ ...outs, runnerId: json.runner.id, registered: true });

    later();
    const before = requestCount();
    expect(await provider.read(id, refreshed.props)).toEqual(refreshed);
    expect(requestCount() - before).toBe(1);

    later();
    await fetch(`${env.url}/api/v1/runners/${json.runner.id}`, {
      method: "DELETE",
      headers: { authorization: `Basic ${Buffer.from(`${env.admin.apiKeyId}:${env.admin.apiKeySecret}`).toString("base64")}` },
    });
    expect(await provider.read(id, refreshed.props)).toEqual({});
  });

  it("deletes the registered runner, which revokes the key", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "a2" });
    await env.register(outs, "a2");
    const { props } = await provider.read(id, outs);
    const before = requestCount();
    await provider.delete(id, props);
    // It reads the recorded runner first: only a runner that still has the key's agent name is deleted.
    expect(
      env.emulator
        .requests()
        .slice(before)
        .map((r) => r.method),
    ).toEqual(["GET", "DELETE"]);
    const state = await env.state();
    expect(state.runners).toEqual([]);
    expect(state.apiKeys.find((k: { apiKeyId: string }) => k.apiKeyId === id).revoked).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("finds the runner by name when refresh has not recorded it yet", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "a3" });
    await env.register(outs, "a3");
    await provider.delete(id, outs);
    expect((await env.state()).runners).toEqual([]);
  });

  it("treats a runner already gone as deleted", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "a4" });
    await provider.delete(id, { ...outs, runnerId: "00000000-0000-0000-0000-000000000000", registered: true });
  });

  it("warns, and finishes, when the key never registered", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "never" });
    await provider.delete(id, outs);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/never registered an agent.*no API to revoke/);
    expect(warnings[0]).not.toContain(outs.apiKeySecret);
  });

  it("refuses to delete a runner in use, saying which and what to do", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "busy" });
    const { json } = await env.register(outs, "busy");
    await env.control("PUT", `/__emulator/runners/${json.runner.id}/in-use`, { inUse: true });
    const error = await provider.delete(id, outs).catch((e) => e);
    expect(error.message).toMatch(/refused to delete agent "busy"/);
    expect(error.message).toContain(json.runner.id);
    // Both readings of Soda's "in use", each with its way out.
    expect(error.message).toMatch(/it is in use, and Soda does not say how/);
    expect(error.message).toMatch(/If scans are running on it, wait for running scans to finish/);
    expect(error.message).toMatch(/if data sources are assigned to it, assign them to another agent in Soda Cloud/);
    expect(error.message).not.toContain(outs.apiKeySecret);
  });

  describe("diff", () => {
    const old = {
      stateVersion: 1,
      agentName: "a",
      rotationTriggers: { v: "1", w: "2" },
      rotationPeriod: "30d",
      apiKeyId: "k",
      apiKeySecret: "s",
      endpoint: "https://cloud.soda.io",
      createdAt: "2026-03-01T00:00:00.000Z",
      runnerId: "",
      registered: false,
      __provider: "old",
    };
    const news = { agentName: "a", rotationTriggers: { v: "1", w: "2" }, rotationPeriod: "30d", __provider: "new" };

    it.each<[string, Record<string, unknown>, number, { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }]>([
      ["nothing changed", news, 0, { changes: false, replaces: [], deleteBeforeReplace: true }],
      ["triggers in another order", { ...news, rotationTriggers: { w: "2", v: "1" } }, 0, { changes: false, replaces: [], deleteBeforeReplace: true }],
      ["a trigger changed", { ...news, rotationTriggers: { v: "1", w: "3" } }, 0, { changes: true, replaces: ["rotationTriggers"], deleteBeforeReplace: true }],
      ["a new name", { ...news, agentName: "b" }, 0, { changes: true, replaces: ["agentName"], deleteBeforeReplace: true }],
      ["the period is due", news, 30 * 86_400_000, { changes: true, replaces: ["rotationPeriod"], deleteBeforeReplace: true }],
      ["the period is not due yet", news, 30 * 86_400_000 - 1, { changes: false, replaces: [], deleteBeforeReplace: true }],
      // A new period alone changes nothing remote; reported as an update, the preview would show every output unknown.
      ["a longer period, not due", { ...news, rotationPeriod: "60d" }, 40 * 86_400_000, { changes: false, replaces: [], deleteBeforeReplace: true }],
      // Regression: refresh diffs the inputs stored by the last up; their check time, not the clock, decides.
      [
        "due now, but not when check last ran",
        { ...news, __checkedAt: "2026-03-10T00:00:00.000Z" },
        40 * 86_400_000,
        { changes: false, replaces: [], deleteBeforeReplace: true },
      ],
      [
        "a period change that replaceOnChanges names, requested after creation",
        { ...news, rotationPeriod: "60d", __replaceOnChanges: ["rotationPeriod"], __replaceRequestedAt: "2026-03-02T00:00:00.000Z" },
        0,
        { changes: true, replaces: ["rotationPeriod"], deleteBeforeReplace: true },
      ],
      [
        "a replacement requested before this key was created",
        { ...news, __replaceOnChanges: ["rotationPeriod"], __replaceRequestedAt: "2026-02-01T00:00:00.000Z" },
        0,
        { changes: false, replaces: [], deleteBeforeReplace: true },
      ],
      ["a trigger removed", { ...news, rotationTriggers: { v: "1" } }, 0, { changes: true, replaces: ["rotationTriggers"], deleteBeforeReplace: true }],
      [
        "the period removed",
        { agentName: "a", rotationTriggers: { v: "1", w: "2" } },
        400 * 86_400_000,
        { changes: false, replaces: [], deleteBeforeReplace: true },
      ],
      ["an unknown name (preview)", { ...news, agentName: UNKNOWN }, 0, { changes: true, replaces: ["agentName"], deleteBeforeReplace: true }],
      [
        "an unknown trigger (preview)",
        { ...news, rotationTriggers: { v: UNKNOWN } },
        0,
        { changes: true, replaces: ["rotationTriggers"], deleteBeforeReplace: true },
      ],
    ])("%s", async (_label, next, elapsed, expected) => {
      const provider = lifecycle();
      clock.advance(elapsed);
      expect(await provider.diff("k", old, next)).toEqual(expected);
      expect(requestCount()).toBe(0);
    });
  });

  it("check makes no request and passes unknown values", async () => {
    const provider = lifecycle();
    expect(await provider.check({}, { agentName: UNKNOWN, __provider: "p" })).toEqual({
      inputs: { agentName: UNKNOWN, __provider: "p", __endpoint: env.url },
      failures: [],
    });
    expect((await provider.check({}, { agentName: "" })).failures).toEqual([{ property: "agentName", reason: "must not be empty" }]);
    expect(requestCount()).toBe(0);
  });

  it("update changes nothing remote: it stores the new rotationPeriod and keeps the key (every other change is a replacement)", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "u", rotationPeriod: "30d" });
    const before = requestCount();
    expect((await provider.update(id, outs, { agentName: "u", rotationPeriod: "60d" })).outs).toEqual({ ...outs, rotationPeriod: "60d" });
    const { rotationPeriod: _dropped, ...withoutPeriod } = outs;
    expect((await provider.update(id, outs, { agentName: "u" })).outs).toEqual(withoutPeriod);
    expect(requestCount()).toBe(before);
  });

  it("the core reports a new period that is not due as an update, which the dynamic front end reports as no change", async () => {
    lifecycle();
    const core = agentKeyLifecycle(ctx);
    const { id, outs } = await core.create({ agentName: "p", rotationPeriod: "30d" });
    expect(await core.diff(id, outs, { agentName: "p", rotationPeriod: "60d" })).toEqual({
      replaces: [],
      updates: ["rotationPeriod"],
      deleteBeforeReplace: true,
    });
    expect(await dynamicLifecycle(core).diff(id, outs, { agentName: "p", rotationPeriod: "60d" })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  it("check refuses a key whose agentName another key of the stack claimed first, naming it", async () => {
    const { failures } = await lifecycle().check({}, { agentName: "shared", __agentNameTakenBy: "first" });
    expect(failures).toEqual([{ property: "agentName", reason: expect.stringMatching(/^is also the agentName of SodaAgentKey "first" in this stack\./) }]);
    const preview = await lifecycle().check({}, { agentName: UNKNOWN, __agentNameTakenBy: UNKNOWN });
    expect(preview.failures).toEqual([]);
  });

  it("check stamps the inputs with its time when a period is set, and asks for a replacement that replaceOnChanges names", async () => {
    const provider = lifecycle();
    const olds = { agentName: "u", rotationPeriod: "30d" };
    const plain = await provider.check(olds, { agentName: "u" });
    expect(plain.inputs).toEqual({ agentName: "u", __endpoint: env.url });
    const stamped = await provider.check(olds, { agentName: "u", rotationPeriod: "60d" });
    expect(stamped.inputs).toEqual({ agentName: "u", rotationPeriod: "60d", __checkedAt: "2026-03-01T00:00:00.000Z", __endpoint: env.url });
    const requested = await provider.check(olds, { agentName: "u", rotationPeriod: "60d", __replaceOnChanges: ["rotationPeriod"] });
    expect(requested.inputs).toMatchObject({ __replaceRequestedAt: "2026-03-01T00:00:00.000Z" });
    const unchanged = await provider.check(olds, { agentName: "u", rotationPeriod: "30d", __replaceOnChanges: ["rotationPeriod"] });
    expect(unchanged.inputs).not.toHaveProperty("__replaceRequestedAt");
    expect(requested.failures).toEqual([]);
  });

  it("names both ways to set credentials when none are set", async () => {
    ctx = new ProcessContext({ clock, env: { SODA_HOST: env.url } });
    await expect(agentKeyLifecycle(ctx).create({ agentName: "x" })).rejects.toThrow(/soda:apiKeyId.*SODA_API_KEY_ID/s);
  });

  it("says where rejected admin credentials come from, both ways (401)", async () => {
    const revoked = await env.newApiKey();
    await env.control("DELETE", `/__emulator/api-keys/${revoked.apiKeyId}`);
    const provider = lifecycle(revoked);
    for (const attempt of [provider.create({ agentName: "x" }), provider.read("k", firstVersionState("x"))]) {
      const error = await attempt.catch((e) => e);
      expect(error.message).toMatch(
        /^Soda Cloud \(http:\/\/127\.0\.0\.1:\d+\) rejected the admin key SodaAgentKey uses \(soda:apiKeyId, else SODA_API_KEY_ID\): it is unknown, revoked, or of the other region\. Set a valid key/,
      );
      // Either half may be the wrong one: the key id as much as its secret.
      expect(error.message).toContain("Set a valid key, id and secret: soda:apiKeyId and soda:apiKeySecret (or SODA_API_KEY_ID and SODA_API_KEY_SECRET).");
      expect(error.message.indexOf("Detail: ")).toBeLessThan(400);
      expect(error.message).not.toContain(revoked.apiKeySecret);
    }
  });

  it("explains a key without the agent permission (403)", async () => {
    const user = await env.newApiKey([]);
    const error = await lifecycle(user)
      .create({ agentName: "x" })
      .catch((e) => e);
    expect(error.message).toContain("MANAGE_DATASOURCES_AND_AGENTS");
    expect(error.message).not.toContain(user.apiKeySecret);
  });

  it("reads state of the first version and refuses state of a newer one", async () => {
    const provider = lifecycle();
    const v1 = firstVersionState("old");
    expect(await provider.read("k", v1)).toEqual({ id: "k", props: v1 });
    await expect(provider.read("k", { ...v1, stateVersion: 2 })).rejects.toThrow(/newer pulumi-soda-cloud/);
  });
});
