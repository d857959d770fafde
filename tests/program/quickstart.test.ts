import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { repoRoot } from "../support/project-dir";
import { isSecretWrapped } from "../support/pulumi-grpc";
import { plain, secretLeaks } from "../support/secret-scan";
import { StandInEngine, assertSucceeded, type OperationResult } from "../support/stand-in-engine";

const AGENT_KEY = "pulumi-nodejs:dynamic/soda:AgentKey";

let env: EmulatorFixture;
let engine: StandInEngine;
let userKey: { apiKeyId: string; apiKeySecret: string };
let config: Record<string, string | { secret: string }>;
const results: OperationResult[] = [];

function agentKeyState() {
  const state = engine.find("agent-key", AGENT_KEY);
  if (state === undefined) throw new Error("the agent key is not in state");
  return { id: state.id, outputs: plain<Record<string, any>>(state.outputs) };
}

async function run(op: () => Promise<OperationResult>): Promise<OperationResult> {
  const result = await op();
  results.push(result);
  assertSucceeded(result);
  return result;
}

beforeAll(async () => {
  env = await emulatorFixture({ organisation: "Quickstart Org" });
  userKey = await env.newApiKey([]);
  // The quickstart as a user runs it from a checkout: the repository root is the Pulumi project.
  config = {
    "soda:host": env.url,
    "soda:apiKeyId": env.admin.apiKeyId,
    "soda:apiKeySecret": { secret: env.admin.apiKeySecret },
    apiKeyId: userKey.apiKeyId,
    apiKeySecret: { secret: userKey.apiKeySecret },
    agentName: "quickstart-agent",
  };
  engine = await StandInEngine.start({ projectDir: repoRoot, config });
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await env?.close();
});

describe("the quickstart program through Pulumi's language runtime and provider host", () => {
  it("up creates an agent key in Soda Cloud and keeps every secret secret", async () => {
    const result = await run(() => engine.up());
    const { id, outputs } = agentKeyState();
    const state = await env.state();
    expect(state.apiKeys.filter((k: { kind: string }) => k.kind === "runner").map((k: { apiKeyId: string }) => k.apiKeyId)).toEqual([id]);
    expect(result.stackOutputs?.agentKeyId).toBe(id);
    expect(isSecretWrapped(result.stackOutputs?.agentKeySecret)).toBe(true);
    expect(isSecretWrapped(result.stackOutputs?.sodaCloudConfig)).toBe(true);
    expect(result.stackOutputs?.organisation).toBe("Quickstart Org");
    expect(result.stackOutputs?.agentRegistered).toBe(false);
    expect(secretLeaks(result, [outputs.apiKeySecret, env.admin.apiKeySecret, userKey.apiKeySecret])).toEqual([]);
  });

  it("refresh sees the agent register", async () => {
    const { outputs } = agentKeyState();
    const { json } = await env.register(outputs as { apiKeyId: string; apiKeySecret: string }, "quickstart-agent");
    await run(() => engine.refresh());
    expect(agentKeyState().outputs).toMatchObject({ registered: true, runnerId: json.runner.id });
  });

  it("a second up with nothing changed does nothing", async () => {
    const before = env.emulator.requests().length;
    const result = await run(() => engine.up());
    expect(result.operations.filter((o) => o.op !== "same")).toEqual([]);
    expect(env.emulator.requests().slice(before).filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("rotation replaces the key, deleting the old runner first", async () => {
    const old = agentKeyState();
    engine.setConfig({ ...config, rotation: "2" });
    const result = await run(() => engine.up());
    const steps = result.operations.filter((o) => o.name === "agent-key").map((o) => `${o.op}${o.reason ? `(${o.reason})` : ""}`);
    expect(steps).toEqual(["delete(replace)", "create(replace)", "replace"]);
    const rotated = agentKeyState();
    expect(rotated.id).not.toBe(old.id);
    const state = await env.state();
    expect(state.runners).toEqual([]);
    expect(state.apiKeys.find((k: { apiKeyId: string }) => k.apiKeyId === old.id).revoked).toBe(true);
    expect(secretLeaks(result, [old.outputs.apiKeySecret, rotated.outputs.apiKeySecret, env.admin.apiKeySecret, userKey.apiKeySecret])).toEqual([]);
  });

  it("destroy deletes the registered agent's runner and warns about the API key", async () => {
    const { id, outputs } = agentKeyState();
    const { json } = await env.register(outputs as { apiKeyId: string; apiKeySecret: string }, "quickstart-agent");
    await run(() => engine.refresh());
    expect(agentKeyState().outputs.runnerId).toBe(json.runner.id);
    const result = await run(() => engine.destroy());
    expect(Object.keys(engine.state).filter((urn) => urn.includes("soda:"))).toEqual([]);
    const state = await env.state();
    expect(state.runners).toEqual([]);
    expect(state.apiKeys.find((k: { apiKeyId: string }) => k.apiKeyId === id).revoked).toBe(true);
    expect(result.providerStderr).toContain(`warning: SodaApiKey: Soda Cloud has no API to revoke API keys, so key ${userKey.apiKeyId} stays valid`);
    expect(result.providerStderr).not.toContain("never registered");
    expect(secretLeaks(result, [outputs.apiKeySecret, env.admin.apiKeySecret, userKey.apiKeySecret])).toEqual([]);
  });
});
