import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProcessContext } from "../../provider/config/context";
import { agentKeyLifecycle } from "../../provider/resources/agent-key";
import { dynamicLifecycle } from "../../provider/dynamic/front-end";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";

/**
 * A SodaAgentKey acts only on a runner it can show is its own (provider/resources/runner-ownership.ts), and every
 * operation on an existing key goes to the endpoint it was created at.
 */
let env: EmulatorFixture;
let ctx: ProcessContext;
let warnings: string[];
let clock: FakeClock;

function lifecycle(extraEnv: Record<string, string> = {}) {
  clock = new FakeClock("2026-03-01T00:00:00.000Z", true);
  ctx = new ProcessContext({
    clock,
    env: { SODA_HOST: env.url, SODA_API_KEY_ID: env.admin.apiKeyId, SODA_API_KEY_SECRET: env.admin.apiKeySecret, ...extraEnv },
    warn: (m) => warnings.push(m),
  });
  // What Pulumi's dynamic provider host sees: the lifecycle behind the dynamic front end.
  return dynamicLifecycle(agentKeyLifecycle(ctx));
}

const runners = async () => (await env.state()).runners as { id: string; name: string }[];
const revoked = async (apiKeyId: string) => (await env.state()).apiKeys.find((k: { apiKeyId: string }) => k.apiKeyId === apiKeyId).revoked as boolean;

beforeEach(async () => {
  warnings = [];
  env = await emulatorFixture();
});
afterEach(async () => {
  await ctx?.close();
  await env.close();
});

describe("SodaAgentKey ownership", () => {
  it("records a runner under its name on refresh when no other key of the stack can claim it", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "solo" });
    const { json } = await env.register(outs, "solo");
    expect((await provider.read(id, outs)).props).toMatchObject({ runnerId: json.runner.id, registered: true });
    expect(warnings).toEqual([]);
  });

  it("never gives one runner to two keys of one name: refresh records it for neither, and says so for each", async () => {
    const provider = lifecycle();
    const first = await provider.create({ agentName: "twin" });
    const second = await provider.create({ agentName: "twin" });
    await env.register(second.outs, "twin");
    expect((await provider.read(first.id, first.outs)).props).toMatchObject({ runnerId: "", registered: false });
    expect((await provider.read(second.id, second.outs)).props).toMatchObject({ runnerId: "", registered: false });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^SodaAgentKey "twin" \\(key ${first.id}\\): agent "twin" \\(runner [0-9a-f-]+\\) was left alone because key ${second.id} of this stack has the same agent name`,
      ),
    );
    for (const warning of warnings) expect(warning.length).toBeLessThan(400);
  });

  it.each([
    ["the unused key", 0],
    ["the registered key", 1],
  ])("destroying two keys of one name leaves their runner alone whichever goes first (%s)", async (_label, firstIndex) => {
    const provider = lifecycle();
    const keys = [await provider.create({ agentName: "shared" }), await provider.create({ agentName: "shared" })];
    await env.register(keys[1].outs, "shared");
    await provider.delete(keys[firstIndex].id, keys[firstIndex].outs);
    await provider.delete(keys[1 - firstIndex].id, keys[1 - firstIndex].outs);
    expect(await runners()).toHaveLength(1);
    expect(await revoked(keys[1].id)).toBe(false);
    expect(warnings).toHaveLength(2);
    for (const warning of warnings) expect(warning).toMatch(/was left alone because key [0-9a-f-]+ of this stack has the same agent name/);
  });

  it("refresh leaves alone a Soda-hosted runner under the key's name", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "hosted" });
    await env.control("POST", "/__emulator/agents/register", { apiKeyId: outs.apiKeyId, apiKeySecret: outs.apiKeySecret, name: "hosted", type: "SODA_HOSTED" });
    expect((await provider.read(id, outs)).props).toMatchObject({ runnerId: "", registered: false });
    expect(warnings).toEqual([expect.stringMatching(/was left alone because it is a Soda-hosted agent, which no agent key can register/)]);
  });

  it("a replaced key's delete never removes the runner its successor's agent registered (create-first replacement)", async () => {
    const provider = lifecycle();
    const old = await provider.create({ agentName: "rotating" });
    const successor = await provider.create({ agentName: "rotating" });
    await env.register(successor.outs, "rotating");
    await provider.delete(old.id, old.outs);
    expect(await runners()).toHaveLength(1);
    expect(await revoked(successor.id)).toBe(false);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^SodaAgentKey "rotating" \(key [0-9a-f-]+\): agent "rotating" \(runner [0-9a-f-]+\) was left alone because key [0-9a-f-]+ of this stack has the same agent name/,
      ),
    ]);
  });

  it("a delete-first replacement revokes the old key and leaves the name free for the new one", async () => {
    const provider = lifecycle();
    const old = await provider.create({ agentName: "rotating" });
    await env.register(old.outs, "rotating");
    await provider.delete(old.id, old.outs);
    expect(await revoked(old.id)).toBe(true);
    const successor = await provider.create({ agentName: "rotating" });
    expect((await env.register(successor.outs, "rotating")).status).toBe(200);
    expect(warnings).toEqual([]);
  });

  it("delete leaves alone a recorded runner that no longer has the key's agent name, and says the key stays valid", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "before" });
    await env.register(outs, "before");
    const { props } = await provider.read(id, outs);
    await env.register(outs, "after");
    await provider.delete(id, props);
    expect(await runners()).toEqual([expect.objectContaining({ name: "after" })]);
    expect(await revoked(id)).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/is now named "after", so destroy and rotation leave it alone and the key stays valid/)]);
  });

  it("refresh says what it dropped: a recorded runner deleted out of band, and what the next up does", async () => {
    const provider = lifecycle();
    const { id, outs } = await provider.create({ agentName: "dropped" });
    const { json } = await env.register(outs, "dropped");
    const { props } = await provider.read(id, outs);
    await fetch(`${env.url}/api/v1/runners/${json.runner.id}`, {
      method: "DELETE",
      headers: { authorization: `Basic ${Buffer.from(`${env.admin.apiKeyId}:${env.admin.apiKeySecret}`).toString("base64")}` },
    });
    // The next refresh: past the second in which the reads of one process share a list walk.
    clock.advance(1_001);
    expect(await provider.read(id, props)).toEqual({});
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^SodaAgentKey "dropped" \\(key ${id}\\): its agent \\(runner ${json.runner.id}\\) was deleted in Soda Cloud.*The next \`pulumi up\` creates a new key`,
        ),
      ),
    ]);
  });
});

describe("SodaAgentKey endpoint", () => {
  it("reads and deletes an existing key where it was created, whatever the config points at now", async () => {
    const { id, outs } = await lifecycle().create({ agentName: "lives-here" });
    await env.register(outs, "lives-here");
    // The config now points at a host where nothing listens.
    const moved = lifecycle({ SODA_HOST: "http://127.0.0.1:1" });
    const { props } = await moved.read(id, outs);
    expect(props).toMatchObject({ registered: true, endpoint: env.url });
    await moved.delete(id, props);
    expect(await revoked(id)).toBe(true);
  });

  it("says where the key lives when the admin key of a moved config is rejected there", async () => {
    const { id, outs } = await lifecycle().create({ agentName: "lives-here" });
    const elsewhere = await emulatorFixture();
    try {
      const moved = lifecycle({ SODA_HOST: elsewhere.url, SODA_API_KEY_ID: elsewhere.admin.apiKeyId, SODA_API_KEY_SECRET: elsewhere.admin.apiKeySecret });
      for (const attempt of [moved.read(id, outs), moved.delete(id, outs)]) {
        const error = (await attempt.catch((e: Error) => e)) as Error;
        expect(error.message).toMatch(
          new RegExp(
            `^Soda Cloud \\(${env.url}\\) rejected the admin key .* The key lives there, but the config points at ${elsewhere.url}: set the old soda:host and admin key back and add \`--run-program\`\\.`,
          ),
        );
        expect(error.message.indexOf(" Detail: ")).toBeLessThan(400);
        expect(error.message).not.toContain(elsewhere.admin.apiKeySecret);
      }
      expect(elsewhere.emulator.requests()).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it("refuses at preview a config that moved away from where the key lives, saying how to move it", async () => {
    const { outs } = await lifecycle().create({ agentName: "stays" });
    const moved = lifecycle({ SODA_HOST: "http://127.0.0.1:1" });
    const { inputs } = await moved.check({ agentName: "stays" }, { agentName: "stays" });
    expect(inputs.__endpoint).toBe("http://127.0.0.1:1");
    const error = await moved.diff(outs.apiKeyId, outs, inputs).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `SodaAgentKey "stays" (key ${outs.apiKeyId}) was created at ${env.url}, but SODA_HOST now points at http://127.0.0.1:1. A key lives where it was created. ` +
        "Set the old endpoint back, or move the key: `pulumi destroy --target <urn> --run-program` with the old endpoint and admin key, then `pulumi up` with the new.",
    );
    expect((error as Error).message.length).toBeLessThan(400);
    // The stored inputs of the last up (what refresh diffs) carry the old endpoint: no move.
    const { inputs: stored } = await lifecycle().check({}, { agentName: "stays" });
    expect((await moved.diff(outs.apiKeyId, outs, stored)).changes).toBe(false);
  });
});

describe("settings at preview", () => {
  it.each([
    [{ SODA_HOST: "http://soda.example.com" }, /^SodaAgentKey: SODA_HOST "http:\/\/soda\.example\.com" uses plain http/],
    [{ SODA_HOST: "not a url" }, /^SodaAgentKey: SODA_HOST "not a url" is not a valid URL/],
    [{ SODA_API_KEY_ID: "" }, /^SodaAgentKey needs admin credentials for Soda Cloud and found none/],
  ])("check refuses %j without a request, as one failure of the resource as a whole", async (extraEnv, message) => {
    const before = env.emulator.requests().length;
    const { failures } = await lifecycle(extraEnv).check({}, { agentName: "a" });
    expect(failures).toEqual([{ property: "", reason: expect.stringMatching(message) }]);
    expect(env.emulator.requests().length).toBe(before);
  });

  it("a key recorded at an endpoint, checked where none is configured, says so instead of planning a move", async () => {
    const recorded = { __endpoint: "https://cloud.us.soda.io", agentName: "a" };
    const { failures } = await lifecycle({ SODA_HOST: "" }).check(recorded, { agentName: "a" });
    expect(failures).toEqual([
      {
        property: "",
        reason:
          "SodaAgentKey: no Soda Cloud endpoint is configured (soda:host, soda:region or SODA_HOST), and this key lives at https://cloud.us.soda.io. " +
          "Set it again: `pulumi config set soda:host https://cloud.us.soda.io`, or SODA_HOST=https://cloud.us.soda.io in the environment. " +
          "To move the key to the default region instead, set soda:region explicitly.",
      },
    ]);
    // A key recorded at the default region's endpoint is where the default points: nothing to say.
    expect((await lifecycle({ SODA_HOST: "" }).check({ __endpoint: "https://cloud.soda.io", agentName: "a" }, { agentName: "a" })).failures).toEqual([]);
  });

  it("plain http to another host passes only with the opt-in, and then warns loudly, once per process", async () => {
    const provider = lifecycle({ SODA_HOST: "http://soda-emulator:8080", SODA_ALLOW_INSECURE_HTTP: "true" });
    await provider.check({}, { agentName: "a" });
    await provider.check({}, { agentName: "b" });
    expect(warnings).toEqual([expect.stringMatching(/^INSECURE: http:\/\/soda-emulator:8080 is plain http to a host that is not loopback/)]);
  });
});
