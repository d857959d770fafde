import { afterEach, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { DESTROY, TSCONFIG, UP, pulumiYaml, realStack, skipReason, sodaView, type RealStack } from "./real-stack";

/**
 * Three stacks of one Soda organisation, each with KEYS agent keys, running `pulumi up` and then `pulumi destroy`
 * at the same time, as a platform team's pipelines do. Each process paces itself by Soda's limits, but the limits
 * are the organisation's: the others' requests fill the windows it counts on, Soda answers 429, and a 429 makes
 * the pacer back off a whole window. Windows are scaled to WINDOW_MS; every figure is printed.
 */
const STACKS = 3;
const KEYS = 12;
const WINDOW_MS = 3_000;
/** Soda's documented limit of creates and of deletes per window. */
const LIMIT = 10;

const program = (stack: number) => `import { SodaAgentKey } from "pulumi-soda-cloud";

const keys = Array.from({ length: ${KEYS} }, (_, i) => new SodaAgentKey(\`key-\${i}\`, { agentName: \`stack${stack}-agent-\${i}\` }));
export const keyIds = keys.map((key) => key.apiKeyId);
export const keySecrets = keys.map((key) => key.apiKeySecret);
`;

let soda: EmulatorFixture | undefined;
afterEach(async () => {
  await soda?.close();
  soda = undefined;
});

/** The agent keys a stack's state records. */
async function recordedKeyIds(stack: RealStack): Promise<string[]> {
  const state = await stack.cli.exportState();
  return (state.deployment.resources ?? []).filter((r) => r.type.endsWith("soda:AgentKey")).map((r) => String(r.outputs?.apiKeyId));
}

/** Runs `args` on every stack at once; the wall time, and the 429s Soda answered to `operation` meanwhile. */
async function together(stacks: RealStack[], args: string[], operation: string): Promise<{ seconds: number; refused: number; accepted: number }> {
  const shared = soda as EmulatorFixture;
  const before = shared.emulator.requests().length;
  const started = Date.now();
  const results = await Promise.all(stacks.map((stack) => stack.cli.exec(args)));
  const seconds = (Date.now() - started) / 1000;
  results.forEach((result) => expect(result.code, result.output).toBe(0));
  const requests = shared.emulator
    .requests()
    .slice(before)
    .filter((r) => r.operation === operation);
  return { seconds, refused: requests.filter((r) => r.status === 429).length, accepted: requests.filter((r) => r.status === 200).length };
}

/** The least time Soda's limit allows for `count` requests: all but the last window's worth wait a window each. */
const floorSeconds = (count: number) => ((Math.ceil(count / LIMIT) - 1) * WINDOW_MS) / 1000;

describe.skipIf(skipReason)("stacks that share a Soda organisation, through the real pulumi CLI", () => {
  it(`${STACKS} stacks of ${KEYS} keys: up and destroy at the same time all succeed; no key is minted twice or left unrecorded`, async () => {
    soda = await emulatorFixture({ rateWindowMs: WINDOW_MS });
    const stacks: RealStack[] = [];
    for (let i = 0; i < STACKS; i++) {
      stacks.push(
        await realStack({
          sharedEmulator: soda,
          files: {
            "Pulumi.yaml": pulumiYaml(`soda-shared-org-${i}`),
            "index.ts": program(i),
            "tsconfig.json": TSCONFIG,
            "package.json": `{"name":"soda-shared-org-${i}","main":"index.ts"}`,
          },
          config: { "soda:rateWindowMs": String(WINDOW_MS) },
        }),
      );
    }

    const up = await together(stacks, UP, "createRunnerKey");
    const total = STACKS * KEYS;
    console.log(
      `concurrent up: ${total} keys in ${up.seconds.toFixed(1)} s (floor ${floorSeconds(total)} s, ${(up.seconds / floorSeconds(total)).toFixed(2)}x), ${up.refused} answers 429`,
    );
    // Every key minted once, each recorded by exactly one stack.
    expect(up.accepted).toBe(total);
    const recorded = (await Promise.all(stacks.map(recordedKeyIds))).flat();
    expect(recorded).toHaveLength(total);
    expect(new Set(recorded).size).toBe(total);
    const minted = (await sodaView(stacks[0])).runnerKeys.map((k) => k.apiKeyId);
    expect(minted.sort()).toEqual([...recorded].sort());

    // Every agent registers, so that destroy has a runner to delete (and so a key to revoke) per key.
    for (const [i, stack] of stacks.entries()) {
      const outputs = await stack.cli.outputs(true);
      const [ids, secrets] = [outputs.keyIds as string[], outputs.keySecrets as string[]];
      for (const [k, apiKeyId] of ids.entries()) expect((await soda.register({ apiKeyId, apiKeySecret: secrets[k] }, `stack${i}-agent-${k}`)).status).toBe(200);
    }

    const down = await together(stacks, DESTROY, "deleteRunner");
    console.log(
      `concurrent destroy: ${total} runners in ${down.seconds.toFixed(1)} s (floor ${floorSeconds(total)} s, ${(down.seconds / floorSeconds(total)).toFixed(2)}x), ${down.refused} answers 429`,
    );
    expect(down.accepted).toBe(total);
    const view = await sodaView(stacks[0]);
    expect(view.runners).toEqual([]);
    expect(view.runnerKeys.filter((k) => !k.revoked)).toEqual([]);
    for (const stack of stacks) expect(await recordedKeyIds(stack)).toEqual([]);
  });
});
