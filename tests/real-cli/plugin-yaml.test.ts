import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { emulatorFixture } from "../support/emulator-fixture";
import { repoRoot } from "../support/project-dir";
import { emulatorView, ensureLanguageHost, pluginSecretLeaks, pluginStack, type PluginStack } from "../support/plugin-stack";
import { DESTROY, REFRESH, UP, skipReason } from "./real-stack";

/**
 * The soda provider plugin from a Pulumi YAML program, through the real CLI and pulumi-language-yaml built from
 * Go modules: the example a user would copy, then two provider instances against two emulators.
 */

const EXAMPLE = path.join(repoRoot, "examples", "yaml-agent-key");

let hostBin = "";
let hostSkip = "";
beforeAll(() => {
  if (skipReason !== "") return;
  const host = ensureLanguageHost("yaml");
  if ("skip" in host) hostSkip = host.skip;
  else hostBin = host.bin;
}, 30 * 60_000);

const open: PluginStack[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((stack) => stack.close()));
});

async function yamlStack(options: { files?: Record<string, string>; config?: Record<string, string | { secret: string }> } = {}): Promise<PluginStack> {
  const stack = await pluginStack({ cliBin: inject("pulumiBin"), nodeModules: inject("userNodeModules"), hostBin, source: EXAMPLE, ...options });
  open.push(stack);
  return stack;
}

describe.skipIf(skipReason !== "")("the soda plugin from a YAML program", () => {
  it("previews, creates, refreshes without changes, rotates delete-first on a new period and on a forced replacement, and destroys, with no secret in plain text", async (test) => {
    if (hostSkip !== "") test.skip(hostSkip);
    const stack = await yamlStack({ config: { agentName: "yaml-agent" } });

    const preview = await stack.run(["preview", "--non-interactive", "--diff"]);
    expect(preview).toMatch(/\+ soda:index:AgentKey: \(create\)/);
    expect(stack.emulatorLog.filter((line) => line.includes("POST /api/v1/runners"))).toEqual([]);

    await stack.run(UP);
    const first = await stack.cli.outputs(true);
    expect(await stack.cli.outputs()).toMatchObject({ agentKeySecret: "[secret]", endpoint: stack.soda.url });
    expect((await emulatorView(stack.soda)).runnerKeys.map((k) => k.apiKeyId)).toEqual([first.agentKeyId]);

    await stack.run([...REFRESH, "--expect-no-changes"]);

    // The agent registers with the key; refresh records its runner, after which nothing changes.
    const registered = await stack.soda.register({ apiKeyId: String(first.agentKeyId), apiKeySecret: String(first.agentKeySecret) }, "yaml-agent");
    expect(registered.status).toBe(200);
    await stack.run(REFRESH);
    await stack.run([...REFRESH, "--expect-no-changes"]);

    // replaceOnChanges on rotationPeriod: the engine replaces through the plugin's detailed diff, deleting first.
    await stack.cli.setConfig({ rotationPeriod: "30d" });
    const mark = stack.emulatorLog.length;
    const rotation = await stack.run(UP);
    expect(rotation.indexOf("deleted original")).toBeGreaterThan(-1);
    expect(rotation.indexOf("deleted original")).toBeLessThan(rotation.indexOf("created replacement"));
    // At Soda Cloud too: the old runner goes before the new key is minted.
    const requests = stack.emulatorLog.slice(mark).map((line) => line.replace(/[0-9a-f-]{36}/g, "{id}").replace(/ \d+ms$/, ""));
    expect(requests.indexOf("DELETE /api/v1/runners/{id} 200")).toBeGreaterThan(-1);
    expect(requests.indexOf("DELETE /api/v1/runners/{id} 200")).toBeLessThan(requests.indexOf("POST /api/v1/runners 200"));
    const second = await stack.cli.outputs(true);
    expect(second.agentKeyId).not.toBe(first.agentKeyId);
    const afterRotation = await emulatorView(stack.soda);
    expect(afterRotation.runners).toEqual([]);
    expect(afterRotation.runnerKeys.find((k) => k.apiKeyId === first.agentKeyId)?.revoked).toBe(true);
    await stack.run([...REFRESH, "--expect-no-changes"]);

    // A replacement the engine forces without asking the plugin, of a key whose agent registered: the example's
    // deleteBeforeReplace deletes the runner first, else Soda would refuse the name and the create would fail.
    const secondRegistered = await stack.soda.register({ apiKeyId: String(second.agentKeyId), apiKeySecret: String(second.agentKeySecret) }, "yaml-agent");
    expect(secondRegistered.status).toBe(200);
    await stack.run(REFRESH);
    const forcedMark = stack.emulatorLog.length;
    await stack.run([...UP, "--replace", "urn:pulumi:test::yaml-agent-key::soda:index:AgentKey::agentKey"]);
    const forced = stack.emulatorLog.slice(forcedMark).map((line) => line.replace(/[0-9a-f-]{36}/g, "{id}").replace(/ \d+ms$/, ""));
    expect(forced.indexOf("DELETE /api/v1/runners/{id} 200")).toBeGreaterThan(-1);
    expect(forced.indexOf("DELETE /api/v1/runners/{id} 200")).toBeLessThan(forced.indexOf("POST /api/v1/runners 200"));
    const third = await stack.cli.outputs(true);
    expect(third.agentKeyId).not.toBe(second.agentKeyId);

    await stack.run(DESTROY);
    expect((await stack.cli.exportState()).deployment.resources ?? []).toEqual([]);

    const secrets = [String(first.agentKeySecret), String(second.agentKeySecret), String(third.agentKeySecret), stack.soda.admin.apiKeySecret];
    expect(await pluginSecretLeaks(stack, secrets)).toEqual([]);
    expect(stack.emulatorLog.join("\n")).not.toContain(String(second.agentKeySecret));
  });

  it("holds keys of two organisations through two provider instances, keeps an API key secret that was passed in plain text, and attaches warnings to the resource", async (test) => {
    if (hostSkip !== "") test.skip(hostSkip);
    const other = await emulatorFixture();
    try {
      const program = [
        "name: yaml-two-providers",
        "runtime: yaml",
        "plugins:",
        "  providers:",
        "    - name: soda",
        "      path: ./node_modules/pulumi-soda-cloud/bin",
        "config:",
        "  otherHost: {type: string}",
        "  otherKeyId: {type: string}",
        "  otherKeySecret: {type: string, secret: true}",
        "  scanKeyId: {type: string}",
        "  scanKeySecret: {type: string}",
        "resources:",
        "  other:",
        "    type: pulumi:providers:soda",
        "    properties:",
        "      host: ${otherHost}",
        "      apiKeyId: ${otherKeyId}",
        "      apiKeySecret: ${otherKeySecret}",
        "  here:",
        "    type: soda:index:AgentKey",
        "    properties:",
        "      agentName: agent-here",
        "  there:",
        "    type: soda:index:AgentKey",
        "    properties:",
        "      agentName: agent-there",
        "    options:",
        "      provider: ${other}",
        "  scanKey:",
        "    type: soda:index:ApiKey",
        "    properties:",
        "      apiKeyId: ${scanKeyId}",
        "      apiKeySecret: ${scanKeySecret}",
        "outputs:",
        "  organisation: ${scanKey.organisationName}",
        "  sodaCloudConfig: ${scanKey.sodaCloudConfig}",
        "  hereKeyId: ${here.apiKeyId}",
        "  thereKeyId: ${there.apiKeyId}",
        "  thereSecret: ${there.apiKeySecret}",
        "",
      ].join("\n");
      const stack = await yamlStack({
        files: { "Pulumi.yaml": program },
        config: { otherHost: other.url, otherKeyId: other.admin.apiKeyId, otherKeySecret: { secret: other.admin.apiKeySecret } },
      });
      // An API key whose secret the program passes in plain text: the schema marks the argument secret (YAML wraps
      // it when registering, and the plugin's Check would too), so state keeps it secret all the same.
      const scanKey = await stack.soda.newApiKey([]);
      await stack.cli.setConfig({ scanKeyId: scanKey.apiKeyId });
      await stack.cli.run(["config", "set", "--plaintext", "--", "scanKeySecret", scanKey.apiKeySecret]);
      await stack.run(UP);
      const outputs = await stack.cli.outputs(true);
      expect(await stack.cli.outputs()).toMatchObject({ organisation: "Emulated Organisation", sodaCloudConfig: "[secret]" });
      expect((await emulatorView(stack.soda)).runnerKeys.map((k) => k.apiKeyId)).toEqual([outputs.hereKeyId]);
      expect((await emulatorView(other)).runnerKeys.map((k) => k.apiKeyId)).toEqual([outputs.thereKeyId]);
      await stack.run([...REFRESH, "--expect-no-changes"]);

      // A key that never registered cannot be revoked: the warning is the engine's, at warning severity, on the resource.
      const destroyed = await stack.run(DESTROY);
      expect(destroyed).toMatch(/soda:index:AgentKey \(there\):\s+warning: SodaAgentKey "agent-there" .*never registered an agent/);
      expect(destroyed).toMatch(/soda:index:AgentKey \(here\):\s+warning: SodaAgentKey "agent-here" .*never registered an agent/);
      expect(destroyed).toMatch(/soda:index:ApiKey \(scanKey\):\s+warning: SodaApiKey .*no API to revoke API keys/);

      // The plain config value itself is in the stack's config file, as the user wrote it; never in the state.
      const stateText = JSON.stringify(await stack.cli.exportState());
      expect(stateText.includes(scanKey.apiKeySecret), "the API key secret in plain text in the state").toBe(false);
      expect(
        await pluginSecretLeaks(stack, [String(outputs.thereSecret), String(outputs.sodaCloudConfig), stack.soda.admin.apiKeySecret, other.admin.apiKeySecret]),
      ).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
