import { describe, expect, it } from "vitest";
import type { Runner } from "../../provider/client/soda-cloud-client";
import { RunnerDirectory } from "../../provider/resources/runner-directory";
import { FakeClock } from "../support/fake-clock";

const runner = (id: string, name: string): Runner => ({
  id,
  name,
  label: name,
  isOnline: true,
  lastSeenTimestamp: "2026-03-01T00:00:00.000Z",
  type: "SELF_HOSTED",
  versions: { agent: "1", library: "1", runner: "1" },
});

/** A list the test answers by hand, counting the walks asked for. */
function controlledList() {
  const pending: { resolve: (r: Runner[]) => void; reject: (e: Error) => void }[] = [];
  return {
    walks: () => pending.length,
    list: () => new Promise<Runner[]>((resolve, reject) => pending.push({ resolve, reject })),
    answer: (i: number, runners: Runner[]) => pending[i].resolve(runners),
    fail: (i: number, error: Error) => pending[i].reject(error),
  };
}

describe("RunnerDirectory", () => {
  it("serves reads while they keep coming, however long: a second without one, or a minute in all, ends it", async () => {
    const source = controlledList();
    const clock = new FakeClock();
    const directory = new RunnerDirectory(source.list, clock);
    const first = directory.snapshot();
    source.answer(0, [runner("r1", "a")]);
    await first;
    // A large refresh: a read every 900 ms for 50 s, all from the one walk.
    for (let t = 0; t < 50_000; t += 900) {
      clock.advance(900);
      await directory.snapshot();
    }
    expect(source.walks()).toBe(1);
    // A pause of more than a second: the refresh is over, the next read walks again.
    clock.advance(1_001);
    void directory.snapshot();
    expect(source.walks()).toBe(2);
    source.answer(1, []);
    // Reads that never pause still walk again after a minute.
    for (let t = 0; t < 61_000; t += 500) {
      clock.advance(500);
      const next = directory.snapshot();
      if (source.walks() > 2) {
        source.answer(2, []);
        await next;
        break;
      }
      await next;
    }
    expect(source.walks()).toBe(3);
  });

  it("serves every read that asks while a walk is in flight from that walk", async () => {
    const source = controlledList();
    const directory = new RunnerDirectory(source.list, new FakeClock());
    const reads = [directory.snapshot(), directory.snapshot(), directory.snapshot()];
    expect(source.walks()).toBe(1);
    source.answer(0, [runner("r1", "a")]);
    const snapshots = await Promise.all(reads);
    for (const s of snapshots) expect(s.byName("a")?.id).toBe("r1");
    expect(snapshots[0].byId("r1")?.name).toBe("a");
    expect(snapshots[0].byId("r2")).toBeUndefined();
  });

  it("keeps no failed walk: each read that joined gets the error, and the next read walks again", async () => {
    const source = controlledList();
    const directory = new RunnerDirectory(source.list, new FakeClock());
    const reads = [directory.snapshot(), directory.snapshot()];
    source.fail(0, new Error("Soda Cloud answered 503"));
    for (const read of reads) await expect(read).rejects.toThrow(/503/);
    const next = directory.snapshot();
    expect(source.walks()).toBe(2);
    source.answer(1, []);
    expect((await next).byName("a")).toBeUndefined();
  });

  it("after invalidate, a walk in flight answers the reads that joined it but no later one", async () => {
    const source = controlledList();
    const clock = new FakeClock();
    const directory = new RunnerDirectory(source.list, clock);
    const early = directory.snapshot();
    directory.invalidate();
    const late = directory.snapshot();
    expect(source.walks()).toBe(2);
    source.answer(0, [runner("r1", "old")]);
    source.answer(1, [runner("r1", "new")]);
    expect((await early).byId("r1")?.name).toBe("old");
    expect((await late).byId("r1")?.name).toBe("new");
    // The walk that began before the invalidation is not kept; the later one is.
    expect((await directory.snapshot()).byId("r1")?.name).toBe("new");
    expect(source.walks()).toBe(2);
  });
});
