import { describe, expect, it } from "vitest";
import { liveRunnerKeys, pulumiYaml, realStack, skipReason, TSCONFIG } from "./real-stack";

/** One agent name, one key: a stack cannot hold two SodaAgentKeys that an agent of one name would share. */
describe.skipIf(skipReason)("agent names through the real pulumi CLI", () => {
  it("a duplicate agentName is refused at preview and at up, naming both resources, and nothing is created", async () => {
    const program = `import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey } from "pulumi-soda-cloud";
new SodaAgentKey("first", { agentName: "shared-agent" });
new SodaAgentKey("second", { agentName: pulumi.output("shared-agent") });
`;
    const stack = await realStack({ files: { "Pulumi.yaml": pulumiYaml("soda-names"), "index.ts": program, "tsconfig.json": TSCONFIG, "package.json": '{"name":"soda-names","main":"index.ts"}' } });
    const preview = await stack.cli.fail(["preview", "--non-interactive"]);
    expect(preview).toMatch(/AgentKey resource 'second': property agentName value \{shared-agent\} has a problem: is also the agentName of SodaAgentKey "first" in this stack/);
    expect(await stack.cli.fail(["up", "--yes", "--non-interactive"])).toMatch(/is also the agentName of SodaAgentKey "first"/);
    expect(await liveRunnerKeys(stack)).toEqual([]);
  });
});
