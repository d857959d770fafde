import { describe, expect, it } from "vitest";
import { RateLimitPacer } from "../../provider/client/pacer";
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
