import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmulatorStateError, startEmulator } from "../../emulator/index";
import { api, control, createRunner, useEmulators } from "./helpers";

const start = useEmulators();
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "soda-emulator-test-"));
  dirs.push(dir);
  return dir;
}

const admin = { apiKeyId: "admin-key", apiKeySecret: "admin-secret-that-must-never-be-stored" };

describe("persistence", () => {
  it("keeps keys and runners across a restart", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir, adminKeys: [admin], organisation: "Acme" });
    const { key, runner } = await createRunner(first, "agent-a");
    const deleted = await createRunner(first, "agent-b");
    await api(first, "DELETE", `/api/v1/runners/${deleted.runner.id}`, admin);
    await control(first, "PUT", `/runners/${runner.id}/in-use`, { inUse: true });
    const uiKey = (await control(first, "POST", "/api-keys")).body;
    const before = (await control(first, "GET", "/state")).body;
    await first.close();

    const second = await start({ dataDir: dir, adminKeys: [admin] });
    expect((await control(second, "GET", "/state")).body).toEqual(before);
    expect((await api(second, "GET", "/api/v1/test-login", admin)).body).toEqual({ organisationName: "Acme" });
    expect((await api(second, "GET", "/api/v1/test-login", uiKey)).status).toBe(200);
    expect((await api(second, "GET", `/api/v1/runners/${runner.id}`, admin)).body.runner.name).toBe("agent-a");
    expect((await api(second, "DELETE", `/api/v1/runners/${runner.id}`, admin)).status).toBe(400);
    const again = await control(second, "POST", "/agents/register", { ...key, name: "agent-a" });
    expect(again.body.runner.id).toBe(runner.id);
    expect((await control(second, "POST", "/agents/register", { ...deleted.key, name: "agent-b" })).status).toBe(401);
  });

  it("writes each change before responding, atomically, with a version and no secrets", async () => {
    const dir = dataDir();
    const user = { apiKeyId: "user-key", apiKeySecret: "user-secret-that-must-never-be-stored" };
    const emulator = await start({ dataDir: dir, adminKeys: [admin], userKeys: [user] });
    const created = (await api(emulator, "POST", "/api/v1/runners", admin)).body;
    const file = readFileSync(join(dir, "state.json"), "utf8");
    const stored = JSON.parse(file);
    expect(stored.version).toBe(1);
    expect(stored.apiKeys.map((k: any) => k.apiKeyId)).toContain(created.apiKeyId);
    const uiKey = (await control(emulator, "POST", "/api-keys")).body;
    const latest = readFileSync(join(dir, "state.json"), "utf8");
    for (const secret of [admin.apiKeySecret, user.apiKeySecret, created.apiKeySecret, uiKey.apiKeySecret]) {
      expect(latest).not.toContain(secret);
    }
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  it("upserts the startup keys into loaded state and restores a revoked one", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir, adminKeys: [admin] });
    await control(first, "DELETE", `/api-keys/${admin.apiKeyId}`);
    expect((await api(first, "GET", "/api/v1/test-login", admin)).status).toBe(401);
    await first.close();

    const other = { apiKeyId: "other-admin", apiKeySecret: "other-secret" };
    const second = await start({ dataDir: dir, adminKeys: [admin, other] });
    expect((await api(second, "GET", "/api/v1/test-login", admin)).status).toBe(200);
    expect((await api(second, "GET", "/api/v1/test-login", other)).status).toBe(200);
    await second.close();

    const changed = { apiKeyId: admin.apiKeyId, apiKeySecret: "a-new-secret" };
    const third = await start({ dataDir: dir, adminKeys: [changed] });
    expect((await api(third, "GET", "/api/v1/test-login", admin)).status).toBe(401);
    expect((await api(third, "GET", "/api/v1/test-login", changed)).status).toBe(200);
  });

  it("keeps the stored organisation unless a new one is given", async () => {
    const dir = dataDir();
    await (await start({ dataDir: dir, adminKeys: [admin], organisation: "Acme" })).close();
    const kept = await start({ dataDir: dir, adminKeys: [admin] });
    expect((await api(kept, "GET", "/api/v1/test-login", admin)).body.organisationName).toBe("Acme");
    await kept.close();
    const renamed = await start({ dataDir: dir, adminKeys: [admin], organisation: "Beta" });
    expect((await api(renamed, "GET", "/api/v1/test-login", admin)).body.organisationName).toBe("Beta");
  });

  it("persists a reset", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir, adminKeys: [admin] });
    await createRunner(first, "agent-a");
    await control(first, "POST", "/reset");
    await first.close();
    const second = await start({ dataDir: dir, adminKeys: [admin] });
    expect((await control(second, "GET", "/state")).body.runners).toEqual([]);
  });

  it.each([
    ["corrupt JSON", "{ not json", /not valid JSON/],
    ["a wrong shape", JSON.stringify({ version: 1, organisationName: "x", apiKeys: [{ apiKeyId: "k" }], runners: [] }), /apiKeys\[0\]/],
    ["another version", JSON.stringify({ version: 99 }), /version 99/],
    [
      "a runner without a runner key",
      JSON.stringify({
        version: 1,
        organisationName: "x",
        apiKeys: [],
        runners: [
          {
            id: "r",
            name: "n",
            label: "n",
            isOnline: true,
            lastSeenTimestamp: "2025-01-01T00:00:00.000Z",
            type: "SELF_HOSTED",
            versions: { agent: "1", library: "1", runner: "1" },
            inUse: false,
            apiKeyId: "missing",
          },
        ],
      }),
      /runners\[0\]\.apiKeyId/,
    ],
  ])("refuses to start on %s, naming the file and what to do, and leaves it alone", async (_name, content, reason) => {
    const dir = dataDir();
    const file = join(dir, "state.json");
    writeFileSync(file, content);
    const error = await startEmulator({ dataDir: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmulatorStateError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toMatch(reason);
    expect(message).toMatch(/Move the file away/);
    expect(message).toContain("--data-dir");
    expect(readFileSync(file, "utf8")).toBe(content);
  });
});
