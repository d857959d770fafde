import { describe, expect, it } from "vitest";
import { emulatorFixture } from "../support/emulator-fixture";
import { DESTROY, REFRESH, UP, agentKeyOf, liveRunnerKeys, pulumiYaml, realStack, registerAgent, skipReason, storedOutputs, TSCONFIG } from "./real-stack";

/**
 * A key lives where it was created: refresh and destroy go to the endpoint in its state, and a config that points
 * elsewhere is refused for a SodaAgentKey (its old runner can only be deleted where it lives, with that Soda
 * Cloud's admin key, which `up` no longer has) and replaces a SodaApiKey (verified again where the config points).
 */
describe.skipIf(skipReason)("a key lives at its endpoint, through the real pulumi CLI", () => {
  it("SodaAgentKey: a moved soda:host is refused at preview; refresh acts where the key lives; destroy with the old settings, then up with the new, moves it", async () => {
    const stack = await realStack({});
    const elsewhere = await emulatorFixture();
    try {
      await stack.cli.run(UP);
      await registerAgent(stack);
      await stack.cli.run(REFRESH);
      const { apiKeyId } = await agentKeyOf(stack);
      const oldSettings = {
        "soda:host": stack.soda.url,
        "soda:apiKeyId": stack.soda.admin.apiKeyId,
        "soda:apiKeySecret": { secret: stack.soda.admin.apiKeySecret },
      };
      const newSettings = {
        "soda:host": elsewhere.url,
        "soda:apiKeyId": elsewhere.admin.apiKeyId,
        "soda:apiKeySecret": { secret: elsewhere.admin.apiKeySecret },
      };
      await stack.cli.setConfig(newSettings);

      const moved = `SodaAgentKey "scenario-agent" (key ${apiKeyId}) was created at ${stack.soda.url}, but soda:host now points at ${elsewhere.url}. A key lives where it was created.`;
      expect(await stack.cli.fail(["preview", "--non-interactive"])).toContain(moved);
      // An up with its preview fails there, before it records anything.
      expect(await stack.cli.fail(["up", "--yes", "--non-interactive"])).toContain(moved);
      // Refresh runs with the last up's config, at the key's own endpoint: the key is found and nothing changes.
      expect(await stack.cli.run([...REFRESH, "--expect-no-changes"])).toMatch(/unchanged/);
      expect(elsewhere.emulator.requests()).toEqual([]);

      // Moving it, as the message says: with the old settings, destroy revokes it where it lives; with the new
      // ones, up creates a key where the config points.
      const urn = (await stack.cli.exportState()).deployment.resources!.find((r) => r.type.endsWith(":AgentKey"))!.urn;
      await stack.cli.setConfig(oldSettings);
      expect(await stack.cli.run([...DESTROY, "--target", urn, "--run-program"])).toMatch(/- 1 deleted/);
      expect(await liveRunnerKeys(stack)).toEqual([]);
      await stack.cli.setConfig(newSettings);
      expect(await stack.cli.run(UP)).toMatch(/\+ 1 created/);
      expect(await storedOutputs(stack, "AgentKey")).toMatchObject({ endpoint: elsewhere.url });
      const keysElsewhere = (await elsewhere.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner");
      expect(keysElsewhere.map((k: { apiKeyId: string }) => k.apiKeyId)).toEqual([(await agentKeyOf(stack)).apiKeyId]);
    } finally {
      await elsewhere.close();
    }
  });

  it("SodaApiKey: a moved soda:host replaces it, verified where the config points", async () => {
    const program = `import * as pulumi from "@pulumi/pulumi";
import { SodaApiKey } from "pulumi-soda-cloud";
const config = new pulumi.Config();
const key = new SodaApiKey("api", { apiKeyId: config.require("apiKeyId"), apiKeySecret: config.requireSecret("apiKeySecret") });
export const endpoint = key.endpoint;
`;
    const stack = await realStack({
      files: {
        "Pulumi.yaml": pulumiYaml("soda-api-endpoint"),
        "index.ts": program,
        "tsconfig.json": TSCONFIG,
        "package.json": '{"name":"soda-api-endpoint","main":"index.ts"}',
      },
    });
    const user = await stack.soda.newApiKey([]);
    // The same key known to a second Soda Cloud, so that only the endpoint differs.
    const elsewhere = await emulatorFixture({ userKeys: [user] });
    try {
      await stack.cli.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
      await stack.cli.run(UP);
      await stack.cli.setConfig({ "soda:host": elsewhere.url });
      expect(await stack.cli.run(["preview", "--non-interactive", "--diff"])).toMatch(/\+-\s*1 to replace/);
      expect(await stack.cli.run(UP)).toMatch(/\+-\s*1 replaced/);
      expect((await stack.cli.outputs()).endpoint).toBe(elsewhere.url);
      expect(elsewhere.emulator.requests().map((r) => r.path)).toEqual(["/api/v1/test-login"]);
    } finally {
      await elsewhere.close();
    }
  });

  it("configured only in the environment: a shell without it is told the endpoint is missing, not shown a move", async () => {
    const stack = await realStack({});
    // The endpoint and admin key from the environment only, as a CI job exporting SODA_HOST and the key would.
    for (const key of ["soda:host", "soda:apiKeyId", "soda:apiKeySecret"]) await stack.cli.run(["config", "rm", key]);
    const environment = { SODA_HOST: stack.soda.url, SODA_API_KEY_ID: stack.soda.admin.apiKeyId, SODA_API_KEY_SECRET: stack.soda.admin.apiKeySecret };
    Object.assign(stack.cli.env, environment);
    const user = await stack.soda.newApiKey([]);
    await stack.cli.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
    expect(await stack.cli.run(UP)).toMatch(/\+ 3 created/);

    // A shell without those variables: the preview stops at the first key it checks, which says where it lives and
    // how to point there again; nothing plans to replace a key against the default region.
    for (const key of Object.keys(environment)) delete stack.cli.env[key];
    const preview = await stack.cli.fail(["preview", "--non-interactive", "--diff"]);
    const url = stack.soda.url.replace(/[.]/g, "\\.");
    expect(preview).toMatch(
      new RegExp(`(SodaAgentKey|SodaApiKey): no Soda Cloud endpoint is configured \\(soda:host, soda:region or SODA_HOST\\), and this key lives at ${url}\\.`),
    );
    expect(preview).toContain(`\`pulumi config set soda:host ${stack.soda.url}\``);
    expect(preview).not.toMatch(/replace/);
    expect(preview).not.toMatch(/^\s*at .*:\d+:\d+\)?$/m);

    // With the variables back, nothing changes.
    Object.assign(stack.cli.env, environment);
    await stack.cli.run(["preview", "--non-interactive", "--expect-no-changes"]);
    expect(await stack.cli.run(DESTROY)).toMatch(/- 3 deleted/);
  });
});
