import { describe, expect, it } from "vitest";
import { compilePathPattern } from "../../emulator/faults";
import { TRACE_ID_HEADER } from "../../provider/client/soda-api";
import { api, control, createRunner, useEmulators, type TestEmulator } from "./helpers";

const start = useEmulators();

async function addRules(emulator: TestEmulator, rules: unknown[]): Promise<any[]> {
  const reply = await control(emulator, "POST", "/faults", { rules });
  expect(reply.status).toBe(200);
  return reply.body.rules;
}

async function runnerKeyCount(emulator: TestEmulator): Promise<number> {
  const state = await control(emulator, "GET", "/state");
  return state.body.apiKeys.filter((k: any) => k.kind === "runner").length;
}

describe("compilePathPattern", () => {
  it.each([
    ["/api/v1/runners", "/api/v1/runners", true],
    ["/api/v1/runners", "/api/v1/runners/x", false],
    ["/api/v1/runners/*", "/api/v1/runners/abc", true],
    ["/api/v1/runners/*", "/api/v1/runners", false],
    ["/api/v1/runners/*", "/api/v1/runners/a/b", false],
    ["/api/v1/run*", "/api/v1/runners", true],
    ["/api/**", "/api/v1/runners/a", true],
    ["/**", "/api/v1/test-login", true],
    ["/api/v1/test.login", "/api/v1/test-login", false],
  ])("%s matches %s: %s", (pattern, path, expected) => {
    expect(compilePathPattern(pattern).test(path)).toBe(expected);
  });
});

describe("fault rules", () => {
  it("are listed with ids, appended, and cleared", async () => {
    const emulator = await start();
    const [a] = await addRules(emulator, [{ path: "/api/v1/test-login", status: 500, count: 2 }]);
    expect(a).toEqual({ id: expect.any(String), path: "/api/v1/test-login", status: 500, count: 2, remaining: 2 });
    const [b] = await addRules(emulator, [{ method: "get", path: "/api/**", latencyMs: 0 }]);
    expect(b.method).toBe("GET");
    expect(b.id).not.toBe(a.id);
    expect((await control(emulator, "GET", "/faults")).body.rules.map((r: any) => r.id)).toEqual([a.id, b.id]);
    expect((await control(emulator, "DELETE", "/faults")).status).toBe(200);
    expect((await control(emulator, "GET", "/faults")).body.rules).toEqual([]);
  });

  it.each([
    [{ path: "/x", probability: 2 }, "rules[0].probability"],
    [{ path: "/x", status: 500, statuss: 1 }, "rules[0].statuss"],
    [{ status: 500 }, "rules[0].path"],
    [{ path: "x", status: 500 }, "rules[0].path"],
    [{ path: "/x", status: 200 }, "rules[0].status"],
    [{ path: "/x", status: 500, count: 0 }, "rules[0].count"],
    [{ path: "/x", latencyMs: -1 }, "rules[0].latencyMs"],
    [{ path: "/x", status: 500, reset: true }, "rules[0].reset"],
    [{ path: "/x" }, "rules[0]"],
  ])("refuses %j with a 400 naming %s", async (rule, field) => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/faults", { rules: [rule] });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: "bad_request", message: expect.stringContaining(field) });
    expect((await control(emulator, "GET", "/faults")).body.rules).toEqual([]);
  });

  it("refuses a body without rules", async () => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/faults", {});
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain("rules");
  });
});

describe("fault effects", () => {
  it("status: answers with the status and an error body, without applying the request", async () => {
    const emulator = await start();
    const [rule] = await addRules(emulator, [{ method: "POST", path: "/api/v1/runners", status: 503 }]);
    const reply = await api(emulator, "POST", "/api/v1/runners", emulator.adminKey);
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({ code: "internal_error", message: expect.any(String) });
    expect(reply.headers.get(TRACE_ID_HEADER)).toBeTruthy();
    expect(await runnerKeyCount(emulator)).toBe(0);
    expect(emulator.requests().at(-1)).toMatchObject({ status: 503, operation: "createRunnerKey", faultRuleId: rule.id });
    // The method filter leaves other methods on the same path alone.
    expect((await api(emulator, "GET", "/api/v1/runners", emulator.adminKey)).status).toBe(200);
  });

  it("status: uses the matching error code", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/api/v1/test-login", status: 429 }]);
    const reply = await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    expect(reply.status).toBe(429);
    expect(reply.body.code).toBe("rate_limited");
  });

  it("reset: the client sees a socket error and nothing is applied", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/api/v1/runners", reset: true, count: 1 }]);
    await expect(api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).rejects.toThrow();
    expect(await runnerKeyCount(emulator)).toBe(0);
    expect(emulator.requests().at(-1)).toMatchObject({ status: 0, operation: "createRunnerKey" });
    expect((await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).status).toBe(200);
  });

  it("dropAfterApply: the create is applied and persisted, but the client sees a socket error", async () => {
    const emulator = await start();
    await addRules(emulator, [{ method: "POST", path: "/api/v1/runners", dropAfterApply: true }]);
    await expect(api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).rejects.toThrow();
    expect(await runnerKeyCount(emulator)).toBe(1);
  });

  it("dropAfterApply: a delete is applied too", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    await addRules(emulator, [{ method: "DELETE", path: "/api/v1/runners/*", dropAfterApply: true }]);
    await expect(api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey)).rejects.toThrow();
    expect((await control(emulator, "GET", "/state")).body.runners).toEqual([]);
  });

  it("count: applies to the next N matching requests, then expires", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/api/v1/test-login", status: 500, count: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    expect((await control(emulator, "GET", "/faults")).body.rules).toEqual([]);
  });

  it("count: remaining counts down as the rule is used", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/api/v1/test-login", status: 500, count: 3 }]);
    await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    expect((await control(emulator, "GET", "/faults")).body.rules[0].remaining).toBe(2);
  });

  it("applies the first matching rule only", async () => {
    const emulator = await start();
    await addRules(emulator, [
      { path: "/api/v1/runners/*", status: 502, count: 1 },
      { path: "/api/**", status: 500 },
    ]);
    expect((await api(emulator, "GET", "/api/v1/runners/x", emulator.adminKey)).status).toBe(502);
    expect((await api(emulator, "GET", "/api/v1/runners/x", emulator.adminKey)).status).toBe(500);
  });

  it("never applies to the control API or to unknown routes", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/**", status: 500 }]);
    expect((await control(emulator, "GET", "/state")).status).toBe(200);
    expect((await api(emulator, "GET", "/api/v1/unknown", emulator.adminKey)).status).toBe(404);
    expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(500);
  });

  it("faulted requests do not use up the rate limit", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/api/v1/test-login", status: 500, count: 20 }]);
    for (let i = 0; i < 20; i++) await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    for (let i = 0; i < 10; i++) expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
  });
});

describe("probability", () => {
  async function pattern(emulator: TestEmulator): Promise<number[]> {
    await addRules(emulator, [{ path: "/api/v1/runners", method: "GET", status: 500, probability: 0.5 }]);
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await api(emulator, "GET", "/api/v1/runners?size=10", emulator.adminKey)).status);
    return statuses;
  }

  it("is deterministic for a seed, mixes outcomes, and restarts after a reset", async () => {
    const first = await pattern(await start({ seed: 42 }));
    const second = await start({ seed: 42 });
    expect(await pattern(second)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
    await control(second, "POST", "/reset");
    expect(await pattern(second)).toEqual(first);
    expect(await pattern(await start({ seed: 7 }))).not.toEqual(first);
  });

  it("is never at 0 and always at 1", async () => {
    const emulator = await start();
    await addRules(emulator, [
      { path: "/api/v1/test-login", status: 500, probability: 0 },
      { path: "/api/v1/runners", status: 502, probability: 1 },
    ]);
    for (let i = 0; i < 5; i++) {
      expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
      expect((await api(emulator, "GET", "/api/v1/runners", emulator.adminKey)).status).toBe(502);
    }
  });
});

describe("latency", () => {
  it("delays the response by at least latencyMs of real time", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/api/v1/test-login", latencyMs: 30 }]);
    const started = performance.now();
    const reply = await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    expect(reply.status).toBe(200);
    expect(emulator.requests().at(-1)!.ms).toBeGreaterThanOrEqual(29);
  });

  it("does not keep close() waiting", async () => {
    const emulator = await start();
    await addRules(emulator, [{ path: "/api/v1/test-login", latencyMs: 600_000, count: 1 }]);
    const pending = api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    // The rule expires the moment the request takes it, so once the list is empty the request is waiting.
    while ((await control(emulator, "GET", "/faults")).body.rules.length > 0);
    await emulator.close();
    await expect(pending).rejects.toThrow();
  });
});
