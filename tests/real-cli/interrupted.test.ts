import { describe, expect, it } from "vitest";
import { REFRESH, TSCONFIG, UP, pulumiYaml, realStack, skipReason, sodaView, type RealStack } from "./real-stack";

/**
 * `pulumi up` interrupted while agent keys are being created, as Ctrl-C in a terminal interrupts it (SIGINT to the
 * CLI's process group), then what the README's troubleshooting section says to run. Each create is held by the
 * emulator for CREATE_LATENCY_MS before Soda applies it, so every create is in flight when the signal comes.
 */
const KEYS = 4;
const CREATE_LATENCY_MS = 4_000;
const PROGRAM = `import { SodaAgentKey } from "pulumi-soda-cloud";

export const keyIds = Array.from({ length: ${KEYS} }, (_, i) => new SodaAgentKey(\`key-\${i}\`, { agentName: \`interrupted-agent-\${i}\` }).apiKeyId);
`;
const FILES = {
  "Pulumi.yaml": pulumiYaml("soda-interrupted"),
  "index.ts": PROGRAM,
  "tsconfig.json": TSCONFIG,
  "package.json": '{"name":"soda-interrupted","main":"index.ts"}',
};

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs` saying what it waited for. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Holds the next KEYS runner creates; resolves a probe of how many of them have reached the emulator. */
async function holdCreates(stack: RealStack): Promise<() => Promise<number>> {
  const added = await stack.soda.faults([{ method: "POST", path: "/api/v1/runners", latencyMs: CREATE_LATENCY_MS, count: KEYS }]);
  const id = added.json.rules[0].id as string;
  return async () => {
    const rule = ((await stack.soda.control("GET", "/__emulator/faults")).json.rules as { id: string; remaining?: number }[]).find((r) => r.id === id);
    // A rule whose count ran out is gone: every create it held has arrived.
    return rule === undefined ? KEYS : KEYS - (rule.remaining ?? 0);
  };
}

/** The agent keys the stack's state records, by id. */
async function recordedKeyIds(stack: RealStack): Promise<string[]> {
  const state = await stack.cli.exportState();
  return (state.deployment.resources ?? [])
    .filter((r) => r.type.endsWith("soda:AgentKey") && r.outputs?.apiKeyId !== undefined)
    .map((r) => String(r.outputs?.apiKeyId));
}

/** Runner keys Soda minted, and those of them not revoked. */
async function mintedKeyIds(stack: RealStack): Promise<{ all: string[]; live: string[] }> {
  const keys = (await sodaView(stack)).runnerKeys;
  return { all: keys.map((k) => k.apiKeyId), live: keys.filter((k) => !k.revoked).map((k) => k.apiKeyId) };
}

/** The stack's pending operations: what the engine was doing when it was stopped. */
async function pendingOperations(stack: RealStack): Promise<unknown[]> {
  return ((await stack.cli.exportState()).deployment.pending_operations as unknown[] | undefined) ?? [];
}

const sorted = (ids: string[]) => [...ids].sort();

/** A stack whose `pulumi up` is running, with every one of its KEYS creates held by Soda. */
async function upWithCreatesInFlight() {
  const stack = await realStack({ files: FILES });
  const arrived = await holdCreates(stack);
  const run = stack.cli.start(UP);
  await until(`all ${KEYS} creates to reach Soda`, async () => (await arrived()) === KEYS);
  return { stack, run };
}

describe.skipIf(skipReason)("an interrupted pulumi up, through the real CLI", () => {
  it("Ctrl-C once while keys are created: the creates in flight finish and are recorded; the next up converges", async () => {
    const { stack, run } = await upWithCreatesInFlight();
    run.interrupt();
    const interrupted = await run.result;
    expect(interrupted.code, interrupted.output).not.toBe(0);
    expect(interrupted.output).toContain("^C received; cancelling");
    // Pulumi waited for the creates in flight: every key Soda minted is in the state, nothing is pending.
    const minted = await mintedKeyIds(stack);
    expect(minted.all).toHaveLength(KEYS);
    expect(sorted(await recordedKeyIds(stack))).toEqual(sorted(minted.all));
    expect(await pendingOperations(stack)).toEqual([]);

    const next = await stack.cli.exec(UP);
    expect(next.code, next.output).toBe(0);
    expect(next.output).toMatch(/\b5 unchanged/);
    expect(sorted(await recordedKeyIds(stack))).toEqual(sorted((await mintedKeyIds(stack)).live));
  });

  it("Ctrl-C twice while keys are created: the creates stay pending, keys whose answer was lost stay live and unrecorded, and the next up and refresh --clear-pending-creates converge", async () => {
    const { stack, run } = await upWithCreatesInFlight();
    run.interrupt();
    await until("the CLI to say it is cancelling", async () => run.output().includes("^C received; cancelling"));
    run.interrupt();
    const interrupted = await run.result;
    expect(interrupted.code, interrupted.output).not.toBe(0);
    expect(interrupted.output).toContain("^C received; terminating");
    expect(await recordedKeyIds(stack)).toEqual([]);
    expect(await pendingOperations(stack)).toHaveLength(KEYS);
    // Soda still applies the creates it received: keys whose secrets reached no one.
    await until(`Soda to apply the ${KEYS} creates it held`, async () => (await mintedKeyIds(stack)).all.length === KEYS, CREATE_LATENCY_MS * 5);
    const lost = (await mintedKeyIds(stack)).all;

    // The next up warns about the pending creates and creates every key anew.
    const next = await stack.cli.exec(UP);
    expect(next.code, next.output).toBe(0);
    expect(next.output).toContain(`Attempting to deploy or update resources with ${KEYS} pending operations from previous deployment`);
    const recorded = await recordedKeyIds(stack);
    expect(recorded).toHaveLength(KEYS);
    expect(recorded.filter((id) => lost.includes(id))).toEqual([]);

    // What the README says to run clears what is left pending.
    const refresh = await stack.cli.exec([...REFRESH, "--clear-pending-creates"]);
    expect(refresh.code, refresh.output).toBe(0);
    expect(await pendingOperations(stack)).toEqual([]);
    const last = await stack.cli.exec(UP);
    expect(last.code, last.output).toBe(0);
    expect(last.output).not.toContain("pending operations");
    expect(last.output).toMatch(/\b5 unchanged/);

    // Every recorded key is live; the lost ones are live too, and recorded nowhere.
    const live = (await mintedKeyIds(stack)).live;
    expect(sorted(live)).toEqual(sorted([...recorded, ...lost]));
  });
});
