import { describe, expect, it } from "vitest";
import { AGENT_PERMISSION_ALIAS, TRACE_ID_HEADER } from "../../provider/client/soda-api";
import { SECRET, TRACE_ID, UUID, api, basic, control, createRunner, useEmulators } from "./helpers";

const start = useEmulators();

describe("GET /api/v1/test-login", () => {
  it("returns the organisation name", async () => {
    const emulator = await start({ organisation: "Acme Data" });
    const reply = await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ organisationName: "Acme Data" });
  });

  it("defaults the organisation name", async () => {
    const emulator = await start();
    const reply = await api(emulator, "GET", "/api/v1/test-login", emulator.adminKey);
    expect(reply.body).toEqual({ organisationName: "Emulated Organisation" });
  });

  it("accepts a key without the agent permission", async () => {
    const user = { apiKeyId: "user-1", apiKeySecret: "user-secret" };
    const emulator = await start({ userKeys: [user] });
    expect((await api(emulator, "GET", "/api/v1/test-login", user)).status).toBe(200);
  });
});

describe("authentication", () => {
  it.each([
    ["no Authorization header", () => undefined],
    ["a Bearer token", (_id: string, secret: string) => `Bearer ${secret}`],
    ["Basic without a colon", (id: string) => `Basic ${Buffer.from(id).toString("base64")}`],
    ["Basic with an empty secret", (id: string) => `Basic ${Buffer.from(`${id}:`).toString("base64")}`],
    ["a wrong secret", (id: string) => basic({ apiKeyId: id, apiKeySecret: "not-the-secret" })],
    ["an unknown key id", (_id: string, secret: string) => basic({ apiKeyId: "00000000-0000-0000-0000-000000000000", apiKeySecret: secret })],
  ])("refuses %s with 401 and an error body", async (_name, header) => {
    const emulator = await start();
    const { apiKeyId, apiKeySecret } = emulator.adminKey;
    const reply = await api(emulator, "GET", "/api/v1/test-login", header(apiKeyId, apiKeySecret));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ code: "unauthorized", message: expect.any(String) });
    expect(reply.body.message).not.toContain(apiKeySecret);
  });

  it("refuses a revoked user key", async () => {
    const emulator = await start();
    const created = await control(emulator, "POST", "/api-keys");
    expect((await api(emulator, "GET", "/api/v1/test-login", created.body)).status).toBe(200);
    expect((await control(emulator, "DELETE", `/api-keys/${created.body.apiKeyId}`)).status).toBe(200);
    const reply = await api(emulator, "GET", "/api/v1/test-login", created.body);
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe("unauthorized");
  });

  it("refuses runner keys, registered or not", async () => {
    const emulator = await start();
    const unregistered = (await api(emulator, "POST", "/api/v1/runners", emulator.adminKey)).body;
    const { key: registered } = await createRunner(emulator, "agent-a");
    for (const key of [unregistered, registered]) {
      expect((await api(emulator, "GET", "/api/v1/test-login", key)).status).toBe(401);
      expect((await api(emulator, "GET", "/api/v1/runners", key)).status).toBe(401);
      expect((await api(emulator, "POST", "/api/v1/runners", key)).status).toBe(401);
    }
  });
});

describe("POST /api/v1/runners", () => {
  it("mints a runner key and nothing else; no runner exists until an agent registers", async () => {
    const emulator = await start();
    const reply = await api(emulator, "POST", "/api/v1/runners", emulator.adminKey);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(["apiKeyId", "apiKeySecret"]);
    expect(reply.body.apiKeyId).toMatch(UUID);
    expect(reply.body.apiKeySecret).toMatch(SECRET);
    const list = await api(emulator, "GET", "/api/v1/runners", emulator.adminKey);
    expect(list.body.totalElements).toBe(0);
    expect(list.body.content).toEqual([]);
  });

  it("ignores a request body", async () => {
    const emulator = await start();
    const reply = await api(emulator, "POST", "/api/v1/runners", emulator.adminKey, { name: "ignored" });
    expect(reply.status).toBe(200);
    expect(reply.body.apiKeyId).toMatch(UUID);
  });

  it("mints a different key each time", async () => {
    const emulator = await start();
    const a = await api(emulator, "POST", "/api/v1/runners", emulator.adminKey);
    const b = await api(emulator, "POST", "/api/v1/runners", emulator.adminKey);
    expect(a.body.apiKeyId).not.toBe(b.body.apiKeyId);
    expect(a.body.apiKeySecret).not.toBe(b.body.apiKeySecret);
  });

  it("is forbidden (403) without the agent permission", async () => {
    const user = { apiKeyId: "plain-user", apiKeySecret: "plain-secret" };
    const emulator = await start({ userKeys: [user] });
    const reply = await api(emulator, "POST", "/api/v1/runners", user);
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ code: "forbidden", message: expect.stringContaining("MANAGE_DATASOURCES_AND_AGENTS") });
    const state = await control(emulator, "GET", "/state");
    expect(state.body.apiKeys.filter((k: any) => k.kind === "runner")).toEqual([]);
  });

  it("accepts the permission's alias", async () => {
    const emulator = await start();
    const aliased = await control(emulator, "POST", "/api-keys", { permissions: [AGENT_PERMISSION_ALIAS] });
    expect((await api(emulator, "POST", "/api/v1/runners", aliased.body)).status).toBe(200);
  });
});

describe("GET /api/v1/runners", () => {
  it("returns a Spring page with defaults page=0, size=10", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    const { inUse: _inUse, apiKeyId: _apiKeyId, ...wireRunner } = runner;
    const reply = await api(emulator, "GET", "/api/v1/runners", emulator.adminKey);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      content: [wireRunner],
      first: true,
      last: true,
      number: 0,
      size: 10,
      totalElements: 1,
      totalPages: 1,
    });
  });

  it("is allowed for a key without the agent permission", async () => {
    const user = { apiKeyId: "plain-user", apiKeySecret: "plain-secret" };
    const emulator = await start({ userKeys: [user] });
    expect((await api(emulator, "GET", "/api/v1/runners", user)).status).toBe(200);
  });

  it.each([
    ["size=9", 400],
    ["size=10", 200],
    ["size=1000", 200],
    ["size=1001", 400],
    ["size=0", 400],
    ["size=abc", 400],
    ["size=10.5", 400],
    ["size=", 400],
    ["page=0", 200],
    ["page=7", 200],
    ["page=-1", 400],
    ["page=x", 400],
  ])("answers %s with %i", async (query, status) => {
    const emulator = await start();
    const reply = await api(emulator, "GET", `/api/v1/runners?${query}`, emulator.adminKey);
    expect(reply.status).toBe(status);
    if (status === 400) expect(reply.body).toEqual({ code: "bad_request", message: expect.any(String) });
  });

  it("pages 25 runners in registration order: 3 pages of 10, 10, 5", async () => {
    const emulator = await start();
    const names: string[] = [];
    for (let i = 0; i < 25; i++) {
      names.push(`agent-${String(i).padStart(2, "0")}`);
      await createRunner(emulator, names[i]);
    }
    const pages = [];
    for (let page = 0; page < 4; page++) {
      pages.push((await api(emulator, "GET", `/api/v1/runners?page=${page}&size=10`, emulator.adminKey)).body);
    }
    expect(pages.map((p) => p.content.length)).toEqual([10, 10, 5, 0]);
    expect(pages.map((p) => [p.first, p.last])).toEqual([
      [true, false],
      [false, false],
      [false, true],
      [false, true],
    ]);
    expect(pages.map((p) => p.number)).toEqual([0, 1, 2, 3]);
    for (const p of pages) expect(p).toMatchObject({ size: 10, totalElements: 25, totalPages: 3 });
    expect(pages.flatMap((p) => p.content.map((r: any) => r.name))).toEqual(names);

    const all = await api(emulator, "GET", "/api/v1/runners?size=1000", emulator.adminKey);
    expect(all.body).toMatchObject({ first: true, last: true, totalPages: 1, totalElements: 25 });
  });

  it("reports an empty organisation as one first-and-last page of nothing", async () => {
    const emulator = await start();
    const reply = await api(emulator, "GET", "/api/v1/runners", emulator.adminKey);
    expect(reply.body).toMatchObject({ content: [], first: true, last: true, totalElements: 0, totalPages: 0 });
  });
});

describe("GET /api/v1/runners/{id}", () => {
  it("returns exactly Soda's Runner fields, without a key id", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    const reply = await api(emulator, "GET", `/api/v1/runners/${runner.id}`, emulator.adminKey);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(["runner"]);
    const got = reply.body.runner;
    expect(Object.keys(got).sort()).toEqual(["id", "isOnline", "label", "lastSeenTimestamp", "name", "type", "versions"]);
    expect(got).toMatchObject({ id: runner.id, name: "agent-a", label: "agent-a", isOnline: true, type: "SELF_HOSTED" });
    expect(got.id).toMatch(UUID);
    expect(new Date(got.lastSeenTimestamp).toISOString()).toBe(got.lastSeenTimestamp);
    expect(Object.keys(got.versions).sort()).toEqual(["agent", "library", "runner"]);
  });

  it("answers 404 for an unknown runner", async () => {
    const emulator = await start();
    const reply = await api(emulator, "GET", "/api/v1/runners/no-such-runner", emulator.adminKey);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ code: "not_found", message: expect.any(String) });
  });
});

describe("DELETE /api/v1/runners/{id}", () => {
  it("deletes the runner and answers {}", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    const reply = await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({});
    expect((await api(emulator, "GET", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(404);
  });

  it("answers 404 for an unknown runner", async () => {
    const emulator = await start();
    const reply = await api(emulator, "DELETE", "/api/v1/runners/no-such-runner", emulator.adminKey);
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe("not_found");
  });

  it("answers 400 while the runner is in use, and deletes it once it is not", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    await control(emulator, "PUT", `/runners/${runner.id}/in-use`, { inUse: true });
    const refused = await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ code: "bad_request", message: expect.stringContaining("in use") });
    expect((await api(emulator, "GET", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(200);
    await control(emulator, "PUT", `/runners/${runner.id}/in-use`, { inUse: false });
    expect((await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(200);
  });

  it("refuses (400) to delete a Soda-hosted runner", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "soda-hosted", "SODA_HOSTED");
    expect(runner.type).toBe("SODA_HOSTED");
    const reply = await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("bad_request");
  });

  it("is forbidden (403) without the agent permission, before revealing whether the runner exists", async () => {
    const user = { apiKeyId: "plain-user", apiKeySecret: "plain-secret" };
    const emulator = await start({ userKeys: [user] });
    const { runner } = await createRunner(emulator, "agent-a");
    expect((await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, user)).status).toBe(403);
    expect((await api(emulator, "DELETE", "/api/v1/runners/unknown", user)).status).toBe(403);
    expect((await api(emulator, "GET", `/api/v1/runners/${runner.id}`, user)).status).toBe(200);
  });
});

describe("routing", () => {
  it.each([
    ["GET", "/api/v1/nope"],
    ["GET", "/api/v1/runners/a/b"],
    ["GET", "/"],
  ])("answers %s %s with 404 and an error body", async (method, path) => {
    const emulator = await start();
    const reply = await api(emulator, method, path, emulator.adminKey);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ code: "not_found", message: expect.any(String) });
  });

  it.each([
    ["DELETE", "/api/v1/test-login"],
    ["PUT", "/api/v1/runners"],
    ["POST", "/api/v1/runners/some-id"],
  ])("answers %s %s with 405", async (method, path) => {
    const emulator = await start();
    const reply = await api(emulator, method, path, emulator.adminKey);
    expect(reply.status).toBe(405);
    expect(reply.body.code).toBe("method_not_allowed");
  });
});

describe("trace ids", () => {
  it("are on every response, REST and control, success and error, and differ per response", async () => {
    const emulator = await start();
    const replies = await Promise.all([
      api(emulator, "GET", "/api/v1/test-login", emulator.adminKey),
      api(emulator, "GET", "/api/v1/test-login"),
      api(emulator, "GET", "/api/v1/runners/unknown", emulator.adminKey),
      api(emulator, "GET", "/api/v1/nope"),
      control(emulator, "GET", "/state"),
      control(emulator, "GET", "/nope"),
    ]);
    const ids = replies.map((r) => r.headers.get(TRACE_ID_HEADER));
    for (const id of ids) expect(id).toMatch(TRACE_ID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
