import { describe, expect, it } from "vitest";
import { TRACE_ID_HEADER } from "../../provider/client/soda-api";
import type { Emulator, KeyPair } from "../../emulator/index";
import { TRACE_ID, api, control, createRunner, useEmulators } from "./helpers";

const start = useEmulators();

// The bodies Soda Core v4 sends (soda_core/common/soda_cloud.py: _get_token, test_connection).
const login = (emulator: Emulator, key: KeyPair) =>
  api(emulator, "POST", "/api/command", undefined, { type: "login", apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret });
const whoAmI = (emulator: Emulator, token: string) => api(emulator, "POST", "/api/query", undefined, { type: "whoAmI", token });

async function tokenOf(emulator: Emulator, key: KeyPair): Promise<string> {
  const reply = await login(emulator, key);
  expect(reply.status).toBe(200);
  return reply.body.token as string;
}

describe("POST /api/command login", () => {
  it("gives a live user key a token, a fresh one at each login", async () => {
    const user = { apiKeyId: "user-1", apiKeySecret: "user-secret" };
    const emulator = await start({ userKeys: [user] });
    const reply = await login(emulator, user);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(reply.headers.get(TRACE_ID_HEADER)).toMatch(TRACE_ID);
    expect(await tokenOf(emulator, user)).not.toBe(reply.body.token);
  });

  it("ignores fields it does not read, as Soda's wire payloads may grow", async () => {
    const emulator = await start();
    const reply = await api(emulator, "POST", "/api/command", undefined, { type: "login", ...emulator.adminKey, client: "soda-core" });
    expect(reply.status).toBe(200);
  });

  it.each([
    ["a wrong secret", (key: KeyPair) => ({ ...key, apiKeySecret: "not-the-secret" })],
    ["an unknown key id", (key: KeyPair) => ({ ...key, apiKeyId: "00000000-0000-0000-0000-000000000000" })],
  ])("refuses %s with 401 and Soda's error body, never echoing the secret", async (_name, alter) => {
    const emulator = await start();
    const reply = await login(emulator, alter(emulator.adminKey));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ code: "unauthorized", message: expect.any(String) });
    expect(JSON.stringify(reply.body)).not.toContain(emulator.adminKey.apiKeySecret);
  });

  it("refuses a revoked user key", async () => {
    const emulator = await start();
    const created = (await control(emulator, "POST", "/api-keys")).body as KeyPair;
    expect((await login(emulator, created)).status).toBe(200);
    expect((await control(emulator, "DELETE", `/api-keys/${created.apiKeyId}`)).status).toBe(200);
    expect((await login(emulator, created)).status).toBe(401);
  });

  it("refuses runner keys, registered or not, as the REST API does", async () => {
    const emulator = await start();
    const unregistered = (await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).body as KeyPair;
    const { key: registered } = await createRunner(emulator, "agent-a");
    for (const key of [unregistered, registered]) {
      const reply = await login(emulator, key);
      expect(reply.status).toBe(401);
      expect(reply.body.code).toBe("unauthorized");
    }
  });

  it.each([
    ["no body", undefined],
    ["no type", { apiKeyId: "a", apiKeySecret: "b" }],
    ["a login without a secret", { type: "login", apiKeyId: "a" }],
    ["another command type", { type: "sodaCoreInsertScanResults", token: "t" }],
  ])("answers %s with 400 naming the problem", async (_name, body) => {
    const emulator = await start();
    const reply = await api(emulator, "POST", "/api/command", undefined, body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: "bad_request", message: expect.any(String) });
  });

  it("answers a body that is not JSON with 400", async () => {
    const emulator = await start();
    const res = await fetch(`${emulator.url}/api/command`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "bad_request" });
  });

  it("allows POST only", async () => {
    const emulator = await start();
    const reply = await api(emulator, "GET", "/api/command");
    expect(reply.status).toBe(405);
    expect(reply.headers.get("allow")).toBe("POST");
  });
});

describe("POST /api/query whoAmI", () => {
  it("answers a token from login with the organisation", async () => {
    const emulator = await start({ organisation: "Acme Data" });
    const reply = await whoAmI(emulator, await tokenOf(emulator, emulator.adminKey));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ organisationName: "Acme Data" });
  });

  it.each([
    ["no token", { type: "whoAmI" }],
    ["an unknown token", { type: "whoAmI", token: "made-up" }],
  ])("refuses %s with 401, so Soda Core logs in again", async (_name, body) => {
    const emulator = await start();
    const reply = await api(emulator, "POST", "/api/query", undefined, body);
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe("unauthorized");
  });

  it("ends the sessions of a key once it is revoked", async () => {
    const emulator = await start();
    const created = (await control(emulator, "POST", "/api-keys")).body as KeyPair;
    const token = await tokenOf(emulator, created);
    expect((await whoAmI(emulator, token)).status).toBe(200);
    await control(emulator, "DELETE", `/api-keys/${created.apiKeyId}`);
    expect((await whoAmI(emulator, token)).status).toBe(401);
  });

  it("keeps tokens apart between emulators", async () => {
    const [a, b] = [await start(), await start()];
    expect((await whoAmI(b, await tokenOf(a, a.adminKey))).status).toBe(401);
  });

  it("answers another query type with 400 once the token is good", async () => {
    const emulator = await start();
    const reply = await api(emulator, "POST", "/api/query", undefined, {
      type: "sodaCoreCloudConfiguration",
      token: await tokenOf(emulator, emulator.adminKey),
    });
    expect(reply.status).toBe(400);
  });
});

describe("records and limits", () => {
  it("records each request by operation, with no secret or token anywhere", async () => {
    const lines: string[] = [];
    const emulator = await start({ log: (line) => lines.push(line) });
    const token = await tokenOf(emulator, emulator.adminKey);
    await whoAmI(emulator, token);
    expect(emulator.requests()).toEqual([
      { method: "POST", path: "/api/command", query: {}, operation: "login", status: 200, ms: expect.any(Number) },
      { method: "POST", path: "/api/query", query: {}, operation: "whoAmI", status: 200, ms: expect.any(Number) },
    ]);
    expect(lines).toEqual([expect.stringMatching(/^POST \/api\/command 200 \d+ms$/), expect.stringMatching(/^POST \/api\/query 200 \d+ms$/)]);
    const seen = JSON.stringify([emulator.requests(), lines]);
    expect(seen).not.toContain(emulator.adminKey.apiKeySecret);
    expect(seen).not.toContain(token);
  });

  it("applies no rate limit (Soda documents none), and leaves the REST limits untouched", async () => {
    const emulator = await start();
    for (let i = 0; i < 12; i++) expect((await login(emulator, emulator.adminKey)).status).toBe(200);
    // test-login allows 10 in 10 s on the same (frozen) clock: the logins above did not count against it.
    for (let i = 0; i < 10; i++) expect((await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey)).status).toBe(200);
  });
});
