import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProcessContext } from "../../provider/config/context";
import { agentKeyLifecycle } from "../../provider/resources/agent-key";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";

/**
 * Reads share one list walk (provider/resources/runner-directory.ts); creates and deletes never do. Counted at the emulator,
 * with the reads of one refresh sent concurrently in a process of their own, as the engine does.
 */
type Lifecycle = ReturnType<typeof agentKeyLifecycle>;
type Key = Awaited<ReturnType<Lifecycle["create"]>>;
type Read = Awaited<ReturnType<Lifecycle["read"]>>;

let env: EmulatorFixture;
let clock: FakeClock;
let contexts: ProcessContext[];
let warnings: string[];

/** One provider process (one `pulumi up`, `refresh` or `destroy`), on the shared fake clock. */
function processLifecycle(): Lifecycle {
  const ctx = new ProcessContext({
    clock,
    env: { SODA_HOST: env.url, SODA_API_KEY_ID: env.admin.apiKeyId, SODA_API_KEY_SECRET: env.admin.apiKeySecret },
    warn: (m) => warnings.push(m),
  });
  contexts.push(ctx);
  return agentKeyLifecycle(ctx);
}

/** Runs `work` over `items`, `parallel` at a time, like the engine's `--parallel`. */
async function inPool<T, R>(items: T[], parallel: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

/** Requests the emulator saw while `action` ran, as `METHOD path`. */
async function requestsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const before = env.emulator.requests().length;
  await action();
  return env.emulator
    .requests()
    .slice(before)
    .map((r) => `${r.method} ${r.path}`);
}

const adminHeaders = () => ({ authorization: `Basic ${Buffer.from(`${env.admin.apiKeyId}:${env.admin.apiKeySecret}`).toString("base64")}` });
const deleteOutOfBand = (runnerId: string) => fetch(`${env.url}/api/v1/runners/${runnerId}`, { method: "DELETE", headers: adminHeaders() });

/** `count` keys created by one `up` and their agents registered; the states a refresh starts from. */
async function upAndRegister(count: number, prefix: string): Promise<Key[]> {
  const up = processLifecycle();
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const keys = await inPool(names, 10, (name) => up.create({ agentName: name }));
  await inPool(names, 10, (name, i) => env.register(keys[i].outs as { apiKeyId: string; apiKeySecret: string }, name));
  return keys;
}

beforeEach(async () => {
  clock = new FakeClock("2026-03-01T00:00:00.000Z", true);
  contexts = [];
  warnings = [];
  // The emulator's rate limits run on the same clock, so the `up` of 1000 keys is paced in fake minutes.
  env = await emulatorFixture({ clock });
});
afterEach(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await env.close();
});

describe("a refresh shares one list walk", () => {
  it.each([10, 100, 1000])(
    "refresh of %i keys: one request with runner ids not known, one with them known",
    async (count) => {
      const keys = await upAndRegister(count, "fleet");
      // Each refresh is a process of its own, its reads 8 at a time (the engine's default on 2 cores).
      let first: Read[] = [];
      const unknownIds = await requestsDuring(async () => {
        const refresh = processLifecycle();
        first = await inPool(keys, 8, (k) => refresh.read(k.id, k.outs));
      });
      expect(unknownIds).toEqual(["GET /api/v1/runners"]);
      const runners = (await env.state()).runners as { id: string; name: string }[];
      expect(first.map((r) => r.props?.runnerId)).toEqual(keys.map((k) => runners.find((r) => r.name === k.outs.agentName)!.id));

      clock.advance(60_000);
      let second: Read[] = [];
      const knownIds = await requestsDuring(async () => {
        const refresh = processLifecycle();
        second = await inPool(first, 8, (r) => refresh.read(r.id!, r.props!));
      });
      expect(knownIds).toEqual(["GET /api/v1/runners"]);
      expect(second).toEqual(first);
      expect(warnings).toEqual([]);
    },
    60_000,
  );

  it("a runner absent from the list is confirmed with its own GET before its key is dropped", async () => {
    const [kept, vanished] = await upAndRegister(2, "confirm");
    const refresh = processLifecycle();
    const recorded = await Promise.all([kept, vanished].map((k) => refresh.read(k.id, k.outs)));
    await deleteOutOfBand(recorded[1].props!.runnerId);

    clock.advance(60_000);
    const later = processLifecycle();
    let results: unknown[] = [];
    const requests = await requestsDuring(async () => {
      results = await Promise.all(recorded.map((r) => later.read(r.id!, r.props!)));
    });
    expect(requests).toEqual(["GET /api/v1/runners", `GET /api/v1/runners/${recorded[1].props!.runnerId}`]);
    expect(results).toEqual([recorded[0], {}]);
    expect(warnings).toEqual([expect.stringMatching(/was deleted in Soda Cloud, which revoked the key, so refresh removed the key from the stack/)]);
  });

  it("a recorded runner missing from a snapshot but found by its GET keeps its key", async () => {
    const up = processLifecycle();
    const early = await up.create({ agentName: "early" });
    const late = await up.create({ agentName: "late" });
    const refresh = processLifecycle();
    // The snapshot is taken before the late agent registers...
    await refresh.read(early.id, early.outs);
    const { json } = await env.register(late.outs as { apiKeyId: string; apiKeySecret: string }, "late");
    const recorded = { ...late.outs, runnerId: json.runner.id, registered: true };
    // ...and serves the next read within its second: the runner is absent there, and its GET finds it.
    const requests = await requestsDuring(async () => expect(await refresh.read(late.id, recorded)).toEqual({ id: late.id, props: recorded }));
    expect(requests).toEqual([`GET /api/v1/runners/${json.runner.id}`]);
    expect(warnings).toEqual([]);
  });

  it("a write of runners in the process (a create, a delete) makes the next read walk again, without being told", async () => {
    const [kept, deleted] = await upAndRegister(2, "written");
    const process = processLifecycle();
    expect(await requestsDuring(() => process.read(kept.id, kept.outs))).toEqual(["GET /api/v1/runners"]);
    expect(await requestsDuring(() => process.read(kept.id, kept.outs))).toEqual([]);
    const [read] = await inPool([deleted], 1, (key) => process.read(key.id, key.outs));
    await process.delete(deleted.id, read.props!);
    expect(await requestsDuring(() => process.read(kept.id, kept.outs))).toEqual(["GET /api/v1/runners"]);
    await process.create({ agentName: "written-new" });
    expect(await requestsDuring(() => process.read(kept.id, kept.outs))).toEqual(["GET /api/v1/runners"]);
  });

  it("serves reads while they keep coming; a second without one ends the refresh, and the next read walks again", async () => {
    const [key] = await upAndRegister(1, "window");
    const refresh = processLifecycle();
    expect(await requestsDuring(() => refresh.read(key.id, key.outs))).toEqual(["GET /api/v1/runners"]);
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000);
      expect(await requestsDuring(() => refresh.read(key.id, key.outs))).toEqual([]);
    }
    clock.advance(1_001);
    expect(await requestsDuring(() => refresh.read(key.id, key.outs))).toEqual(["GET /api/v1/runners"]);
  });
});

describe("creates and deletes never use a snapshot", () => {
  it("a create's name check sees an agent registered just after a refresh walked the list", async () => {
    const provider = processLifecycle();
    const other = await provider.create({ agentName: "other" });
    await provider.read(other.id, other.outs);
    const squatter = await processLifecycle().create({ agentName: "squatter" });
    await env.register(squatter.outs as { apiKeyId: string; apiKeySecret: string }, "taken");
    await expect(provider.create({ agentName: "taken" })).rejects.toThrow(/^An agent named "taken" is already registered/);
  });

  it("a delete finds an agent registered just after a refresh walked the list, and revokes its key", async () => {
    const provider = processLifecycle();
    const key = await provider.create({ agentName: "just-registered" });
    expect((await provider.read(key.id, key.outs)).props).toMatchObject({ registered: false });
    await env.register(key.outs as { apiKeyId: string; apiKeySecret: string }, "just-registered");
    const requests = await requestsDuring(() => provider.delete(key.id, key.outs));
    expect(requests).toEqual(["GET /api/v1/runners", expect.stringMatching(/^DELETE \/api\/v1\/runners\/[0-9a-f-]+$/)]);
    expect((await env.state()).runners).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("a delete reads its recorded runner itself: one renamed just after a refresh walked the list is left alone", async () => {
    const provider = processLifecycle();
    const key = await provider.create({ agentName: "before" });
    await env.register(key.outs as { apiKeyId: string; apiKeySecret: string }, "before");
    const { props } = await provider.read(key.id, key.outs);
    await env.register(key.outs as { apiKeyId: string; apiKeySecret: string }, "after");
    await provider.delete(key.id, props!);
    expect((await env.state()).runners).toEqual([expect.objectContaining({ name: "after" })]);
    expect(warnings).toEqual([expect.stringMatching(/is now named "after", so destroy and rotation leave it alone/)]);
  });

  it("a read after this process deleted a runner walks the list again", async () => {
    const [a, b] = await upAndRegister(2, "after-delete");
    const provider = processLifecycle();
    const [ra, rb] = await Promise.all([a, b].map((k) => provider.read(k.id, k.outs)));
    await provider.delete(ra.id!, ra.props!);
    expect(await requestsDuring(() => provider.read(rb.id!, rb.props!))).toEqual(["GET /api/v1/runners"]);
  });
});
