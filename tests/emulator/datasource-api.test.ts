import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UUID, api, control, createRunner, useEmulators, type TestEmulator } from "./helpers";

const start = useEmulators();

/** A Soda data source configuration file: its name and type at the top, the connection (with a password) below. */
function configFile(name: string, type = "postgres"): string {
  return `type: ${type}\nname: ${name}\nconnection:\n  host: db.internal\n  password: canary-password-never-kept\n`;
}

async function createDatasource(emulator: TestEmulator, body: Record<string, unknown>) {
  emulator.clock.advance(60_000);
  return api(emulator, "POST", "/api/v1/datasources", emulator.adminKey, body);
}

describe("data sources (Soda's v4 public API)", () => {
  it("creates a data source bound to a runner; the DTO has no runnerId, the control state does, and no connection setting is kept", async () => {
    const emulator = await start();
    const { runner } = await createRunner(emulator, "agent-a");
    const created = await createDatasource(emulator, { configurationFileContents: configFile("orders"), label: "Orders", runnerId: runner.id });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      name: "orders",
      label: "Orders",
      type: "postgres",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const state = await control(emulator, "GET", "/state");
    expect(state.body.datasources).toEqual([{ ...created.body, runnerId: runner.id }]);
    expect(JSON.stringify(state.body)).not.toContain("canary-password-never-kept");

    expect((await api(emulator, "GET", `/api/v1/datasources/${created.body.id}`, emulator.adminKey)).body).toEqual(created.body);
  });

  it("moves a data source to another runner with POST /api/v1/datasources/{id} and runnerId", async () => {
    const emulator = await start();
    const { runner: blue } = await createRunner(emulator, "agent-blue");
    const { runner: green } = await createRunner(emulator, "agent-green");
    const created = await createDatasource(emulator, { configurationFileContents: configFile("orders"), runnerId: blue.id });
    emulator.clock.advance(1_000);
    const moved = await api(emulator, "POST", `/api/v1/datasources/${created.body.id}`, emulator.adminKey, { runnerId: green.id });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ ...created.body, updatedAt: expect.any(String) });
    expect(moved.body.updatedAt > created.body.updatedAt).toBe(true);
    expect((await control(emulator, "GET", "/state")).body.datasources[0].runnerId).toBe(green.id);
  });

  it("lists data sources a page at a time, with search over name and label", async () => {
    const emulator = await start();
    for (const name of ["orders", "customers", "order_items"])
      expect((await createDatasource(emulator, { configurationFileContents: configFile(name) })).status).toBe(200);
    const all = await api(emulator, "GET", "/api/v1/datasources?size=10", emulator.adminKey);
    expect(all.body.content.map((d: { name: string }) => d.name)).toEqual(["orders", "customers", "order_items"]);
    expect(all.body).toMatchObject({ totalElements: 3, totalPages: 1, first: true, last: true });
    const found = await api(emulator, "GET", "/api/v1/datasources?search=ORDER", emulator.adminKey);
    expect(found.body.content.map((d: { name: string }) => d.name)).toEqual(["orders", "order_items"]);
    expect((await api(emulator, "GET", "/api/v1/datasources?size=5", emulator.adminKey)).status).toBe(400);
  });

  it("refuses what Soda would: an unknown runner, a file without name or type, a taken name, a bad body, a key without the permission", async () => {
    const emulator = await start({ userKeys: [{ apiKeyId: "reader", apiKeySecret: "reader-secret" }] });
    expect((await createDatasource(emulator, { configurationFileContents: configFile("orders"), runnerId: "no-such-runner" })).status).toBe(400);
    expect((await createDatasource(emulator, { configurationFileContents: "connection:\n  host: x\n" })).status).toBe(400);
    expect((await createDatasource(emulator, { configurationFileContents: configFile("orders") })).status).toBe(200);
    expect((await createDatasource(emulator, { configurationFileContents: configFile("orders") })).status).toBe(409);
    expect((await createDatasource(emulator, { label: "no file" })).status).toBe(400);
    const notJson = await fetch(`${emulator.url}/api/v1/datasources`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${emulator.adminKey.apiKeyId}:${emulator.adminKey.apiKeySecret}`).toString("base64")}` },
      body: "{not json",
    });
    expect(notJson.status).toBe(400);
    const reader = await api(
      emulator,
      "POST",
      "/api/v1/datasources",
      { apiKeyId: "reader", apiKeySecret: "reader-secret" },
      { configurationFileContents: configFile("x") },
    );
    expect(reader.status).toBe(403);
    expect((await api(emulator, "GET", "/api/v1/datasources/none", emulator.adminKey)).status).toBe(404);
  });

  it("keeps data sources and their runners across a restart; a state file from before data sources loads with none", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-emulator-ds-"));
    try {
      const first = await start({ dataDir });
      const { runner } = await createRunner(first, "agent-a");
      await createDatasource(first, { configurationFileContents: configFile("orders"), runnerId: runner.id });
      const before = (await control(first, "GET", "/state")).body.datasources;
      await first.close();
      const second = await start({ dataDir, adminKeys: [first.adminKey] });
      expect((await control(second, "GET", "/state")).body.datasources).toEqual(before);
      await second.close();

      const file = path.join(dataDir, "state.json");
      const { datasources: _dropped, ...older } = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      fs.writeFileSync(file, JSON.stringify(older));
      const third = await start({ dataDir, adminKeys: [first.adminKey] });
      expect((await control(third, "GET", "/state")).body.datasources).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("paces creates and updates at 10 per window, as Soda documents", async () => {
    const emulator = await start();
    for (let i = 0; i < 10; i++) {
      expect((await api(emulator, "POST", "/api/v1/datasources", emulator.adminKey, { configurationFileContents: configFile(`ds${i}`) })).status).toBe(200);
    }
    expect((await api(emulator, "POST", "/api/v1/datasources", emulator.adminKey, { configurationFileContents: configFile("ds10") })).status).toBe(429);
  });
});

describe("a runner's delete refused as in use", () => {
  async function runnerWithDatasource(runnerInUse?: "scans" | "scans-or-datasources") {
    const emulator = await start(runnerInUse === undefined ? {} : { runnerInUse });
    const { runner } = await createRunner(emulator, "agent-a");
    const created = await createDatasource(emulator, { configurationFileContents: configFile("orders"), runnerId: runner.id });
    return { emulator, runner, datasource: created.body as { id: string } };
  }

  it("by default (scans) only the in-use flag refuses it: a runner with data sources is deleted", async () => {
    const { emulator, runner } = await runnerWithDatasource();
    expect((await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(200);
  });

  it("under scans-or-datasources a runner with data sources is in use (400) until they are moved away", async () => {
    const { emulator, runner, datasource } = await runnerWithDatasource("scans-or-datasources");
    const refused = await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain("in use");
    const { runner: other } = await createRunner(emulator, "agent-b");
    expect((await api(emulator, "POST", `/api/v1/datasources/${datasource.id}`, emulator.adminKey, { runnerId: other.id })).status).toBe(200);
    expect((await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(200);
  });

  it("under scans-or-datasources the in-use flag still refuses it", async () => {
    const emulator = await start({ runnerInUse: "scans-or-datasources" });
    const { runner } = await createRunner(emulator, "agent-a");
    await control(emulator, "PUT", `/runners/${runner.id}/in-use`, { inUse: true });
    expect((await api(emulator, "DELETE", `/api/v1/runners/${runner.id}`, emulator.adminKey)).status).toBe(400);
  });
});
