import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// Built by the pretest script (tsc); the test runs the real bin, as users do.
const CLI = resolve(__dirname, "../../../dist/emulator/cli.js");
const FIRST_LINE = /^Soda Cloud emulator listening on http:\/\/127\.0\.0\.1:(\d+)$/;
const GENERATED_KEY_LINE =
  /^Generated admin key (\S+); SODA_API_KEY_ID and SODA_API_KEY_SECRET are in (\S+) \(readable only by you, removed when the emulator stops\)$/;

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: "pipe" });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the stdout lines once `count` complete lines arrived (or the process ended). */
async function lines(running: Running, count: number): Promise<string[]> {
  let ended = false;
  void running.exited.then(() => (ended = true));
  for (;;) {
    const complete = running.stdout().split("\n").slice(0, -1);
    if (complete.length >= count || ended) return complete;
    await new Promise((r) => running.child.stdout.once("data", r).once("end", r));
  }
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}

describe("soda-cloud-emulator CLI", () => {
  it("prints the URL first, the generated key's id and file second (never its secret), logs requests, and exits 0 on SIGTERM", async () => {
    const emulator = run(["--port", "0"]);
    const [first, second] = await lines(emulator, 2);
    const url = `http://127.0.0.1:${FIRST_LINE.exec(first)![1]}`;
    const [, keyId, file] = GENERATED_KEY_LINE.exec(second)!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const [idLine, secretLine] = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(idLine).toBe(`SODA_API_KEY_ID=${keyId}`);
    const secret = /^SODA_API_KEY_SECRET=(\S+)$/.exec(secretLine)![1];

    const res = await fetch(`${url}/api/v1/test-login?x=1`, { headers: { authorization: basic(keyId, secret) } });
    expect(res.status).toBe(200);
    const [, , log] = await lines(emulator, 3);
    expect(log).toMatch(/^GET \/api\/v1\/test-login 200 \d+ms$/);
    expect(emulator.stdout()).not.toContain(secret);

    emulator.child.kill("SIGTERM");
    expect(await emulator.exited).toBe(0);
    expect(emulator.stderr()).toBe("");
    expect(existsSync(dirname(file))).toBe(false);
  });

  it("exits 0 on SIGINT", async () => {
    const emulator = run([]);
    expect((await lines(emulator, 1))[0]).toMatch(FIRST_LINE);
    emulator.child.kill("SIGINT");
    expect(await emulator.exited).toBe(0);
  });

  it("uses the given keys and organisation, splitting keys on the first colon, and prints no secret", async () => {
    const emulator = run(["--port", "0", "--admin-key", "admin-id:admin:secret", "--user-key", "user-id:user-secret", "--organisation", "Acme Data"]);
    const [first] = await lines(emulator, 1);
    const url = `http://127.0.0.1:${FIRST_LINE.exec(first)![1]}`;
    const login = await fetch(`${url}/api/v1/test-login`, { headers: { authorization: basic("admin-id", "admin:secret") } });
    expect(await login.json()).toEqual({ organisationName: "Acme Data" });
    const create = await fetch(`${url}/api/v1/runners`, { method: "POST", headers: { authorization: basic("user-id", "user-secret") } });
    expect(create.status).toBe(403);
    await lines(emulator, 3);
    expect(emulator.stdout()).not.toContain("Generated admin key");
    expect(emulator.stderr()).toBe("");
    expect(emulator.stdout()).not.toContain("secret");
    emulator.child.kill("SIGTERM");
    expect(await emulator.exited).toBe(0);
  });

  it("binds every interface only with a loud warning, printing a URL a client can use and what the provider needs", async () => {
    const emulator = run(["--host", "0.0.0.0", "--admin-key", "admin-id:admin-secret"]);
    const [first] = await lines(emulator, 1);
    const port = FIRST_LINE.exec(first)![1];
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/test-login`, { headers: { authorization: basic("admin-id", "admin-secret") } });
    expect(login.status).toBe(200);
    const warning = emulator.stderr();
    expect(warning).toContain("WARNING: listening on every network interface (0.0.0.0)");
    expect(warning).toContain(`control API (/__emulator) has no authentication: anyone who reaches port ${port}`);
    expect(warning).toContain(`http://<this machine's name or address>:${port}`);
    expect(warning).toContain("pulumi config set soda:allowInsecureHttp true");
    expect(warning).not.toContain("admin-secret");
    emulator.child.kill("SIGTERM");
    expect(await emulator.exited).toBe(0);
  });

  it("prints its version and exits 0", async () => {
    const emulator = run(["--version"]);
    expect(await emulator.exited).toBe(0);
    expect(emulator.stdout()).toBe(`${(JSON.parse(readFileSync(resolve(__dirname, "../../../package.json"), "utf8")) as { version: string }).version}\n`);
  });

  it.each([
    [["--bogus"], "--bogus"],
    [["--port", "abc"], '--port must be an integer from 0 to 65535, not "abc"'],
    [["--port", "70000"], '--port must be an integer from 0 to 65535, not "70000"'],
    [["--port", "-1"], '--port must be an integer from 0 to 65535, not "-1"'],
    [["--port", "--host", "127.0.0.1"], "--port needs a value"],
    [["--admin-key", "no-colon"], "--admin-key"],
    [["--user-key", ":secret"], "--user-key"],
    [["--rate-window-ms", "0"], "--rate-window-ms"],
    [["--port"], "--port needs a value"],
    [["stray"], "stray"],
  ])("exits 2 with a one-line error for %j", async (args, message) => {
    const emulator = run(args);
    expect(await emulator.exited).toBe(2);
    const stderr = emulator.stderr();
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain("ambiguous");
    expect(emulator.stdout()).toBe("");
  });

  it("exits 1 naming the file when the data file is corrupt", async () => {
    const dir = mkdtempSync(join(tmpdir(), "soda-emulator-cli-"));
    dirs.push(dir);
    writeFileSync(join(dir, "state.json"), "{ corrupt");
    const emulator = run(["--data-dir", dir]);
    expect(await emulator.exited).toBe(1);
    expect(emulator.stderr()).toContain(join(dir, "state.json"));
    expect(emulator.stdout()).toBe("");
  });

  it("prints help and exits 0", async () => {
    const emulator = run(["--help"]);
    expect(await emulator.exited).toBe(0);
    expect(emulator.stdout()).toContain("--data-dir");
  });
});
