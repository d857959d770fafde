/**
 * Load: N SodaAgentKeys created, refreshed and destroyed through ONE provider host, 10 calls at a time, against
 * Soda's documented rate limits with a scaled window (the same window in the emulator and in soda:rateWindowMs).
 * Zero failures, zero 429s (neither surfaced nor sent by the emulator: the pacer must keep Soda under its limits),
 * zero leaks, and the host's peak memory printed.
 *
 * `npm test` runs N = 40; `npm run test:load` runs N = 200 (LOAD_KEYS).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { serializedProviders } from "../support/provider-texts";
import { peakRssKiB } from "../support/process-memory";
import { agentKeyCalls, envCount, pool, startWorld, type World } from "./harness";

const N = envCount("LOAD_KEYS", 40);
const PARALLEL = 10;
const RATE_WINDOW_MS = envCount("LOAD_RATE_WINDOW_MS", 200);
/** Every REGISTER_EVERY-th key gets an agent, so destroy really deletes runners (the others cannot be revoked). */
const REGISTER_EVERY = 2;

let project: ProjectDir;
let providers: { agentKey: string; apiKey: string };
const worlds: World[] = [];

beforeAll(async () => {
  providers = await serializedProviders();
  project = prepareProjectDir({ prefix: "soda-hardening-load-" });
}, 60_000);

afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()));
  project?.cleanup();
});

async function world(options: Parameters<typeof startWorld>[0]["emulator"], config: Record<string, string>): Promise<World> {
  const started = await startWorld({ project, emulator: options, config });
  worlds.push(started);
  return started;
}

describe("load through one provider host", () => {
  it(
    `creates, refreshes and destroys ${N} agent keys ${PARALLEL} at a time with no failure, no 429 and no leak`,
    async () => {
      const w = await world({ rateWindowMs: RATE_WINDOW_MS }, { "soda:rateWindowMs": String(RATE_WINDOW_MS) });
      const agent = agentKeyCalls(w.host, providers.agentKey);
      const names = Array.from({ length: N }, (_, i) => `load-agent-${String(i).padStart(4, "0")}`);
      const registers = (i: number) => i % REGISTER_EVERY === 0;
      const state = new Map<string, { id: string; props: Record<string, unknown> }>();
      const runnerIds = new Map<string, string>();
      const keyIds = new Map<string, string>();
      const errors: string[] = [];
      const collect = (phase: string, results: PromiseSettledResult<unknown>[]) =>
        results.forEach((r, i) => r.status === "rejected" && errors.push(`${phase} ${names[i]}: ${(r.reason as Error).message}`));

      // up: every key created; the agents of some start and register as soon as their key exists.
      const t0 = Date.now();
      collect(
        "create",
        await pool(names, PARALLEL, async (name, i) => {
          const created = await agent.create(name);
          state.set(name, { id: created.id, props: created.properties });
          keyIds.set(name, created.id);
          if (registers(i)) {
            const reply = await w.env.register(created.properties as { apiKeyId: string; apiKeySecret: string }, name);
            if (reply.status !== 200) throw new Error(`register: HTTP ${reply.status}`);
            runnerIds.set(name, reply.json.runner.id);
          }
        }),
      );
      const tCreated = Date.now();
      const afterUp = await w.runnerKeys();

      // refresh: registered keys are found (by name, then their runner id is recorded); the others stay.
      collect(
        "read",
        await pool(names, PARALLEL, async (name) => {
          const entry = state.get(name)!;
          const read = await agent.read(name, entry.id, entry.props);
          if (read.id !== entry.id) throw new Error(`refresh dropped the key (id "${read.id}")`);
          const runnerId = runnerIds.get(name) ?? "";
          if (read.properties.runnerId !== runnerId || read.properties.registered !== (runnerId !== "")) {
            throw new Error(`refresh recorded runner "${read.properties.runnerId}" (registered ${read.properties.registered}), expected "${runnerId}"`);
          }
          state.set(name, { id: read.id, props: read.properties });
        }),
      );
      const tRead = Date.now();

      // destroy.
      collect(
        "delete",
        await pool(names, PARALLEL, async (name) => {
          const entry = state.get(name)!;
          await agent.delete(name, entry.id, entry.props);
          state.delete(name);
        }),
      );
      const tDeleted = Date.now();
      const peakKiB = peakRssKiB(w.host.pid);

      const dump = await w.dump();
      const requests = w.env.emulator.requests();
      const byOperation = new Map<string, number>();
      for (const r of requests) byOperation.set(String(r.operation), (byOperation.get(String(r.operation)) ?? 0) + 1);
      const emulator429s = requests.filter((r) => r.status === 429).length;
      const runnerKeys = dump.apiKeys.filter((k) => k.kind === "runner");
      const leakedRunners = dump.runners.length;
      const liveRunnerKeys = runnerKeys.filter((k) => !k.revoked);
      const warnings = w.host
        .stderr()
        .split("\n")
        .filter((l) => /^warning: SodaAgentKey .* never registered/.test(l));
      const registered = names.filter((_, i) => registers(i)).length;
      const neverRegistered = names.filter((_, i) => !registers(i)).map((name) => keyIds.get(name)!);
      console.log(
        `load: ${N} keys, ${PARALLEL} parallel, window ${RATE_WINDOW_MS} ms: create ${tCreated - t0} ms, refresh ${tRead - tCreated} ms, destroy ${tDeleted - tRead} ms; ` +
          `${errors.length} failures, ${emulator429s} emulator 429s, ${requests.length} requests (${[...byOperation].map(([op, n]) => `${op} ${n}`).join(", ")}); ` +
          `runners left ${leakedRunners}, unrevoked runner keys ${liveRunnerKeys.length} (all never registered: ${N - registered}), ` +
          `host peak RSS ${peakKiB === undefined ? "n/a" : `${(peakKiB / 1024).toFixed(1)} MiB`}`,
      );

      expect(errors).toEqual([]);
      expect(errors.filter((e) => /429|rate limit/i.test(e))).toEqual([]);
      // Exactly one key per create, every one of them the key the stack recorded.
      expect(afterUp).toHaveLength(N);
      expect(new Set(runnerKeys.map((k) => k.apiKeyId)).size).toBe(N);
      // The pacer kept the emulator under every documented limit: it never had to send a 429.
      expect(emulator429s).toBe(0);
      // Destroy deleted each registered agent's runner once, by the id refresh recorded.
      expect(byOperation.get("deleteRunner")).toBe(registered);
      // No leak: no runner left; every key whose agent registered is revoked; the rest are exactly the keys that
      // never registered (no API can revoke them), each named in a warning.
      expect(leakedRunners).toBe(0);
      expect(runnerKeys.filter((k) => k.runnerId !== null).every((k) => k.revoked)).toBe(true);
      expect(liveRunnerKeys.map((k) => k.apiKeyId).sort()).toEqual(neverRegistered.sort());
      expect(liveRunnerKeys.every((k) => k.runnerId === null)).toBe(true);
      expect(warnings).toHaveLength(N - registered);
      // Pacing really happened: N creates at 10 per window cannot finish in fewer than N/10 - 1 windows.
      expect(tCreated - t0).toBeGreaterThanOrEqual((Math.ceil(N / 10) - 1) * RATE_WINDOW_MS);
      if (process.platform === "linux") expect(peakKiB).toBeGreaterThan(0);
    },
    60_000 + N * 500,
  );
});

describe("pacing against the operation deadline", () => {
  // With Soda's real windows, the 11th create in a minute must wait ~60 s for a pacing slot; with a 1 s
  // operation deadline it gives up while waiting, before sending anything.
  let outcome: PromiseSettledResult<unknown>[] = [];
  let keysMinted = -1;

  it("gives up on a create that cannot be paced before its deadline, sending nothing", async () => {
    const w = await world({}, { "soda:operationTimeoutMs": "1000" });
    const agent = agentKeyCalls(w.host, providers.agentKey);
    outcome = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => agent.create(`paced-${i}`)));
    keysMinted = (await w.runnerKeys()).length;
    expect(outcome.filter((o) => o.status === "fulfilled")).toHaveLength(10);
    expect(keysMinted).toBe(10);
    expect(w.env.emulator.requests().filter((r) => r.operation === "createRunnerKey")).toHaveLength(10);
  }, 30_000);

  // Regression: the deadline passing during a pacing wait used to escape as a bare "This operation was aborted".
  it("says that the deadline passed while waiting for Soda's rate limit, and names the setting", () => {
    const failure = outcome.find((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(failure).toBeDefined();
    const message = (failure!.reason as Error).message;
    expect(message).toMatch(/Soda Cloud/);
    expect(message).toMatch(/soda:operationTimeoutMs/);
    expect(message).not.toMatch(/^This operation was aborted$/);
  });
});
