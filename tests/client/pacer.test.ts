import { describe, expect, it } from "vitest";
import { estimatedWaitMs, MIN_OBSERVED_WAIT_MS, RateLimitPacer, type PacerWait, type WaitObserver } from "../../provider/client/pacer";
import { scaledRateLimits } from "../../provider/client/soda-api";
import { FakeClock } from "../support/fake-clock";

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("RateLimitPacer", () => {
  it("lets `limit` requests start at once and the next only a full window after one finished", async () => {
    const clock = new FakeClock(0);
    const pacer = new RateLimitPacer(scaledRateLimits(), clock);
    const started: number[] = [];
    const all = Array.from({ length: 12 }, async () => {
      const permit = await pacer.acquire("createRunnerKey");
      started.push(clock.now());
      clock.advance(0);
      permit.release();
    });
    await flush();
    expect(started).toHaveLength(10);
    clock.advance(59_999);
    await flush();
    expect(started).toHaveLength(10);
    clock.advance(1);
    await flush();
    await Promise.all(all);
    expect(started).toEqual([...Array(10).fill(0), 60_000, 60_000]);
  });

  it("backs off a whole window after a 429, however few requests this process counted", async () => {
    const clock = new FakeClock(0);
    const pacer = new RateLimitPacer(scaledRateLimits(), clock);
    // One create of ten allowed, refused: another process (another stack) filled Soda's window.
    (await pacer.acquire("createRunnerKey")).release(true);
    let next: number | undefined;
    const pending = pacer.acquire("createRunnerKey").then((p) => {
      next = clock.now();
      p.release();
    });
    clock.advance(59_999);
    await flush();
    expect(next).toBeUndefined();
    clock.advance(1);
    await pending;
    expect(next).toBe(60_000);
    // Then the lane is back to its limit: nine more go at once.
    const burst = Array.from({ length: 9 }, () => pacer.acquire("createRunnerKey"));
    await flush();
    expect((await Promise.all(burst)).length).toBe(9);
  });

  it("counts requests still in flight against the limit", async () => {
    const clock = new FakeClock(0);
    const pacer = new RateLimitPacer({ ...scaledRateLimits(), deleteRunner: { limit: 2, windowMs: 1000 } }, clock);
    const a = await pacer.acquire("deleteRunner");
    await pacer.acquire("deleteRunner");
    let third = false;
    const pending = pacer.acquire("deleteRunner").then(() => (third = true));
    clock.advance(5000);
    await flush();
    expect(third).toBe(false);
    a.release();
    await flush();
    expect(third).toBe(false);
    clock.advance(1000);
    await pending;
    expect(third).toBe(true);
  });

  it("keeps operations apart and serves waiters in order", async () => {
    const clock = new FakeClock(0);
    const pacer = new RateLimitPacer({ ...scaledRateLimits(), listRunners: { limit: 1, windowMs: 100 } }, clock);
    const order: string[] = [];
    const first = await pacer.acquire("listRunners");
    const waiters = ["b", "c"].map((name) => pacer.acquire("listRunners").then((p) => (order.push(name), p.release())));
    (await pacer.acquire("getRunner")).release();
    first.release();
    clock.advance(100);
    await flush();
    clock.advance(100);
    await Promise.all(waiters);
    expect(order).toEqual(["b", "c"]);
  });

  it("gives up a wait when the signal aborts", async () => {
    const clock = new FakeClock(0);
    const pacer = new RateLimitPacer({ ...scaledRateLimits(), testLogin: { limit: 1, windowMs: 100 } }, clock);
    (await pacer.acquire("testLogin")).release();
    const abort = new AbortController();
    const waiting = pacer.acquire("testLogin", abort.signal);
    abort.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
    clock.advance(100);
    await expect(pacer.acquire("testLogin")).resolves.toBeDefined();
  });
});

describe("estimatedWaitMs", () => {
  const rate = { limit: 10, windowMs: 60_000 };
  it.each([
    ["a free slot", { now: 0, finishedAt: [0, 0, 0], inFlight: 2, rate }, 4, 0],
    [
      "the first request past the free slots: the oldest finish leaves the window",
      { now: 10_000, finishedAt: [0, 1_000, 2_000], inFlight: 2, rate },
      5,
      50_000,
    ],
    ["further back, the next finishes in order", { now: 10_000, finishedAt: [0, 1_000, 2_000], inFlight: 2, rate }, 7, 52_000],
    ["past every finish, the requests in flight count as finishing now", { now: 10_000, finishedAt: [0, 1_000, 2_000], inFlight: 7, rate }, 3, 60_000],
    ["past everyone, a window after the requests ahead of it", { now: 0, finishedAt: [], inFlight: 10, rate }, 10, 120_000],
    ["finishes that left the window count for nothing", { now: 70_000, finishedAt: [0, 5_000], inFlight: 10, rate }, 0, 60_000],
  ])("%s", (_case, state, position, expected) => {
    expect(estimatedWaitMs(state, position)).toBe(expected);
  });
});

describe("RateLimitPacer's wait observers", () => {
  /** An observer per wait, recording what it hears and when. */
  function recorder(clock: FakeClock) {
    const heard: { wait: number; at: number; ms?: number; ended?: true }[] = [];
    let waits = 0;
    const onWait = (wait: PacerWait): WaitObserver => {
      const id = waits++;
      expect(wait).toEqual({ operation: "createRunnerKey", rate: { limit: 10, windowMs: 60_000 } });
      return { remaining: (ms) => heard.push({ wait: id, at: clock.now(), ms }), ended: () => heard.push({ wait: id, at: clock.now(), ended: true }) };
    };
    return { heard, onWait };
  }

  it("hear how long is left when the wait starts, every progress interval of the clock, and when it ends", async () => {
    const clock = new FakeClock(0);
    const { heard, onWait } = recorder(clock);
    const pacer = new RateLimitPacer(scaledRateLimits(), clock, { onWait });
    const permits = Array.from({ length: 12 }, () => pacer.acquire("createRunnerKey"));
    // Ten go at once: only the last two wait, and are told so at once.
    expect(heard).toEqual([
      { wait: 0, at: 0, ms: 60_000 },
      { wait: 1, at: 0, ms: 60_000 },
    ]);
    for (const permit of permits.slice(0, 10)) (await permit).release();
    for (let t = 5_000; t <= 60_000; t += 5_000) {
      clock.advance(5_000);
      await flush();
    }
    await Promise.all(permits);
    const first = heard.filter((h) => h.wait === 0);
    expect(first.filter((h) => h.ended === undefined).map((h) => [h.at, h.ms])).toEqual(
      expect.arrayContaining(Array.from({ length: 12 }, (_, i) => [i * 5_000, 60_000 - i * 5_000])),
    );
    expect(first.at(-1)).toEqual({ wait: 0, at: 60_000, ended: true });
    expect(heard.filter((h) => h.wait === 1).at(-1)).toEqual({ wait: 1, at: 60_000, ended: true });
  });

  it("set no timer for a wait only on requests in flight, whose end no clock can tell", async () => {
    const clock = new FakeClock(0);
    const { heard, onWait } = recorder(clock);
    const pacer = new RateLimitPacer(scaledRateLimits(), clock, { onWait });
    const held = await Promise.all(Array.from({ length: 10 }, () => pacer.acquire("createRunnerKey")));
    const waiting = pacer.acquire("createRunnerKey");
    await flush();
    expect(heard).toContainEqual({ wait: 0, at: 0, ms: 60_000 });
    expect(heard.every((h) => h.at === 0 && h.ms === 60_000)).toBe(true);
    expect(clock.pending()).toBe(0);
    clock.advance(1_000);
    held[0].release();
    await flush();
    // Now a finish is known: the slot comes a window after it, and the wait ticks until then.
    expect(heard.at(-1)).toEqual({ wait: 0, at: 1_000, ms: 60_000 });
    expect(clock.pending()).toBe(1);
    clock.advance(60_000);
    (await waiting).release();
    for (const permit of held.slice(1)) permit.release();
  });

  it("stop hearing about a request that gives up while queued, and those behind it move up", async () => {
    const clock = new FakeClock(0);
    const { heard, onWait } = recorder(clock);
    const pacer = new RateLimitPacer(scaledRateLimits(), clock, { onWait });
    for (const permit of await Promise.all(Array.from({ length: 10 }, () => pacer.acquire("createRunnerKey")))) permit.release();
    const first = pacer.acquire("createRunnerKey");
    const abort = new AbortController();
    const second = pacer.acquire("createRunnerKey", abort.signal).catch((error: Error) => error.message);
    const third = pacer.acquire("createRunnerKey");
    await flush();
    abort.abort(new Error("deadline"));
    expect(heard.filter((h) => h.wait === 1).at(-1)).toEqual({ wait: 1, at: 0, ended: true });
    clock.advance(5_000);
    await flush();
    // The third is second in line now: it goes with the next finish to leave the window, as the first does.
    expect(heard.filter((h) => h.wait === 2).at(-1)).toEqual({ wait: 2, at: 5_000, ms: 55_000 });
    clock.advance(55_000);
    (await first).release();
    (await third).release();
    expect(await second).toBe("deadline");
  });

  it("are not asked for about waits shorter than a second", async () => {
    const clock = new FakeClock(0);
    const { heard, onWait } = recorder(clock);
    const pacer = new RateLimitPacer({ ...scaledRateLimits(), createRunnerKey: { limit: 1, windowMs: MIN_OBSERVED_WAIT_MS - 1 } }, clock, { onWait });
    (await pacer.acquire("createRunnerKey")).release();
    const next = pacer.acquire("createRunnerKey");
    clock.advance(MIN_OBSERVED_WAIT_MS);
    (await next).release();
    expect(heard).toEqual([]);
  });
});
