import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { quickstartProject } from "../../demo/quickstart-project";
import { repoRoot } from "../support/project-dir";
import { DESTROY, REFRESH, UP, liveRunnerKeys, replacementTriggerWorks, realStack, skipReason, sodaView } from "./real-stack";

/** Every example the real CLI can run here, as its README tells a user to run it, from its own directory. */

describe.skipIf(skipReason)("examples through the real pulumi CLI", () => {
  it("the quickstart, from the repository root", async () => {
    const stack = await realStack({ project: quickstartProject(), typeCheck: true });
    const user = await stack.soda.newApiKey([]);
    await stack.cli.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
    expect(await stack.cli.run(UP)).toMatch(/\+ 3 created/);
    expect(await stack.cli.outputs()).toMatchObject({ agentKeySecret: "[secret]", organisation: "Emulated Organisation", agentRegistered: false });
    await stack.cli.run([...REFRESH, "--expect-no-changes"]);
    await stack.cli.setConfig({ rotation: "2" });
    expect(await stack.cli.run(UP)).toMatch(/\+-\s*1 replaced/);
    expect(await stack.cli.run(DESTROY)).toMatch(/- 3 deleted/);
  });

  it("rotation: each of its README's three ways", async () => {
    const stack = await realStack({ source: path.join(repoRoot, "examples", "rotation"), typeCheck: true });
    const printed: string[] = [];
    const run = async (args: string[]) => {
      printed.push(await stack.cli.run(args));
      return printed[printed.length - 1];
    };
    expect(await run(UP)).toMatch(/\+ 4 created/);
    await run([...REFRESH, "--expect-no-changes"]);
    await stack.cli.setConfig({ keyGeneration: "2" });
    expect(await run(UP)).toMatch(/\+-\s*1 replaced/);
    await stack.cli.setConfig({ replacementTrigger: "2" });
    // CLIs before 3.208.0 and SDKs before 3.211.0 ignore replacementTrigger (the README says so).
    expect(await run(UP)).toMatch(replacementTriggerWorks ? /\+-\s*1 replaced/ : /4 unchanged/);
    // `pulumi config set rotationPeriod 1m`, then a preview once it is due: a new period alone changes nothing.
    await stack.cli.setConfig({ rotationPeriod: "1m" });
    expect(await run(["preview", "--non-interactive", "--expect-no-changes"])).toMatch(/unchanged/);
    expect(await run(DESTROY)).toMatch(/- 4 deleted/);
    expect((await sodaView(stack)).runners).toEqual([]);
    // Never registered, so Soda has no API to revoke them; the only live keys left are those, each named by a warning.
    const live = await liveRunnerKeys(stack);
    expect(live.length).toBe(replacementTriggerWorks ? 5 : 4);
    for (const key of live) expect(printed.join("\n")).toMatch(new RegExp(`warning: SodaAgentKey "[^"]+" \\(key ${key}\\) never registered an agent`));
  });
});
