import { describe, expect, it } from "vitest";
import { TSCONFIG, UP, realStack, skipReason } from "./real-stack";

/**
 * A TypeScript program that gives a dynamic `SodaAgentKey` the `provider` of the soda plugin (as a user might, to
 * reach a second organisation): the engine sends the key to the plugin, which cannot run dynamic resources. The
 * message says what to do instead, not to upgrade a plugin that no version of would help.
 */
const PULUMI_YAML = `name: soda-wrong-provider
runtime:
  name: nodejs
  options:
    typescript: true
plugins:
  providers:
    - name: soda
      path: ./node_modules/pulumi-soda-cloud/bin
`;

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey } from "pulumi-soda-cloud";

class SodaPluginProvider extends pulumi.ProviderResource {
  constructor(name: string, props: Record<string, pulumi.Input<string>>) {
    super("soda", name, props);
  }
}

const config = new pulumi.Config();
const org2 = new SodaPluginProvider("org2", { host: config.require("org2Host"), apiKeyId: config.require("org2KeyId"), apiKeySecret: config.requireSecret("org2KeySecret") });
export const keyId = new SodaAgentKey("key", { agentName: "wrong-provider-agent" }, { provider: org2 }).apiKeyId;
`;

describe.skipIf(skipReason)("a dynamic key given the soda plugin's provider, through the real pulumi CLI", () => {
  it("fails saying the key is a dynamic resource and what to do, not to upgrade the plugin", async () => {
    const stack = await realStack({
      files: { "Pulumi.yaml": PULUMI_YAML, "index.ts": PROGRAM, "tsconfig.json": TSCONFIG, "package.json": '{"name":"soda-wrong-provider","main":"index.ts"}' },
    });
    await stack.cli.setConfig({ org2Host: stack.soda.url, org2KeyId: stack.soda.admin.apiKeyId, org2KeySecret: { secret: stack.soda.admin.apiKeySecret } });
    const failed = await stack.cli.fail(UP);
    expect(failed).toContain(
      "pulumi-nodejs:dynamic/soda:AgentKey is a dynamic resource of the pulumi-soda-cloud npm package (SodaAgentKey, SodaApiKey), run by Pulumi's Node dynamic provider, not by the soda plugin.",
    );
    expect(failed).toContain("Remove the `provider` option that names a soda plugin provider from it");
    expect(failed).not.toMatch(/upgrade the plugin/);
    expect(failed).not.toContain(stack.soda.admin.apiKeySecret);
    expect(stack.emulatorLog.filter((line) => line.startsWith("POST /api/v1/runners"))).toEqual([]);
  });
});
