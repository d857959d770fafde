import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { version } from "../../package.json";
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  CreateOutcomeUnknownError,
  PermissionDeniedError,
  SodaCloudClient,
  TimeoutError,
  scaledRateLimits,
  type SodaCloudClientOptions,
} from "../../provider/client/index";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";

const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40 };

let env: EmulatorFixture;
let clock: FakeClock;
const clients: SodaCloudClient[] = [];

function client(options: Partial<SodaCloudClientOptions> = {}): SodaCloudClient {
  const c = new SodaCloudClient({ endpoint: env.url, credentials: env.admin, retry: FAST_RETRY, clock, ...options });
  clients.push(c);
  return c;
}

/** Every string an error exposes: message, stack, own properties. */
function exposed(error: unknown): string {
  return `${(error as Error).message}\n${(error as Error).stack}\n${JSON.stringify(error)}`;
}

beforeEach(async () => {
  // Emulator and client share one clock, so pacing and rate limiting agree without real waiting.
  clock = new FakeClock(Date.now(), true);
  env = await emulatorFixture({ clock });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await env.close();
});

describe("SodaCloudClient against the emulator", () => {
  it("tests login and names the organisation", async () => {
    expect(await client().testLogin()).toEqual({ organisationName: expect.any(String) });
  });

  it("sends Basic auth and its own User-Agent", async () => {
    // A bare server on port 0 that records the headers the emulator does not expose.
    let headers: IncomingHttpHeaders = {};
    const server = createServer((req, res) => {
      headers = req.headers;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ organisationName: "Headers Org" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const credentials = { apiKeyId: "header-id", apiKeySecret: "header-secret" };
      expect(await client({ endpoint: `http://127.0.0.1:${port}`, credentials }).testLogin()).toEqual({ organisationName: "Headers Org" });
      expect(headers.authorization).toBe(`Basic ${Buffer.from("header-id:header-secret").toString("base64")}`);
      expect(headers["user-agent"]).toBe(`pulumi-soda-cloud/${version}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("creates a runner key, finds its runner by list and by id, and deletes it", async () => {
    const c = client();
    const key = await c.createRunnerKey();
    expect(key.apiKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(key.apiKeySecret).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await c.listRunners()).toEqual([]);
    const registered = await env.register(key, "agent-1");
    expect(registered.status).toBe(200);
    const runners = await c.listRunners();
    expect(runners.map((r) => r.name)).toEqual(["agent-1"]);
    expect((await c.getRunner(runners[0].id))?.name).toBe("agent-1");
    expect(await c.deleteRunner(runners[0].id)).toBe(true);
    expect(await c.getRunner(runners[0].id)).toBeUndefined();
    expect(await c.deleteRunner(runners[0].id)).toBe(false);
  });

  it("walks every page of runners", async () => {
    const c = client();
    for (let i = 0; i < 25; i++) {
      const key = await c.createRunnerKey();
      await env.register(key, `agent-${i}`);
    }
    const before = env.emulator.requests().length;
    const runners = await c.listRunners(10);
    expect(runners.map((r) => r.name)).toEqual(Array.from({ length: 25 }, (_, i) => `agent-${i}`));
    const pages = env.emulator.requests().slice(before);
    expect(pages.map((r) => r.query)).toEqual([0, 1, 2].map((page) => ({ page: String(page), size: "10" })));
    expect(await c.listRunners()).toHaveLength(25);
  });

  it("maps 401 and 403 to typed errors that never contain the secret", async () => {
    const wrong = client({ credentials: { apiKeyId: env.admin.apiKeyId, apiKeySecret: "canary-wrong-secret" } });
    const e401 = await wrong.testLogin().catch((e) => e);
    expect(e401).toBeInstanceOf(AuthenticationError);
    expect(e401.status).toBe(401);
    expect(e401.traceId).toMatch(/\S/);
    expect(exposed(e401)).not.toContain("canary-wrong-secret");
    expect(exposed(e401)).not.toContain(Buffer.from(`${env.admin.apiKeyId}:canary-wrong-secret`).toString("base64"));

    const user = await env.newApiKey([]);
    const e403 = await client({ credentials: user })
      .createRunnerKey()
      .catch((e) => e);
    expect(e403).toBeInstanceOf(PermissionDeniedError);
    expect(exposed(e403)).not.toContain(user.apiKeySecret);
  });

  it("refuses to delete a runner in use with a BadRequestError", async () => {
    const c = client();
    const key = await c.createRunnerKey();
    const { json } = await env.register(key, "busy");
    await env.control("PUT", `/__emulator/runners/${json.runner.id}/in-use`, { inUse: true });
    await expect(c.deleteRunner(json.runner.id)).rejects.toBeInstanceOf(BadRequestError);
  });

  it("retries reads through 5xx and resets", async () => {
    await env.faults([
      { method: "GET", path: "/api/v1/runners", status: 503, count: 1 },
      { method: "GET", path: "/api/v1/runners", reset: true, count: 1 },
    ]);
    expect(await client().listRunners()).toEqual([]);
    expect(
      env.emulator
        .requests()
        .filter((r) => r.path === "/api/v1/runners")
        .map((r) => r.status),
    ).toContain(200);
  });

  it("retries a create after 429, which Soda did not process", async () => {
    await env.faults([{ method: "POST", path: "/api/v1/runners", status: 429, count: 2 }]);
    const key = await client().createRunnerKey();
    const state = await env.state();
    expect(state.apiKeys.filter((k: { kind: string }) => k.kind === "runner").map((k: { apiKeyId: string }) => k.apiKeyId)).toEqual([key.apiKeyId]);
  });

  it.each([
    ["a 500", { status: 500 }],
    ["a reset", { reset: true }],
    ["a dropped response after the key was minted", { dropAfterApply: true }],
  ])("never retries a create after %s, and says the outcome is unknown", async (_label, fault) => {
    await env.faults([{ method: "POST", path: "/api/v1/runners", count: 1, ...fault }]);
    const error = await client()
      .createRunnerKey()
      .catch((e) => e);
    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error.message).toMatch(/not retried/);
    expect(error.message).toMatch(/pulumi up/);
    expect(env.emulator.requests().filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("times out an attempt and retries a read within the deadline", async () => {
    await env.faults([{ method: "GET", path: "/api/v1/test-login", latencyMs: 300, count: 1 }]);
    const c = client({ requestTimeoutMs: 100 });
    expect(await c.testLogin()).toEqual({ organisationName: expect.any(String) });
  });

  it("reports a timeout as TimeoutError once attempts run out", async () => {
    await env.faults([{ method: "GET", path: "/api/v1/test-login", latencyMs: 300 }]);
    const error = await client({ requestTimeoutMs: 50, retry: { ...FAST_RETRY, maxAttempts: 2 } })
      .testLogin()
      .catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/^No response within 50 ms/);
  });

  it("retries a create whose connection was refused (the request never left)", async () => {
    const url = env.url;
    await env.close();
    const error = await new SodaCloudClient({
      endpoint: url,
      credentials: { apiKeyId: "i", apiKeySecret: "canary-s" },
      retry: FAST_RETRY,
      clock: new FakeClock(0, true),
    })
      .createRunnerKey()
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.requestSent).toBe(false);
    expect(error.causeCode).toBe("ECONNREFUSED");
    expect(exposed(error)).not.toContain("canary-s");
    env = await emulatorFixture({ clock });
  });

  it("gives up a create still waiting for a rate-limit slot at its deadline, saying nothing was sent", async () => {
    const c = client({
      operationTimeoutMs: 100,
      clock: new FakeClock(Date.now()),
      rateLimits: { ...scaledRateLimits(), createRunnerKey: { limit: 1, windowMs: 60_000 } },
    });
    await c.createRunnerKey();
    const error = await c.createRunnerKey().catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).not.toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error.requestSent).toBe(false);
    expect(error.message).toMatch(/waited for Soda's rate limit, before anything was sent.*soda:operationTimeoutMs/);
    expect(env.emulator.requests().filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("paces a burst of 30 creates so that Soda sends zero 429s", async () => {
    // Long enough for loopback requests in flight to finish before the clock jumps to the next window.
    clock = new FakeClock(Date.now(), true, 25);
    await env.close();
    env = await emulatorFixture({ clock });
    const c = client({ operationTimeoutMs: 86_400_000 });
    const started = clock.now();
    const keys = await Promise.all(Array.from({ length: 30 }, () => c.createRunnerKey()));
    expect(new Set(keys.map((k) => k.apiKeyId)).size).toBe(30);
    const statuses = env.emulator.requests().map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    expect(statuses).toHaveLength(30);
    // Ten per window: no schedule can finish 30 in less than two full windows.
    expect(clock.now() - started).toBeGreaterThanOrEqual(120_000);
  });
});
