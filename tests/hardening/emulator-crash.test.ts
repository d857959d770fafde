/**
 * Emulator crash safety: the real CLI on a data dir, driven by a loop of writes (create keys, register agents,
 * delete runners), killed with SIGKILL at seeded random moments (during start-up or between and inside writes),
 * and restarted on the same data dir each time. Every restart must come up (never a corrupt-file error), and
 * hold exactly the acknowledged writes, plus at most the one write that was in flight; and the state must be
 * consistent on its own (every runner's key exists; a deleted runner's key is revoked).
 *
 * `npm test` runs 8 kills; `npm run test:crash` runs 25 (CRASH_KILLS). Replay with CRASH_SEED.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { applyAcknowledged, checkRecovery, consistencyProblems, emptyModel, modelOf, type Model, type StateDump, type Write } from "./crash-model";
import { envCount, seededRandom } from "./harness";

// Built by the pretest script (tsc), as users run it.
const CLI = resolve(__dirname, "../../dist/emulator/cli.js");
const KILLS = envCount("CRASH_KILLS", 8);
const SEED = envCount("CRASH_SEED", 7103);
const ADMIN = { apiKeyId: "crash-admin", apiKeySecret: "crash-admin-secret" };
const FIRST_LINE = /^Soda Cloud emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/;
/** Start-up takes ~160 ms here: a kill drawn from this window lands before, during or just after it. */
const STARTUP_KILL_WINDOW_MS = 220;
/** A kill drawn from this window lands among the writes (each takes a few ms). */
const WRITE_KILL_WINDOW_MS = 120;
/** Share of rounds killed from the moment of spawning rather than once writes run. */
const STARTUP_KILL_SHARE = 0.25;

type Child = ChildProcessByStdio<null, Readable, Readable>;
const children = new Set<Child>();
const dirs: string[] = [];

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: Child;
  /** The URL from the first stdout line; undefined if the process ended first or printed something else. */
  url: Promise<string | undefined>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function startCli(dataDir: string): Running {
  const child = spawn(
    process.execPath,
    [CLI, "--port", "0", "--data-dir", dataDir, "--admin-key", `${ADMIN.apiKeyId}:${ADMIN.apiKeySecret}`, "--rate-window-ms", "1"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const url = new Promise<string | undefined>((resolve) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const newline = out.indexOf("\n");
      if (newline >= 0) resolve(FIRST_LINE.exec(out.slice(0, newline))?.[1]);
    });
    void exited.then(() => resolve(undefined));
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  return { child, url, exited, stderr: () => err };
}

const AUTH = `Basic ${Buffer.from(`${ADMIN.apiKeyId}:${ADMIN.apiKeySecret}`).toString("base64")}`;

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = path.startsWith("/api/") ? { authorization: AUTH } : {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? undefined : JSON.parse(text) };
}

describe("the emulator under SIGKILL", () => {
  it(
    `restarts after each of ${KILLS} kills with every acknowledged write and at most the one in flight`,
    async () => {
      const started = Date.now();
      const dataDir = mkdtempSync(join(tmpdir(), "soda-hardening-crash-"));
      dirs.push(dataDir);
      const random = seededRandom(SEED);
      const problems: string[] = [];
      const stats = {
        kills: 0,
        killedBeforeListening: 0,
        killedWithWriteInFlight: 0,
        inFlightLanded: 0,
        inFlightLost: 0,
        acknowledged: 0,
        verified: 0,
        rateLimited: 0,
      };
      let model: Model = emptyModel();
      let inFlight: Write | undefined;
      let nameCounter = 0;

      /** Checks the state a fresh process recovered; false when the process died before answering. */
      async function verify(url: string, when: string): Promise<boolean> {
        let dump: StateDump;
        try {
          const reply = await call(url, "GET", "/__emulator/state");
          dump = reply.json;
        } catch {
          return false;
        }
        const verdict = checkRecovery(model, inFlight, dump, ADMIN.apiKeyId);
        problems.push(...verdict.problems.map((p) => `${when}: ${p}`));
        if (inFlight !== undefined) {
          if (verdict.inFlightLanded) stats.inFlightLanded++;
          else stats.inFlightLost++;
        }
        model = modelOf(dump, model);
        inFlight = undefined;
        stats.verified++;
        return true;
      }

      function chooseWrite(): Write {
        const registrable = [...model.keys].filter(([, k]) => k.secret !== undefined && !k.revoked && k.runnerId === null);
        const runners = [...model.runners];
        const r = random();
        if (r < 0.3 && runners.length > 0) {
          const [runnerId, runner] = runners[Math.floor(random() * runners.length)];
          return { op: "delete", runnerId, apiKeyId: runner.apiKeyId };
        }
        if (r < 0.65 && registrable.length > 0) {
          const [apiKeyId] = registrable[Math.floor(random() * registrable.length)];
          return { op: "register", apiKeyId, name: `crash-agent-${nameCounter++}` };
        }
        return { op: "create" };
      }

      async function send(url: string, write: Write): Promise<{ status: number; json: any }> {
        switch (write.op) {
          case "create":
            return call(url, "POST", "/api/v1/runners");
          case "register":
            return call(url, "POST", "/__emulator/agents/register", {
              apiKeyId: write.apiKeyId,
              apiKeySecret: model.keys.get(write.apiKeyId)!.secret,
              name: write.name,
            });
          case "delete":
            return call(url, "DELETE", `/api/v1/runners/${write.runnerId}`);
        }
      }

      /** Writes one at a time until the kill; a write whose answer never came stays `inFlight`. */
      async function writeUntilKilled(url: string, isKilled: () => boolean, when: string): Promise<void> {
        while (!isKilled()) {
          const write = chooseWrite();
          inFlight = write;
          let reply: { status: number; json: any };
          try {
            reply = await send(url, write);
          } catch (error) {
            if (isKilled()) stats.killedWithWriteInFlight++;
            else problems.push(`${when}: ${write.op} failed while the emulator was alive: ${(error as Error).message}`);
            return;
          }
          if (reply.status === 429) {
            // Not processed (the limiter answers before any handler runs); try another write.
            inFlight = undefined;
            stats.rateLimited++;
            continue;
          }
          if (reply.status !== 200) {
            problems.push(`${when}: ${write.op} answered HTTP ${reply.status} ${JSON.stringify(reply.json)}`);
            inFlight = undefined;
            return;
          }
          applyAcknowledged(model, write, { apiKeyId: reply.json?.apiKeyId, apiKeySecret: reply.json?.apiKeySecret, runnerId: reply.json?.runner?.id });
          inFlight = undefined;
          stats.acknowledged++;
        }
      }

      for (let round = 0; round < KILLS; round++) {
        const when = `round ${round} (seed ${SEED})`;
        const fromSpawn = random() < STARTUP_KILL_SHARE;
        const delay = Math.floor(random() * (fromSpawn ? STARTUP_KILL_WINDOW_MS : WRITE_KILL_WINDOW_MS));
        const running = startCli(dataDir);
        let killed = false;
        const kill = () => {
          killed = true;
          running.child.kill("SIGKILL");
        };
        let timer = fromSpawn ? setTimeout(kill, delay) : undefined;
        try {
          const url = await running.url;
          if (url === undefined) {
            if (killed) stats.killedBeforeListening++;
            else problems.push(`${when}: the emulator did not start: ${running.stderr()}`);
          } else if (!killed && (await verify(url, when)) && !killed) {
            timer ??= setTimeout(kill, delay);
            await writeUntilKilled(url, () => killed, when);
          }
        } finally {
          if (!killed && timer === undefined) kill();
        }
        const exit = await running.exited;
        clearTimeout(timer);
        if (exit.signal !== "SIGKILL") problems.push(`${when}: the emulator exited by itself (code ${exit.code}): ${running.stderr()}`);
        else stats.kills++;
        if (running.stderr() !== "") problems.push(`${when}: stderr: ${running.stderr()}`);
      }

      // A last restart, left running until it is checked and stopped.
      const last = startCli(dataDir);
      const url = await last.url;
      if (url === undefined) problems.push(`after the last kill: the emulator did not start: ${last.stderr()}`);
      else if (!(await verify(url, "after the last kill"))) problems.push("after the last kill: the emulator did not answer");
      last.child.kill("SIGTERM");
      const lastExit = await last.exited;
      if (url !== undefined && lastExit.code !== 0) problems.push(`after the last kill: SIGTERM gave exit code ${lastExit.code} (${lastExit.signal})`);
      const staleTemps = readdirSync(dataDir).filter((f) => f.endsWith(".tmp")).length;

      console.log(
        `crash: ${stats.kills} SIGKILLs (seed ${SEED}): ${stats.killedBeforeListening} before listening, ${stats.killedWithWriteInFlight} with a write in flight ` +
          `(${stats.inFlightLanded} landed, ${stats.inFlightLost} did not), ${stats.acknowledged} writes acknowledged, ${stats.rateLimited} 429s, ` +
          `${stats.verified} restarts verified; final state ${model.keys.size} runner keys (${[...model.keys.values()].filter((k) => k.revoked).length} revoked), ` +
          `${model.runners.size} runners; ${staleTemps} stale temp files in the data dir; ${problems.length} problems; ${Date.now() - started} ms`,
      );
      expect(problems).toEqual([]);
      expect(stats.kills).toBe(KILLS);
      expect(stats.acknowledged).toBeGreaterThan(0);
      // The interesting case, a kill while a write was on its way, must actually have happened.
      expect(stats.killedWithWriteInFlight).toBeGreaterThan(0);
      expect(model.keys.size).toBeGreaterThan(0);
    },
    30_000 + KILLS * 2_000,
  );
});

describe("a start after a write was cut short", () => {
  // What a kill between writing the temp file and renaming it leaves behind (see emulator/store.ts).
  const STALE = ".state.json.4242.0123456789ab.tmp";
  let dataDir = "";
  let restarted: { url: string | undefined; stderr: string; left: string[] } | undefined;

  it("starts from state.json and ignores the half-written temp file", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "soda-hardening-stale-"));
    dirs.push(dataDir);
    const first = startCli(dataDir);
    const firstUrl = await first.url;
    expect(firstUrl).toBeDefined();
    expect((await call(firstUrl!, "POST", "/api/v1/runners")).status).toBe(200);
    first.child.kill("SIGKILL");
    await first.exited;
    writeFileSync(join(dataDir, STALE), '{"version": 1, "organisationName": "Emu');

    const second = startCli(dataDir);
    const url = await second.url;
    const state: StateDump | undefined = url === undefined ? undefined : (await call(url, "GET", "/__emulator/state")).json;
    second.child.kill("SIGTERM");
    await second.exited;
    restarted = { url, stderr: second.stderr(), left: readdirSync(dataDir) };
    expect(url, second.stderr()).toBeDefined();
    expect(state?.apiKeys.filter((k) => k.kind === "runner")).toHaveLength(1);
  });

  // Regression: a process killed between creating its temp file and the rename used to leave
  // `.state.json.<pid>.<hex>.tmp` behind for good; `Store.open` now removes such files.
  it("removes the temp file a write cut short left behind", () => {
    expect(restarted?.url).toBeDefined();
    expect(restarted!.left).toEqual(["state.json"]);
  });
});

describe("the recovery check itself", () => {
  const admin = { apiKeyId: ADMIN.apiKeyId, kind: "user" as const, revoked: false, runnerId: null };
  const key = (apiKeyId: string, revoked = false, runnerId: string | null = null) => ({ apiKeyId, kind: "runner" as const, revoked, runnerId });
  const acknowledged = (): Model => modelOf({ apiKeys: [admin, key("k1", false, "r1"), key("k2")], runners: [{ id: "r1", name: "a1", apiKeyId: "k1" }] });
  const dump = (apiKeys: StateDump["apiKeys"], runners: StateDump["runners"] = []): StateDump => ({ apiKeys: [admin, ...apiKeys], runners });

  it("accepts the acknowledged state, and that state plus the write in flight", () => {
    const same = dump([key("k1", false, "r1"), key("k2")], [{ id: "r1", name: "a1", apiKeyId: "k1" }]);
    expect(checkRecovery(acknowledged(), { op: "create" }, same, ADMIN.apiKeyId)).toEqual({ problems: [], inFlightLanded: false });
    const plusKey = dump([key("k1", false, "r1"), key("k2"), key("k3")], [{ id: "r1", name: "a1", apiKeyId: "k1" }]);
    expect(checkRecovery(acknowledged(), { op: "create" }, plusKey, ADMIN.apiKeyId)).toEqual({ problems: [], inFlightLanded: true });
    const deleted = dump([key("k1", true, "r1"), key("k2")]);
    expect(checkRecovery(acknowledged(), { op: "delete", runnerId: "r1", apiKeyId: "k1" }, deleted, ADMIN.apiKeyId)).toEqual({
      problems: [],
      inFlightLanded: true,
    });
    const registered = dump(
      [key("k1", false, "r1"), key("k2", false, "r2")],
      [
        { id: "r1", name: "a1", apiKeyId: "k1" },
        { id: "r2", name: "a2", apiKeyId: "k2" },
      ],
    );
    expect(checkRecovery(acknowledged(), { op: "register", apiKeyId: "k2", name: "a2" }, registered, ADMIN.apiKeyId)).toEqual({
      problems: [],
      inFlightLanded: true,
    });
  });

  it.each<[string, Write | undefined, StateDump, RegExp]>([
    ["a lost acknowledged key", undefined, dump([key("k1", false, "r1")], [{ id: "r1", name: "a1", apiKeyId: "k1" }]), /acknowledged keys lost: k2/],
    ["an empty state", undefined, dump([]), /empty although writes had been acknowledged/],
    [
      "a key nobody created",
      undefined,
      dump([key("k1", false, "r1"), key("k2"), key("k3")], [{ id: "r1", name: "a1", apiKeyId: "k1" }]),
      /no write was in flight/,
    ],
    [
      "two keys from one create",
      { op: "create" },
      dump([key("k1", false, "r1"), key("k2"), key("k3"), key("k4")], [{ id: "r1", name: "a1", apiKeyId: "k1" }]),
      /write in flight/,
    ],
    [
      "a runner deleted but its key not revoked",
      { op: "delete", runnerId: "r1", apiKeyId: "k1" },
      dump([key("k1", false, "r1"), key("k2")]),
      /gone but the key is not revoked/,
    ],
    ["a runner whose key is missing", undefined, dump([key("k2")], [{ id: "r1", name: "a1", apiKeyId: "k1" }]), /runner r1 has no key k1/],
    [
      "a registration under another name",
      { op: "register", apiKeyId: "k2", name: "a2" },
      dump(
        [key("k1", false, "r1"), key("k2", false, "r2")],
        [
          { id: "r1", name: "a1", apiKeyId: "k1" },
          { id: "r2", name: "zz", apiKeyId: "k2" },
        ],
      ),
      /write in flight/,
    ],
  ])("rejects %s", (_, write, recovered, message) => {
    const verdict = checkRecovery(acknowledged(), write, recovered, ADMIN.apiKeyId);
    expect(verdict.problems.join("\n")).toMatch(message);
  });

  it("rejects a state whose admin key was lost", () => {
    expect(consistencyProblems({ apiKeys: [key("k2")], runners: [] }, ADMIN.apiKeyId).join("\n")).toMatch(/admin key is missing/);
  });
});
