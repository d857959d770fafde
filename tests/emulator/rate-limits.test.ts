import { describe, expect, it } from "vitest";
import { DOCUMENTED_RATE_LIMITS, scaledRateLimits } from "../../provider/client/soda-api";
import { emulatedRateLimits, RateLimiter } from "../../emulator/rate-limiter";
import { api, control, createRunner, fakeClock, useEmulators, type Reply } from "./helpers";

const start = useEmulators();

function expectRateLimited(reply: Reply): void {
  expect(reply.status).toBe(429);
  expect(reply.body).toEqual({ code: "rate_limited", message: expect.any(String) });
  expect(reply.headers.get("retry-after")).toBeNull();
  for (const name of reply.headers.keys()) expect(name).not.toMatch(/ratelimit|rate-limit/i);
}

describe("RateLimiter", () => {
  it("is a sliding-window log: a request exactly windowMs after the oldest is outside the window", () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ ...emulatedRateLimits(), createRunnerKey: { limit: 2, windowMs: 100 } }, clock);
    expect(limiter.tryAcquire("createRunnerKey")).toBe(true);
    clock.advance(50);
    expect(limiter.tryAcquire("createRunnerKey")).toBe(true);
    clock.advance(49);
    expect(limiter.tryAcquire("createRunnerKey")).toBe(false);
    clock.advance(1);
    expect(limiter.tryAcquire("createRunnerKey")).toBe(true);
    expect(limiter.tryAcquire("createRunnerKey")).toBe(false);
    clock.advance(50);
    expect(limiter.tryAcquire("createRunnerKey")).toBe(true);
  });

  it("does not count refused requests", () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ ...emulatedRateLimits(), deleteRunner: { limit: 1, windowMs: 10 } }, clock);
    expect(limiter.tryAcquire("deleteRunner")).toBe(true);
    for (let i = 0; i < 9; i++) {
      clock.advance(1);
      expect(limiter.tryAcquire("deleteRunner")).toBe(false);
    }
    clock.advance(1);
    expect(limiter.tryAcquire("deleteRunner")).toBe(true);
  });

  it("keeps one log per operation", () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter(emulatedRateLimits(), clock);
    for (let i = 0; i < 10; i++) expect(limiter.tryAcquire("createRunnerKey")).toBe(true);
    expect(limiter.tryAcquire("createRunnerKey")).toBe(false);
    expect(limiter.tryAcquire("deleteRunner")).toBe(true);
    limiter.reset();
    expect(limiter.tryAcquire("createRunnerKey")).toBe(true);
  });
});

describe("rate limits over HTTP", () => {
  it("refuses the 11th create in a window with a bare 429, does not process it, and slides", async () => {
    const emulator = await start({ rateWindowMs: 1000 });
    for (let i = 0; i < 10; i++) {
      expect((await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).status).toBe(200);
      emulator.clock.advance(100);
    }
    // t = 1000 would free the first slot; at t = 999 the window is still full.
    emulator.clock.advance(-1);
    expectRateLimited(await api(emulator, "POST", "/api/v1/runners", emulator.adminKey));
    const state = await control(emulator, "GET", "/state");
    expect(state.body.apiKeys.filter((k: any) => k.kind === "runner")).toHaveLength(10);

    emulator.clock.advance(1);
    expect((await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).status).toBe(200);
    expectRateLimited(await api(emulator, "POST", "/api/v1/runners", emulator.adminKey));
    emulator.clock.advance(100);
    expect((await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).status).toBe(200);
  });

  it("limits test-login to 10 per 10 s, scaled like the 60 s windows", async () => {
    const emulator = await start({ rateWindowMs: 6000 });
    expect(scaledRateLimits(6000).testLogin.windowMs).toBe(1000);
    for (let i = 0; i < 10; i++) expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
    expectRateLimited(await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey));
    emulator.clock.advance(999);
    expectRateLimited(await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey));
    emulator.clock.advance(1);
    expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
  });

  it("uses the documented windows when rateWindowMs is not given", async () => {
    const emulator = await start();
    for (let i = 0; i < 10; i++) await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    expectRateLimited(await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey));
    emulator.clock.advance(DOCUMENTED_RATE_LIMITS.testLogin.windowMs - 1);
    expectRateLimited(await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey));
    emulator.clock.advance(1);
    expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
  });

  it("keeps a separate budget per operation", async () => {
    const emulator = await start();
    for (let i = 0; i < 10; i++) await api(emulator, "POST", "/api/v1/runners", emulator.adminKey);
    expectRateLimited(await api(emulator, "POST", "/api/v1/runners", emulator.adminKey));
    expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
    expect((await api(emulator, "GET", "/api/v1/runners", emulator.adminKey)).status).toBe(200);
    expect((await api(emulator, "GET", "/api/v1/runners/x", emulator.adminKey)).status).toBe(404);
    expect((await api(emulator, "DELETE", "/api/v1/runners/x", emulator.adminKey)).status).toBe(404);
  });

  it("limits list to 60, get to 1000 and delete to 10 per window", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    for (let i = 0; i < 60; i++) expect((await api(emulator, "GET", "/api/v1/runners", emulator.adminKey)).status).toBe(200);
    expectRateLimited(await api(emulator, "GET", "/api/v1/runners", emulator.adminKey));

    // Ten connections at a time: fast, without opening a thousand sockets at once.
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 100; i++) statuses.push((await api(emulator, "GET", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status);
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1000);
    expectRateLimited(await api(emulator, "GET", `/api/v1/runners/${runner.id}`, emulator.adminKey));

    for (let i = 0; i < 10; i++) expect((await api(emulator, "DELETE", "/api/v1/runners/x", emulator.adminKey)).status).toBe(404);
    expectRateLimited(await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey));
    expect((await api(emulator, "GET", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(429);
    const state = await control(emulator, "GET", "/state");
    expect(state.body.runners).toHaveLength(1);
  });

  it("counts requests before authentication, so a 429 does not depend on the key", async () => {
    const emulator = await start();
    for (let i = 0; i < 10; i++) expect((await api(emulator, "GET", "/api/v1/test-login")).status).toBe(401);
    expectRateLimited(await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey));
  });

  it("does not limit the control API", async () => {
    const emulator = await start();
    for (let i = 0; i < 100; i++) expect((await control(emulator, "GET", "/state")).status).toBe(200);
  });

  it("starts afresh after a reset", async () => {
    const emulator = await start();
    for (let i = 0; i < 10; i++) await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    expectRateLimited(await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey));
    await control(emulator, "POST", "/reset");
    expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
  });
});
