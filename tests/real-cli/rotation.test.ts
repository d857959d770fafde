import { describe, expect, it } from "vitest";
import { REFRESH, UP, agentKeyOf, replacementTriggerWorks, liveRunnerKeys, realStack, registerAgent, skipReason, sodaView, type RealStack } from "./real-stack";

/**
 * Every way to rotate an agent key, through the real engine, with an agent registered under the key's name: the
 * old runner must go before the new key is minted (Soda refuses a second runner of one name), whatever path the
 * engine takes to the replacement.
 */
let stack: RealStack | undefined;

/** Up, register the agent; returns the first key id and its runner. */
async function registeredStack(config: Record<string, string> = {}): Promise<{ keyId: string; runnerId: string }> {
  stack = await realStack({ config });
  await stack.cli.run(UP);
  const runnerId = await registerAgent(stack);
  await stack.cli.run(REFRESH);
  return { keyId: (await agentKeyOf(stack)).apiKeyId, runnerId };
}

/** After a rotation: one new live key, the old runner gone, and the new key able to register under the name. */
async function expectRotated(output: string, old: { keyId: string; runnerId: string }): Promise<void> {
  expect(output).toMatch(/\+-\s*1 replaced/);
  expect(output.indexOf("deleted original")).toBeGreaterThan(-1);
  expect(output.indexOf("deleted original")).toBeLessThan(output.indexOf("created replacement"));
  const key = await agentKeyOf(stack!);
  expect(key.apiKeyId).not.toBe(old.keyId);
  expect(await liveRunnerKeys(stack!)).toEqual([key.apiKeyId]);
  expect((await sodaView(stack!)).runners).toEqual([]);
  await registerAgent(stack!);
}

describe.skipIf(skipReason)("rotation through the real pulumi CLI", () => {
  it.skipIf(!replacementTriggerWorks)("by replacementTrigger: the engine replaces without asking the provider, and still deletes first", async () => {
    const old = await registeredStack({ replacementTrigger: "1" });
    await stack!.cli.setConfig({ replacementTrigger: "2" });
    await expectRotated(await stack!.cli.run(UP), old);
  });

  it("by `pulumi up --replace <urn>`", async () => {
    const old = await registeredStack();
    const urn = (await stack!.cli.exportState()).deployment.resources!.find((r) => r.type.endsWith(":AgentKey"))!.urn;
    await expectRotated(await stack!.cli.run([...UP, "--replace", urn]), old);
  });

  it("by a due rotationPeriod: preview shows it, refresh does not, up rotates", async () => {
    const old = await registeredStack({ rotationPeriod: "30d" });
    // A key created, and last `up`, 31 days ago: both times moved back in the state, through the CLI's own export
    // and import (check stamps the inputs with the time of each `up`; refresh diffs those stored inputs).
    const state = await stack!.cli.exportState();
    const key = state.deployment.resources!.find((r) => r.type.endsWith(":AgentKey"))!;
    const monthAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
    key.outputs!.createdAt = monthAgo;
    key.inputs!.__checkedAt = monthAgo;
    await stack!.cli.importState(state);

    expect(await stack!.cli.run(["preview", "--non-interactive"])).toMatch(/\+-\s*1 to replace/);
    expect(await stack!.cli.run([...REFRESH, "--expect-no-changes"])).toMatch(/unchanged/);
    await expectRotated(await stack!.cli.run(UP), old);
    expect(await stack!.cli.run(["preview", "--non-interactive", "--expect-no-changes"])).toMatch(/unchanged/);
  });

  it("a new rotationPeriod alone changes nothing, unless replaceOnChanges names it", async () => {
    const old = await registeredStack({ rotationPeriod: "30d" });
    await stack!.cli.setConfig({ rotationPeriod: "60d" });
    const preview = await stack!.cli.run(["preview", "--non-interactive", "--diff", "--expect-no-changes"]);
    expect(preview).not.toMatch(/agentKeySecret.*output<string>|computed/);
    expect(await stack!.cli.run(UP)).toMatch(/unchanged/);
    expect((await agentKeyOf(stack!)).apiKeyId).toBe(old.keyId);

    // Naming it in replaceOnChanges later does not rotate for the change made before.
    await stack!.cli.setConfig({ replaceOnChanges: '["rotationPeriod"]' });
    expect(await stack!.cli.run(UP)).toMatch(/unchanged/);
    expect((await agentKeyOf(stack!)).apiKeyId).toBe(old.keyId);
    await stack!.cli.setConfig({ rotationPeriod: "90d" });
    expect(await stack!.cli.run(["preview", "--non-interactive"])).toMatch(/\+-\s*1 to replace/);
    await expectRotated(await stack!.cli.run(UP), old);
  });

  it("an explicit deleteBeforeReplace: false is refused at preview, naming the option", async () => {
    stack = await realStack({ config: { deleteBeforeReplace: "false" } });
    const preview = await stack.cli.fail(["preview", "--non-interactive"]);
    expect(preview).toMatch(/SodaAgentKey "agent": `deleteBeforeReplace: false` cannot be honoured/);
    expect(await liveRunnerKeys(stack)).toEqual([]);
  });
});
