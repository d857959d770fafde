import { describe, expect, it } from "vitest";
import { UP, pulumiYaml, realStack, skipReason, TSCONFIG } from "./real-stack";

/**
 * Pulumi reads an existing resource through its provider, and a dynamic resource's provider travels in its own
 * state: a key not yet in the stack has none. Both ways of asking for it must end in a message saying so.
 */

describe.skipIf(skipReason)("reading an existing key by id through the real pulumi CLI", () => {
  it("the `import` resource option is refused at preview with a message that says what to do", async () => {
    const program = `import { SodaAgentKey } from "pulumi-soda-cloud";
new SodaAgentKey("adopted", { agentName: "prod-agent" }, { import: "3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93" });
`;
    const stack = await realStack({
      files: {
        "Pulumi.yaml": pulumiYaml("soda-import"),
        "index.ts": program,
        "tsconfig.json": TSCONFIG,
        "package.json": '{"name":"soda-import","main":"index.ts"}',
      },
    });
    const preview = await stack.cli.fail(["preview", "--non-interactive"]);
    expect(preview).toMatch(/SodaAgentKey "adopted": the `import` option cannot work on this resource/);
    expect(preview).toMatch(/Declare a new SodaAgentKey instead/);
  });

  it("`SodaAgentKey.get` fails at preview with the same explanation", async () => {
    const program = `import { SodaAgentKey } from "pulumi-soda-cloud";
export const adopted = SodaAgentKey.get("adopted", "3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93").apiKeyId;
`;
    const stack = await realStack({
      files: { "Pulumi.yaml": pulumiYaml("soda-get"), "index.ts": program, "tsconfig.json": TSCONFIG, "package.json": '{"name":"soda-get","main":"index.ts"}' },
    });
    const preview = await stack.cli.fail(["preview", "--non-interactive"]);
    expect(preview).toMatch(/SodaAgentKey "adopted": `SodaAgentKey.get` cannot work on this resource/);
  });

  it("`pulumi import` of a key fails in Pulumi's provider host, before this package runs", async () => {
    const stack = await realStack({});
    await stack.cli.run(UP);
    const imported = await stack.cli.fail([
      "import",
      "pulumi-nodejs:dynamic/soda:AgentKey",
      "adopted",
      "3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93",
      "--yes",
      "--non-interactive",
    ]);
    // Pulumi's own message (the provider host finds no `__provider` to load); the README explains it.
    expect(imported).toMatch(/code must be a string, not undefined/);
    expect((await stack.cli.exportState()).deployment.resources!.filter((r) => r.urn.endsWith("::adopted"))).toEqual([]);
  });
});
