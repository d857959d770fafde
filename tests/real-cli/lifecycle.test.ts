import { describe, expect, it } from "vitest";
import { textUnder } from "../support/secret-scan";
import { DESTROY, REFRESH, UP, agentKeyOf, liveRunnerKeys, realStack, registerAgent, skipReason, sodaView, storedOutputs } from "./real-stack";

/**
 * The everyday lifecycle through the real CLI against the emulator: preview, up, refresh, an agent registering,
 * a rotation, destroy; what the user sees, what Soda Cloud holds, and that no secret shows anywhere.
 */
describe.skipIf(skipReason)("the key lifecycle through the real pulumi CLI", () => {
  it("preview calls nothing, up creates, refresh sees no change, an agent registers, rotation deletes first, destroy revokes; no secret shows", async () => {
    const stack = await realStack({});
    const user = await stack.soda.newApiKey([]);
    await stack.cli.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
    const transcript: string[] = [];
    const run = async (args: string[]) => {
      const output = await stack.cli.run(args);
      transcript.push(output);
      return output;
    };

    await stack.soda.control("DELETE", "/__emulator/requests");
    const preview = await run(["preview", "--non-interactive", "--diff"]);
    expect(preview).toMatch(/\+ 3 to create/);
    expect((await stack.soda.control("GET", "/__emulator/requests")).json.requests).toEqual([]);

    const up = await run(UP);
    expect(up).toMatch(/\+ 3 created/);
    const first = await agentKeyOf(stack);
    expect(await liveRunnerKeys(stack)).toEqual([first.apiKeyId]);

    const quiet = await run([...REFRESH, "--expect-no-changes"]);
    expect(quiet).toMatch(/3 unchanged/);

    const runnerId = await registerAgent(stack);
    // Refresh records the runner in the resource's state; the engine's summary counts input changes only, and
    // stack outputs change at the next `up`.
    const refreshed = await run(REFRESH);
    expect(refreshed).toMatch(/3 unchanged/);
    expect(await storedOutputs(stack, "AgentKey")).toMatchObject({ runnerId, registered: true });
    expect((await stack.cli.outputs()).agentRunnerId).toBe("");
    await run([...REFRESH, "--expect-no-changes"]);
    expect(await run(UP)).toMatch(/3 unchanged/);
    expect(await stack.cli.outputs()).toMatchObject({ agentRunnerId: runnerId, agentRegistered: true });

    await stack.cli.setConfig({ generation: "2" });
    const rotationPreview = await run(["preview", "--non-interactive", "--diff"]);
    expect(rotationPreview).toMatch(/\+-\s*1 to replace/);
    const rotation = await run(UP);
    expect(rotation).toMatch(/\+-\s*1 replaced/);
    // Delete first: the old runner goes (revoking the old key) before the new key is minted.
    expect(rotation.indexOf("deleted original")).toBeLessThan(rotation.indexOf("created replacement"));
    const second = await agentKeyOf(stack);
    expect(second.apiKeyId).not.toBe(first.apiKeyId);
    expect(await liveRunnerKeys(stack)).toEqual([second.apiKeyId]);
    expect((await sodaView(stack)).runners).toEqual([]);

    const newRunner = await registerAgent(stack);
    await run(REFRESH);

    // `--debug` shows what Pulumi's Node SDK logs at debug level: every RegisterResource response, secret outputs
    // in plain text (Pulumi's behaviour for any secret output, documented in the README). Measured, not hidden.
    const debug = await stack.cli.run([...UP, "--debug"]);
    expect(debug.includes(second.apiKeySecret)).toBe(true);
    const destroy = await run(DESTROY);
    expect(destroy).toMatch(/- 3 deleted/);
    // At warning severity, through the engine's log: the stack's row counts it as a warning.
    expect(destroy).toMatch(/warning: SodaApiKey \(key [0-9a-f-]+\): Soda Cloud has no API to revoke API keys/);
    expect(destroy).toMatch(/pulumi:pulumi:Stack \S+ .*1 warning$/m);
    expect((await sodaView(stack)).runners.map((r) => r.id)).not.toContain(newRunner);
    expect(await liveRunnerKeys(stack)).toEqual([]);

    // Secrets: not in any output, the exported state, the state files on disk, or the emulator's log.
    const exported = await stack.cli.run(["stack", "export"]);
    const secrets = { admin: stack.soda.admin.apiKeySecret, user: user.apiKeySecret, first: first.apiKeySecret, second: second.apiKeySecret };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(transcript.join("\n").includes(secret), `${name} secret in CLI output`).toBe(false);
      expect(exported.includes(secret), `${name} secret in stack export`).toBe(false);
      expect(textUnder(stack.cli.backendDir).includes(secret), `${name} secret in the state files`).toBe(false);
      expect(textUnder(stack.projectDir).includes(secret), `${name} secret in the project dir (stack config)`).toBe(false);
      expect(stack.emulatorLog.join("\n").includes(secret), `${name} secret in the emulator log`).toBe(false);
    }
  });
});
