import { describe, expect, it } from "vitest";
import { AGENT_PERMISSION } from "../../provider/client/soda-api";
import { SECRET, UUID, api, control, createRunner, useEmulators } from "./helpers";

const start = useEmulators();

describe("POST /__emulator/agents/register", () => {
  it("creates the runner on first registration: online, seen now, self-hosted", async () => {
    const emulator = await start();
    const key = (await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).body;
    emulator.clock.advance(5000);
    const reply = await control(emulator, "POST", "/agents/register", { ...key, name: "agent-a" });
    expect(reply.status).toBe(200);
    expect(reply.body.runner).toMatchObject({
      name: "agent-a",
      label: "agent-a",
      isOnline: true,
      type: "SELF_HOSTED",
      lastSeenTimestamp: new Date(emulator.clock.now()).toISOString(),
      inUse: false,
      apiKeyId: key.apiKeyId,
    });
    expect(reply.body.runner.id).toMatch(UUID);
    const got = await api(emulator, "GET", `/api/v1/runners/${reply.body.runner.id}`, emulator.adminKey);
    expect(got.body.runner.name).toBe("agent-a");
    const state = await control(emulator, "GET", "/state");
    expect(state.body.apiKeys.find((k: any) => k.apiKeyId === key.apiKeyId).runnerId).toBe(reply.body.runner.id);
  });

  it("gives the same key the same runner again, with a new lastSeenTimestamp", async () => {
    const emulator = await start();
    const { key, runner } = await createRunner(emulator, "agent-a");
    emulator.clock.advance(1234);
    const again = await control(emulator, "POST", "/agents/register", { ...key, name: "agent-a" });
    expect(again.status).toBe(200);
    expect(again.body.runner.id).toBe(runner.id);
    expect(again.body.runner.lastSeenTimestamp).toBe(new Date(emulator.clock.now()).toISOString());
    const list = await api(emulator, "GET", "/api/v1/runners", emulator.adminKey);
    expect(list.body.totalElements).toBe(1);
  });

  it("refuses (409) a name another runner holds", async () => {
    const emulator = await start();
    await createRunner(emulator, "agent-a");
    const other = (await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).body;
    const reply = await control(emulator, "POST", "/agents/register", { ...other, name: "agent-a" });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({ code: "conflict", message: expect.stringContaining("agent-a") });
    expect((await api(emulator, "GET", "/api/v1/runners", emulator.adminKey)).body.totalElements).toBe(1);
  });

  it("registers a Soda-hosted runner when asked", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "hosted", "SODA_HOSTED");
    expect(runner.type).toBe("SODA_HOSTED");
  });

  it("refuses (401) unknown keys, wrong secrets and user keys", async () => {
    const emulator = await start();
    const key = (await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).body;
    const attempts = [
      { apiKeyId: "00000000-0000-0000-0000-000000000000", apiKeySecret: key.apiKeySecret },
      { apiKeyId: key.apiKeyId, apiKeySecret: "wrong" },
      emulator.adminKey,
    ];
    for (const attempt of attempts) {
      const reply = await control(emulator, "POST", "/agents/register", { ...attempt, name: "agent-a" });
      expect(reply.status).toBe(401);
      expect(reply.body.code).toBe("unauthorized");
      expect(reply.body.message).not.toContain(key.apiKeySecret);
    }
  });

  it("refuses a key whose runner was deleted: deleting revokes the key", async () => {
    const emulator = await start();
    const { key, runner } = await createRunner(emulator, "agent-a");
    expect((await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(200);
    const state = await control(emulator, "GET", "/state");
    expect(state.body.apiKeys.find((k: any) => k.apiKeyId === key.apiKeyId).revoked).toBe(true);
    expect((await control(emulator, "POST", "/agents/register", { ...key, name: "agent-a" })).status).toBe(401);
    expect((await api(emulator, "GET", "/api/v1/test-login", key)).status).toBe(401);
    // The name is free again for a new key.
    expect((await createRunner(emulator, "agent-a")).runner.id).not.toBe(runner.id);
  });

  it("refuses a key revoked in the UI before it ever registered", async () => {
    const emulator = await start();
    const key = (await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).body;
    expect((await control(emulator, "DELETE", `/api-keys/${key.apiKeyId}`)).status).toBe(200);
    expect((await control(emulator, "POST", "/agents/register", { ...key, name: "agent-a" })).status).toBe(401);
  });

  it.each([
    [{ apiKeyId: "a", apiKeySecret: "b" }, "name"],
    [{ apiKeyId: "a", apiKeySecret: "b", name: "" }, "name"],
    [{ apiKeyId: "a", name: "n" }, "apiKeySecret"],
    [{ apiKeyId: "a", apiKeySecret: "b", name: "n", type: "CLOUD" }, "type"],
    [{ apiKeyId: "a", apiKeySecret: "b", name: "n", colour: "red" }, "colour"],
  ])("answers 400 naming the field for %j", async (body, field) => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/agents/register", body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: "bad_request", message: expect.stringContaining(field) });
  });

  it("answers 400 for a body that is not JSON", async () => {
    const emulator = await start();
    const res = await fetch(`${emulator.url}/__emulator/agents/register`, { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("bad_request");
  });
});

describe("/__emulator/api-keys", () => {
  it("creates an admin key by default", async () => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/api-keys");
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(["apiKeyId", "apiKeySecret"]);
    expect(reply.body.apiKeyId).toMatch(UUID);
    expect(reply.body.apiKeySecret).toMatch(SECRET);
    expect((await api(emulator, "POST", "/api/v1/runners", reply.body)).status).toBe(200);
    const state = await control(emulator, "GET", "/state");
    expect(state.body.apiKeys.find((k: any) => k.apiKeyId === reply.body.apiKeyId)).toMatchObject({
      kind: "user",
      permissions: [AGENT_PERMISSION],
      revoked: false,
      runnerId: null,
    });
  });

  it("creates an admin key for an empty body object too", async () => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/api-keys", {});
    expect((await api(emulator, "POST", "/api/v1/runners", reply.body)).status).toBe(200);
  });

  it("creates a key with the given permissions", async () => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/api-keys", { permissions: [] });
    expect((await api(emulator, "GET", "/api/v1/test-login", reply.body)).status).toBe(200);
    expect((await api(emulator, "POST", "/api/v1/runners", reply.body)).status).toBe(403);
  });

  it("revokes a key, and answers 404 for an unknown one", async () => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/api-keys");
    expect((await control(emulator, "DELETE", `/api-keys/${reply.body.apiKeyId}`)).status).toBe(200);
    expect((await api(emulator, "GET", "/api/v1/test-login", reply.body)).status).toBe(401);
    const unknown = await control(emulator, "DELETE", "/api-keys/unknown");
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("not_found");
  });

  it("answers 400 naming the field for bad permissions", async () => {
    const emulator = await start();
    const reply = await control(emulator, "POST", "/api-keys", { permissions: "ALL" });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain("permissions");
  });
});

describe("PUT /__emulator/runners/{id}/in-use", () => {
  it("sets and clears the flag", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    const on = await control(emulator, "PUT", `/runners/${runner.id}/in-use`, { inUse: true });
    expect(on.status).toBe(200);
    expect(on.body.runner).toMatchObject({ id: runner.id, inUse: true });
    const off = await control(emulator, "PUT", `/runners/${runner.id}/in-use`, { inUse: false });
    expect(off.body.runner.inUse).toBe(false);
  });

  it("answers 404 for an unknown runner and 400 for a bad body", async () => {
    const emulator = await start();
    expect((await control(emulator, "PUT", "/runners/unknown/in-use", { inUse: true })).status).toBe(404);
    const { runner } = await createRunner(emulator, "agent-a");
    const bad = await control(emulator, "PUT", `/runners/${runner.id}/in-use`, { inUse: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("inUse");
  });
});

describe("GET /__emulator/state", () => {
  it("dumps keys and runners without any secret", async () => {
    const user = { apiKeyId: "plain-user", apiKeySecret: "plain-user-secret-value" };
    const emulator = await start({ organisation: "Acme", userKeys: [user] });
    const { key, runner } = await createRunner(emulator, "agent-a");
    const reply = await control(emulator, "GET", "/state");
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(["apiKeys", "datasources", "organisationName", "runners"]);
    expect(reply.body.organisationName).toBe("Acme");
    for (const k of reply.body.apiKeys) {
      expect(Object.keys(k).sort()).toEqual(["apiKeyId", "createdAt", "kind", "permissions", "revoked", "runnerId"]);
    }
    expect(reply.body.apiKeys.map((k: any) => [k.apiKeyId, k.kind])).toEqual([
      [emulator.adminKey.apiKeyId, "user"],
      [user.apiKeyId, "user"],
      [key.apiKeyId, "runner"],
    ]);
    expect(reply.body.runners).toEqual([{ ...runner, inUse: false, apiKeyId: key.apiKeyId }]);
    const text = JSON.stringify(reply.body);
    for (const secret of [emulator.adminKey.apiKeySecret, user.apiKeySecret, key.apiKeySecret]) expect(text).not.toContain(secret);
  });
});

describe("POST /__emulator/reset", () => {
  it("keeps only the startup keys, restored, and clears runners, faults and records", async () => {
    const user = { apiKeyId: "plain-user", apiKeySecret: "plain-secret" };
    const emulator = await start({ userKeys: [user] });
    await createRunner(emulator, "agent-a");
    const extra = (await control(emulator, "POST", "/api-keys")).body;
    await control(emulator, "DELETE", `/api-keys/${user.apiKeyId}`);
    await control(emulator, "POST", "/faults", { rules: [{ path: "/api/v1/nothing", status: 500 }] });

    const reply = await control(emulator, "POST", "/reset");
    expect(reply.status).toBe(200);
    const state = (await control(emulator, "GET", "/state")).body;
    expect(state.runners).toEqual([]);
    expect(state.apiKeys.map((k: any) => [k.apiKeyId, k.revoked])).toEqual([
      [emulator.adminKey.apiKeyId, false],
      [user.apiKeyId, false],
    ]);
    expect((await control(emulator, "GET", "/faults")).body.rules).toEqual([]);
    expect((await control(emulator, "GET", "/requests")).body.requests).toEqual([]);
    expect(emulator.requests()).toEqual([]);
    expect((await api(emulator, "GET", "/api/v1/test-login", user)).status).toBe(200);
    expect((await api(emulator, "GET", "/api/v1/test-login", extra)).status).toBe(401);
  });
});

describe("/__emulator/requests", () => {
  it("records REST requests only, and clears them", async () => {
    const lines: string[] = [];
    const emulator = await start({ log: (line) => lines.push(line) });
    await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    await api(emulator, "GET", "/api/v1/runners?page=0&size=20", emulator.adminKey);
    await api(emulator, "GET", "/api/v1/nowhere");
    await control(emulator, "GET", "/state");

    const reply = await control(emulator, "GET", "/requests");
    expect(reply.body.requests).toEqual([
      { method: "GET", path: "/api/v1/test-login", query: {}, operation: "testLogin", status: 200, ms: expect.any(Number) },
      { method: "GET", path: "/api/v1/runners", query: { page: "0", size: "20" }, operation: "listRunners", status: 200, ms: expect.any(Number) },
      { method: "GET", path: "/api/v1/nowhere", query: {}, operation: null, status: 404, ms: expect.any(Number) },
    ]);
    expect(emulator.requests()).toEqual(reply.body.requests);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^GET \/api\/v1\/test-login 200 \d+ms$/);
    for (const line of lines) expect(line).not.toContain(emulator.adminKey.apiKeySecret);

    expect((await control(emulator, "DELETE", "/requests")).status).toBe(200);
    expect(emulator.requests()).toEqual([]);
  });
});

describe("control routing", () => {
  it("answers 404 for an unknown control path and 405 for a wrong method", async () => {
    const emulator = await start();
    const unknown = await control(emulator, "GET", "/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("not_found");
    const wrong = await control(emulator, "DELETE", "/state");
    expect(wrong.status).toBe(405);
  });
});
