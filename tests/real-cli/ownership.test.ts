import { describe, expect, it } from "vitest";
import { DESTROY, REFRESH, UP, liveRunnerKeys, pulumiYaml, realStack, registerAgent, skipReason, sodaView, TSCONFIG } from "./real-stack";

/** One agent name, one key: a stack cannot hold two SodaAgentKeys that an agent of one name would share. */
describe.skipIf(skipReason)("agent names through the real pulumi CLI", () => {
  it("a duplicate agentName is refused at preview and at up, naming both resources, and nothing is created", async () => {
    const program = `import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey } from "pulumi-soda-cloud";
new SodaAgentKey("first", { agentName: "shared-agent" });
new SodaAgentKey("second", { agentName: pulumi.output("shared-agent") });
`;
    const stack = await realStack({
      files: {
        "Pulumi.yaml": pulumiYaml("soda-names"),
        "index.ts": program,
        "tsconfig.json": TSCONFIG,
        "package.json": '{"name":"soda-names","main":"index.ts"}',
      },
    });
    const preview = await stack.cli.fail(["preview", "--non-interactive"]);
    expect(preview).toMatch(
      /AgentKey resource 'second': property agentName value \{shared-agent\} has a problem: is also the agentName of SodaAgentKey "first" in this stack/,
    );
    expect(await stack.cli.fail(["up", "--yes", "--non-interactive"])).toMatch(/is also the agentName of SodaAgentKey "first"/);
    expect(await liveRunnerKeys(stack)).toEqual([]);
  });
});

/** Keys in state that share an agent name (a state written before names were checked, or edited by hand). */
const TWO_KEYS_PROGRAM = `import { SodaAgentKey } from "pulumi-soda-cloud";
const first = new SodaAgentKey("first", { agentName: "agent-one" });
const second = new SodaAgentKey("second", { agentName: "agent-two" });
export const keys = { first: { apiKeyId: first.apiKeyId, apiKeySecret: first.apiKeySecret }, second: { apiKeyId: second.apiKeyId, apiKeySecret: second.apiKeySecret } };
`;

describe.skipIf(skipReason)("a key acts only on a runner it can show is its own, through the real pulumi CLI", () => {
  it("two keys of one name in state: refresh records the runner for neither, destroy leaves it alone, and both say so", async () => {
    const stack = await realStack({
      files: {
        "Pulumi.yaml": pulumiYaml("soda-owners"),
        "index.ts": TWO_KEYS_PROGRAM,
        "tsconfig.json": TSCONFIG,
        "package.json": '{"name":"soda-owners","main":"index.ts"}',
      },
    });
    await stack.cli.run(UP);
    const { keys } = (await stack.cli.outputs(true)) as { keys: Record<"first" | "second", { apiKeyId: string; apiKeySecret: string }> };
    // The second key is renamed in state to the first's name; its agent registers under it. The first never registers.
    const state = await stack.cli.exportState();
    const second = state.deployment.resources!.find((r) => r.urn.endsWith("::second"))!;
    second.inputs!.agentName = "agent-one";
    second.outputs!.agentName = "agent-one";
    await stack.cli.importState(state);
    const registered = await stack.soda.register(keys.second, "agent-one");
    const runnerId = registered.json.runner.id as string;

    const leftAlone = (output: string) => {
      for (const [mine, other] of [
        [keys.first, keys.second],
        [keys.second, keys.first],
      ]) {
        expect(output).toContain(
          `SodaAgentKey "agent-one" (key ${mine.apiKeyId}): agent "agent-one" (runner ${runnerId}) was left alone because key ${other.apiKeyId} of this stack has the same agent name`,
        );
      }
    };
    leftAlone(await stack.cli.run(REFRESH));
    const stored = (await stack.cli.exportState()).deployment.resources!.filter((r) => r.type.endsWith(":AgentKey"));
    expect(stored.map((r) => r.outputs!.runnerId)).toEqual(["", ""]);

    leftAlone(await stack.cli.run(DESTROY));
    // The agent that runs keeps its key; nothing was revoked.
    expect((await sodaView(stack)).runners.map((r) => r.id)).toEqual([runnerId]);
    expect((await liveRunnerKeys(stack)).sort()).toEqual([keys.first.apiKeyId, keys.second.apiKeyId].sort());
  });

  it("a recorded runner that no longer has the key's name: refresh and destroy leave it alone and say the key stays valid", async () => {
    const stack = await realStack({});
    await stack.cli.run(UP);
    const runnerId = await registerAgent(stack);
    await stack.cli.run(REFRESH);
    // The same key's agent restarts under another name: Soda renames its runner.
    await registerAgent(stack, "renamed-agent");

    const refresh = await stack.cli.run(REFRESH);
    const renamed = `its agent (runner ${runnerId}) is now named "renamed-agent", so destroy and rotation leave it alone and the key stays valid`;
    expect(refresh).toContain(renamed);
    expect(await stack.cli.run(DESTROY)).toContain(renamed);
    expect((await sodaView(stack)).runners.map((r) => r.name)).toEqual(["renamed-agent"]);
    expect(await liveRunnerKeys(stack)).toHaveLength(1);
  });
});
