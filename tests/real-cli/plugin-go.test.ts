import * as path from "node:path";
import { afterEach, beforeAll, describe, inject, it } from "vitest";
import { emulatorFixture } from "../support/emulator-fixture";
import { repoRoot } from "../support/project-dir";
import { ensureGoTooling, pluginStack, prepareGoProject, type GoTooling, type PluginStack } from "../support/plugin-stack";
import { sdkExampleScenario } from "./plugin-sdk-scenario";
import { skipReason } from "./real-stack";

/**
 * The soda provider plugin from a Pulumi Go program (examples/go-agent-key), through the real CLI and the Go
 * language host built from Go modules. The Go SDK is generated from the schema the plugin serves (see
 * scripts/language-hosts/sdk-gen for why not by `pulumi package add`).
 */

const EXAMPLE = path.join(repoRoot, "examples", "go-agent-key");

let tooling: GoTooling | undefined;
let toolingSkip = "";
beforeAll(() => {
  if (skipReason !== "") return;
  const found = ensureGoTooling();
  if ("skip" in found) toolingSkip = found.skip;
  else tooling = found;
}, 30 * 60_000);

const open: PluginStack[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((stack) => stack.close()));
});

describe.skipIf(skipReason !== "")("the soda plugin from a Go program", () => {
  it("previews, creates, refreshes without changes, rotates delete-first, holds a second organisation's key through an explicit provider, and destroys, with no secret in plain text", async (test) => {
    if (tooling === undefined) return test.skip(toolingSkip);
    const other = await emulatorFixture();
    try {
      const stack = await pluginStack({ cliBin: inject("pulumiBin"), nodeModules: inject("userNodeModules"), hostBin: tooling.hostBin, source: EXAMPLE, config: { agentName: "go-agent" } });
      open.push(stack);
      await prepareGoProject(stack, tooling);

      await sdkExampleScenario(stack, other, "go-agent");
    } finally {
      await other.close();
    }
  });
});
