import { describe, expect, it } from "vitest";
import { diagnostics, recordedRun } from "./engine-records";
import { REFRESH, UP, agentKeyOf, liveRunnerKeys, realStack, registerAgent, skipReason, sodaView, type RealStack } from "./real-stack";

/**
 * An agent that serves data sources, on the reading of Soda's "in use" where a runner with data sources assigned
 * cannot be deleted (the emulator's `scans-or-datasources` rule; Soda does not say which reading holds).
 */

/** Calls Soda's REST API with the stack's admin key, as a user's script or the Soda Cloud UI would. */
async function sodaApi(stack: RealStack, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const { apiKeyId, apiKeySecret } = stack.soda.admin;
  const response = await fetch(`${stack.soda.url}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${apiKeyId}:${apiKeySecret}`).toString("base64")}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe.skipIf(skipReason)("an agent that serves data sources, through the real pulumi CLI", () => {
  it("a delete-first rotation fails with both readings of 'in use' and changes nothing; once the data source moves, it rotates", async () => {
    const stack = await realStack({ emulator: { runnerInUse: "scans-or-datasources" } });
    await stack.cli.run(UP);
    const runnerId = await registerAgent(stack);
    await stack.cli.run(REFRESH);
    const oldKey = await agentKeyOf(stack);
    const created = await sodaApi(stack, "POST", "/api/v1/datasources", { configurationFileContents: "type: postgres\nname: orders\n", runnerId });
    expect(created.status).toBe(200);

    await stack.cli.setConfig({ generation: "2" });
    const run = await recordedRun(stack, UP);
    const failed = run.output;
    expect(run.code, failed).not.toBe(0);
    const message = `Soda Cloud refused to delete agent "scenario-agent" (runner ${runnerId}), which would revoke its key: it is in use, and Soda does not say how. Nothing changed; the old key stays live. If scans are running on it, wait for running scans to finish; if data sources are assigned to it, assign them to another agent in Soda Cloud. Then run the command again.`;
    expect(failed).toContain(message);
    // One error, on the key (the CLI shows it on the key's row and under Diagnostics), besides the engine's own
    // "update failed"; never echoed on the stack with JavaScript frames.
    const errors = diagnostics(run).filter((d) => d.severity === "error" && d.message.trim() !== "update failed");
    expect(
      errors.map((d) => d.urn.split("::").pop()),
      failed,
    ).toEqual(["agent"]);
    expect(errors[0].message).toContain(message);
    expect(failed).not.toContain("Error: Soda Cloud refused");
    expect(failed).not.toMatch(/^\s*at .*:\d+:\d+\)?$/m);
    // Nothing changed: the runner, its key, the state's key.
    expect((await sodaView(stack)).runners.map((r) => r.id)).toEqual([runnerId]);
    expect(await liveRunnerKeys(stack)).toEqual([oldKey.apiKeyId]);
    expect((await agentKeyOf(stack)).apiKeyId).toBe(oldKey.apiKeyId);

    // The data source moved to another agent, as the message says: the rotation goes through.
    const otherKey = (await sodaApi(stack, "POST", "/api/v1/runners")).json as { apiKeyId: string; apiKeySecret: string };
    const other = await stack.soda.register(otherKey, "other-agent");
    expect(other.status).toBe(200);
    expect((await sodaApi(stack, "POST", `/api/v1/datasources/${created.json.id}`, { runnerId: other.json.runner.id })).status).toBe(200);
    await stack.cli.run(UP);
    const newKey = await agentKeyOf(stack);
    expect(newKey.apiKeyId).not.toBe(oldKey.apiKeyId);
    expect((await liveRunnerKeys(stack)).sort()).toEqual([newKey.apiKeyId, otherKey.apiKeyId].sort());
  });
});
