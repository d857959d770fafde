import { describe, expect, it } from "vitest";
import { DESTROY, REFRESH, UP, agentKeyOf, liveRunnerKeys, realStack, registerAgent, skipReason, sodaView, storedOutputs, type RealStack } from "./real-stack";

/** What happens outside the program: Soda Cloud changed behind the stack's back, or a command failing half-way. */
let stack: RealStack | undefined;

/** Soda's REST API with the emulator's admin key, as a user in the Soda Cloud UI would act. */
async function sodaApi(method: string, route: string): Promise<number> {
  const { apiKeyId, apiKeySecret } = stack!.soda.admin;
  const response = await fetch(`${stack!.soda.url}${route}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${apiKeyId}:${apiKeySecret}`).toString("base64")}` },
  });
  await response.text();
  return response.status;
}

describe.skipIf(skipReason)("out-of-band changes and failures through the real pulumi CLI", () => {
  it("a runner deleted in Soda Cloud: refresh drops the key, up makes a new one", async () => {
    stack = await realStack({});
    await stack.cli.run(UP);
    const runnerId = await registerAgent(stack);
    await stack.cli.run(REFRESH);
    expect(await sodaApi("DELETE", `/api/v1/runners/${runnerId}`)).toBe(200);

    const refresh = await stack.cli.run(REFRESH);
    expect(refresh).toMatch(/- 1 deleted/);
    // It says what it found and what the next up does.
    expect(refresh).toMatch(
      new RegExp(
        `its agent \\(runner ${runnerId}\\) was deleted in Soda Cloud, which revoked the key, so refresh removed the key from the stack\\. The next \`pulumi up\` creates a new key`,
      ),
    );
    expect(await storedOutputs(stack, "AgentKey")).toBeUndefined();
    expect(await stack.cli.run(UP)).toMatch(/\+ 1 created/);
    expect(await liveRunnerKeys(stack)).toEqual([(await agentKeyOf(stack)).apiKeyId]);
  });

  it("an API key revoked in Soda Cloud: refresh drops it, up fails saying a new key is needed, a new key converges", async () => {
    stack = await realStack({});
    const user = await stack.soda.newApiKey([]);
    await stack.cli.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
    await stack.cli.run(UP);
    expect((await stack.soda.control("DELETE", `/__emulator/api-keys/${user.apiKeyId}`)).status).toBe(200);

    const refresh = await stack.cli.run(REFRESH);
    expect(refresh).toMatch(/- 1 deleted/);
    // The refresh already says a new key is needed: the next preview shows a plain create.
    expect(refresh).toMatch(
      new RegExp(
        `SodaApiKey \\(key ${user.apiKeyId}\\): Soda Cloud \\(${stack.soda.url}\\) no longer accepts this key .*Generate a new key in Soda Cloud .* the next \`pulumi up\` fails with the old one`,
      ),
    );
    const failed = await stack.cli.fail(UP);
    expect(failed).toMatch(new RegExp(`does not accept API key ${user.apiKeyId}`));
    expect(failed).toMatch(/Generate an API key in Soda Cloud/);
    const replacement = await stack.soda.newApiKey([]);
    await stack.cli.setConfig({ apiKeyId: replacement.apiKeyId, apiKeySecret: { secret: replacement.apiKeySecret } });
    expect(await stack.cli.run(UP)).toMatch(/\+ 1 created/);
  });

  it("an API key replaced with the same key id is not reported as one to revoke", async () => {
    stack = await realStack({});
    const user = await stack.soda.newApiKey([]);
    await stack.cli.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
    await stack.cli.run(UP);
    await stack.cli.setConfig({ apiKeyGeneration: "2" });
    const replaced = await stack.cli.run(UP);
    expect(replaced).toMatch(/\+-\s*1 replaced/);
    expect(replaced).not.toMatch(/no API to revoke API keys/);
    expect(await stack.cli.run(DESTROY)).toMatch(
      new RegExp(`SodaApiKey \\(key ${user.apiKeyId}\\): Soda Cloud has no API to revoke API keys, so the key stays valid`),
    );
  });

  it("the admin key rotated in config: refresh and destroy use the last up's config and say so; --run-program uses the new one", async () => {
    stack = await realStack({});
    await stack.cli.run(UP);
    await registerAgent(stack);
    const newAdmin = await stack.soda.newApiKey();
    await stack.soda.control("DELETE", `/__emulator/api-keys/${stack.soda.admin.apiKeyId}`);
    await stack.cli.setConfig({ "soda:apiKeyId": newAdmin.apiKeyId, "soda:apiKeySecret": { secret: newAdmin.apiKeySecret } });

    const refresh = await stack.cli.fail(REFRESH);
    expect(refresh).toMatch(/rejected the admin key SodaAgentKey uses/);
    expect(refresh).toMatch(/Refresh and destroy use the config of the last `pulumi up`: run `pulumi up` first, or add `--run-program`/);
    expect(await stack.cli.run([...REFRESH, "--run-program"])).toMatch(/unchanged|updated/);
    expect(await stack.cli.run([...DESTROY, "--run-program"])).toMatch(/- 2 deleted/);
    expect(await liveRunnerKeys(stack)).toEqual([]);
  });

  it("a runner in use: destroy fails saying what to do, and succeeds once it is free", async () => {
    stack = await realStack({});
    await stack.cli.run(UP);
    const runnerId = await registerAgent(stack);
    await stack.cli.run(REFRESH);
    await stack.soda.control("PUT", `/__emulator/runners/${runnerId}/in-use`, { inUse: true });

    const failed = await stack.cli.fail(DESTROY);
    expect(failed).toMatch(
      new RegExp(
        `refused to delete agent "scenario-agent" \\(runner ${runnerId}\\).*wait for running scans to finish; if data sources are assigned to it, assign them to another agent`,
      ),
    );
    expect((await sodaView(stack)).runners.map((r) => r.id)).toEqual([runnerId]);
    await stack.soda.control("PUT", `/__emulator/runners/${runnerId}/in-use`, { inUse: false });
    expect(await stack.cli.run(DESTROY)).toMatch(/- 2 deleted/);
    expect(await liveRunnerKeys(stack)).toEqual([]);
  });

  it("an up that fails half-way (Soda answers 500 to the API key's check) converges on the next up", async () => {
    stack = await realStack({});
    const user = await stack.soda.newApiKey([]);
    await stack.cli.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
    await stack.soda.faults([{ path: "/api/v1/test-login", status: 500, count: 100 }]);
    const failed = await stack.cli.fail(UP);
    expect(failed).toMatch(/\+ 2 created/);
    expect(failed).toMatch(/internal error while verifying the API key/);
    await stack.soda.control("DELETE", "/__emulator/faults");
    expect(await stack.cli.run(UP)).toMatch(/\+ 1 created/);
    expect(await stack.cli.run(["preview", "--non-interactive", "--expect-no-changes"])).toMatch(/unchanged/);
    expect(await liveRunnerKeys(stack)).toEqual([(await agentKeyOf(stack)).apiKeyId]);
  });
});
