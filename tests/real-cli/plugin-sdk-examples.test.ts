import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { repoRoot } from "../support/project-dir";
import {
  emulatorView,
  ensureGoTooling,
  ensurePythonTooling,
  GO_COLD_BUILD_MS,
  pluginSecretLeaks,
  pluginStack,
  prepareGoProject,
  preparePythonProject,
  type PluginStack,
} from "../support/plugin-stack";
import { DESTROY, REFRESH, UP, skipReason } from "./real-stack";

/**
 * The soda provider plugin from the Python and Go examples (examples/python-agent-key, examples/go-agent-key),
 * through the real CLI and language hosts built from Go modules (Python's SDK from PyPI). Each language's SDK is
 * generated from the schema the plugin serves (see scripts/language-hosts/sdk-gen for why not by
 * `pulumi package add`); then both examples, which read the same config, go through one scenario.
 */

/** A language: its example, and how to get its tooling and put its generated SDK into a project. */
interface Language {
  name: string;
  example: string;
  agentName: string;
  /** Builds or finds the host and generator; returns how to prepare a project, or why to skip. */
  tooling(): { prepare(stack: PluginStack): Promise<void>; hostBin: string } | { skip: string };
}

const LANGUAGES: Language[] = [
  {
    name: "Python",
    example: "python-agent-key",
    agentName: "python-agent",
    tooling: () => {
      const found = ensurePythonTooling();
      return "skip" in found ? found : { hostBin: found.hostBin, prepare: (stack) => preparePythonProject(stack, found) };
    },
  },
  {
    name: "Go",
    example: "go-agent-key",
    agentName: "go-agent",
    tooling: () => {
      const found = ensureGoTooling();
      return "skip" in found ? found : { hostBin: found.hostBin, prepare: (stack) => prepareGoProject(stack, found) };
    },
  },
];

const open: PluginStack[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((stack) => stack.close()));
});

for (const language of LANGUAGES) {
  describe.skipIf(skipReason !== "")(`the soda plugin from a ${language.name} program`, () => {
    let tooling: ReturnType<Language["tooling"]> = { skip: "" };
    beforeAll(() => {
      tooling = language.tooling();
    }, 30 * 60_000);

    it(
      "previews, creates, refreshes without changes, rotates delete-first, holds a second organisation's key through an explicit provider, and destroys, with no secret in plain text",
      async (test) => {
        const ready = tooling;
        if ("skip" in ready) return test.skip(ready.skip);
        const other = await emulatorFixture();
        try {
          const stack = await pluginStack({
            cliBin: inject("pulumiBin"),
            nodeModules: inject("userNodeModules"),
            hostBin: ready.hostBin,
            source: path.join(repoRoot, "examples", language.example),
            config: { agentName: language.agentName },
          });
          open.push(stack);
          await ready.prepare(stack);
          await exampleScenario(stack, other, language.agentName);
        } finally {
          await other.close();
        }
        // Room for a cold compile of the Go program in `prepare`, on top of the scenario's own time.
      },
      600_000 + GO_COLD_BUILD_MS,
    );
  });
}

/**
 * Preview, up, `refresh --expect-no-changes`, a delete-first rotation by `replaceOnChanges`, a second
 * organisation's key through the example's explicit provider (against `other`), destroy, and the secret scans.
 */
async function exampleScenario(stack: PluginStack, other: EmulatorFixture, agentName: string): Promise<void> {
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

  const secrets = [first, second, both]
    .map((o) => String(o.agentKeySecret))
    .concat(String(both.otherAgentKeySecret), stack.soda.admin.apiKeySecret, other.admin.apiKeySecret);
  expect(await pluginSecretLeaks(stack, secrets)).toEqual([]);
}
