import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { emulatorFixture } from "../support/emulator-fixture";
import { repoRoot } from "../support/project-dir";
import { emulatorView, ensurePythonTooling, pluginSecretLeaks, pluginStack, preparePythonProject, type PluginStack, type PythonTooling } from "../support/plugin-stack";
import { skipReason } from "./real-stack";

/**
 * The soda provider plugin from a Pulumi Python program (examples/python-agent-key), through the real CLI, the
 * Python language host built from Go modules and Pulumi's Python SDK from PyPI. The `pulumi_soda` SDK is generated
 * from the schema the plugin serves (see preparePythonProject for why not by `pulumi package add`).
 */

const EXAMPLE = path.join(repoRoot, "examples", "python-agent-key");
const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const REFRESH = ["refresh", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];

let tooling: PythonTooling | undefined;
let toolingSkip = "";
beforeAll(() => {
  if (skipReason !== "") return;
  const found = ensurePythonTooling();
  if ("skip" in found) toolingSkip = found.skip;
  else tooling = found;
}, 30 * 60_000);

const open: PluginStack[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((stack) => stack.close()));
});

describe.skipIf(skipReason !== "")("the soda plugin from a Python program", () => {
  it("previews, creates, refreshes without changes, rotates delete-first, holds a second organisation's key through an explicit provider, and destroys, with no secret in plain text", async (test) => {
    if (tooling === undefined) return test.skip(toolingSkip);
    const other = await emulatorFixture();
    try {
      const stack = await pluginStack({ cliBin: inject("pulumiBin"), nodeModules: inject("userNodeModules"), hostBin: tooling.hostBin, source: EXAMPLE, config: { agentName: "python-agent" } });
      open.push(stack);
      await preparePythonProject(stack, tooling);

      const preview = await stack.run(["preview", "--non-interactive", "--diff"]);
      expect(preview).toMatch(/\+ soda:index:AgentKey: \(create\)/);

      await stack.run(UP);
      const first = await stack.cli.outputs(true);
      expect(await stack.cli.outputs()).toMatchObject({ agentKeySecret: "[secret]", endpoint: stack.soda.url });
      expect((await emulatorView(stack.soda)).runnerKeys.map((k) => k.apiKeyId)).toEqual([first.agentKeyId]);
      await stack.run([...REFRESH, "--expect-no-changes"]);

      await stack.cli.setConfig({ rotationPeriod: "30d" });
      const rotation = await stack.run(UP);
      expect(rotation.indexOf("deleted original")).toBeGreaterThan(-1);
      expect(rotation.indexOf("deleted original")).toBeLessThan(rotation.indexOf("created replacement"));
      const second = await stack.cli.outputs(true);
      expect(second.agentKeyId).not.toBe(first.agentKeyId);
      await stack.run([...REFRESH, "--expect-no-changes"]);

      // The example's explicit provider instance: a key in a second organisation, same agent name.
      await stack.cli.setConfig({ otherHost: other.url, otherApiKeyId: other.admin.apiKeyId, otherApiKeySecret: { secret: other.admin.apiKeySecret } });
      await stack.run(UP);
      const both = await stack.cli.outputs(true);
      expect((await emulatorView(other)).runnerKeys.map((k) => k.apiKeyId)).toEqual([both.otherAgentKeyId]);
      expect((await emulatorView(stack.soda)).runnerKeys.filter((k) => !k.revoked).map((k) => k.apiKeyId)).toContain(both.agentKeyId);
      await stack.run([...REFRESH, "--expect-no-changes"]);

      const destroyed = await stack.run(DESTROY);
      expect(destroyed).toMatch(/soda:index:AgentKey \(other-agent-key\):\s+warning: SodaAgentKey "python-agent" .*never registered an agent/);
      expect((await stack.cli.exportState()).deployment.resources ?? []).toEqual([]);

      const secrets = [first, second, both].flatMap((o) => [String(o.agentKeySecret)]).concat(String(both.otherAgentKeySecret), stack.soda.admin.apiKeySecret, other.admin.apiKeySecret);
      expect(await pluginSecretLeaks(stack, secrets)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
