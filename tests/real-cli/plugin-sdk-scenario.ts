import { expect } from "vitest";
import type { EmulatorFixture } from "../support/emulator-fixture";
import { emulatorView, pluginSecretLeaks, type PluginStack } from "../support/plugin-stack";

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const REFRESH = ["refresh", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];

/**
 * What every example of a language with a generated SDK (examples/python-agent-key, examples/go-agent-key) is put
 * through, once its SDK is in place: preview, up, `refresh --expect-no-changes`, a delete-first rotation by
 * `replaceOnChanges`, a second organisation's key through the example's explicit provider (against `other`),
 * destroy, and the secret scans. The examples read the same config, so one scenario serves them all.
 */
export async function sdkExampleScenario(stack: PluginStack, other: EmulatorFixture, agentName: string): Promise<void> {
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
  expect(destroyed).toMatch(new RegExp(`soda:index:AgentKey \\(other-agent-key\\):\\s+warning: SodaAgentKey "${agentName}" .*never registered an agent`));
  expect((await stack.cli.exportState()).deployment.resources ?? []).toEqual([]);

  const secrets = [first, second, both].map((o) => String(o.agentKeySecret)).concat(String(both.otherAgentKeySecret), stack.soda.admin.apiKeySecret, other.admin.apiKeySecret);
  expect(await pluginSecretLeaks(stack, secrets)).toEqual([]);
}
