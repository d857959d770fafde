/**
 * Secret hygiene: canary secrets go into every slot a secret can take (the admin key secret, a user API key
 * secret, the agent key secrets Soda mints, a data-source password flowing through a SodaAgentKey's
 * rotationTriggers and a stack output), and a real Pulumi program runs create, refresh, rotation and destroy, and
 * every error path (401, 403, an in-use delete, a create whose outcome is unknown), through Pulumi's language
 * runtime, the stand-in engine and Pulumi's real provider host.
 *
 * After every step no canary may show in plain text in: the provider host's stderr, the program's stdout and
 * stderr, any diagnostic (except Pulumi's own debug trace of RegisterResource responses, see `isSdkRpcTrace`), any
 * engine error or gRPC error message from a failed Create/Read/Delete (the host writes Read and Delete errors
 * with their stack to stderr), any `__provider` text, any registered input, response, resource or stack output
 * outside a secret wrapper, the state the engine keeps (outside secret wrappers), the emulator's log lines
 * (`startEmulator({log})` and the CLI's stdout), its state dump (`GET /__emulator/state`) or its `state.json`.
 *
 * Why the stand-in engine here: it sees every gRPC message between program, engine and provider host, secret
 * wrappers included, which the real CLI does not expose. The real CLI tier scans what users see (every output,
 * `stack export`, the state files): tests/real-cli/lifecycle.test.ts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { serializedProviders } from "../support/provider-texts";
import { isSecretWrapped } from "../support/pulumi-grpc";
import { isSdkRpcTrace, plain, plaintextStrings, secretLeaks, visibleText } from "../support/secret-scan";
import { stopProcess } from "../support/stop-process";
import { StandInEngine, describeResult, type ConfigValue, type OperationResult } from "../support/stand-in-engine";

const AGENT_KEY = "pulumi-nodejs:dynamic/soda:AgentKey";
const API_KEY = "pulumi-nodejs:dynamic/soda:ApiKey";
const CLI = resolve(__dirname, "../../dist/emulator/cli.js");

const canary = (slot: string) => `canary-${slot}-${randomBytes(9).toString("base64url")}`;

/** A secret and the name it is reported under (so a failure does not print other real secrets). */
type Secrets = Map<string, string>;

const PROGRAM_FILES = {
  "Pulumi.yaml": "name: secret-hygiene\nruntime: nodejs\ndescription: Soda Cloud keys and a data-source password, for the secret-hygiene tests.\n",
  "package.json": JSON.stringify({ name: "secret-hygiene", private: true, main: "index.ts" }, null, 2),
  "tsconfig.json": JSON.stringify(
    { compilerOptions: { strict: true, target: "ES2022", module: "nodenext", moduleResolution: "nodenext", skipLibCheck: true }, files: ["index.ts"] },
    null,
    2,
  ),
  "index.ts": `import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey, SodaApiKey } from "pulumi-soda-cloud";

const config = new pulumi.Config();
const dataSourcePassword = config.requireSecret("dataSourcePassword");

// A new data-source password rotates the agent key too: a secret inside a non-secret argument.
const agentKey = new SodaAgentKey("agent-key", {
  agentName: "hygiene-agent",
  rotationTriggers: { generation: config.get("generation") ?? "1", dataSource: dataSourcePassword },
});
const apiKey = new SodaApiKey("api-key", { apiKeyId: config.require("apiKeyId"), apiKeySecret: config.requireSecret("apiKeySecret") });

export const agentKeyId = agentKey.apiKeyId;
export const agentKeySecret = agentKey.apiKeySecret;
export const agentTriggers = agentKey.rotationTriggers;
export const agentEndpoint = agentKey.endpoint;
export const organisation = apiKey.organisationName;
export const configurationYml = pulumi
  .all([apiKey.sodaCloudConfig, dataSourcePassword])
  .apply(([cloud, password]) => \`\${cloud}data_source warehouse:\\n  type: postgres\\n  password: \${JSON.stringify(password)}\\n\`);
`,
};

/** The names of the secrets that show in `text`. */
function leakedIn(text: string, secrets: Secrets): string[] {
  return [...secrets].filter(([, secret]) => text.includes(secret)).map(([name]) => name);
}

/** Asserts that nothing the operation exposed, and nothing the engine keeps in plain text, holds a secret. */
function expectNoLeaks(engine: StandInEngine, result: OperationResult, secrets: Secrets): void {
  const values = [...secrets.values()];
  const account = describeResult(result);
  expect(secretLeaks(result, values), account).toEqual([]);
  expect(leakedIn(visibleText(result), secrets), account).toEqual([]);
  // Pulumi's Node SDK logs each RegisterResource response at debug severity, secrets included (documented
  // exception). Any other debug line holding a secret is a leak.
  for (const d of result.diagnostics) {
    if (leakedIn(d.message, secrets).length > 0) expect(isSdkRpcTrace(d.message, d.severity), `${d.severity}: ${d.message.slice(0, 120)}`).toBe(true);
  }
  for (const r of result.registrations) {
    const text = r.object.__provider;
    if (typeof text === "string") expect(leakedIn(text, secrets), `__provider of ${r.urn}`).toEqual([]);
  }
  for (const res of Object.values(engine.state)) {
    expect(leakedIn(plaintextStrings(res.inputs).join("\n"), secrets), `inputs of ${res.urn} in state`).toEqual([]);
    expect(leakedIn(plaintextStrings(res.outputs).join("\n"), secrets), `outputs of ${res.urn} in state`).toEqual([]);
  }
}

/** Plain outputs of the state entry with this name and type. */
function outputsOf(engine: StandInEngine, name: string, type: string): Record<string, any> {
  const state = engine.find(name, type);
  if (state === undefined) throw new Error(`${name} is not in state`);
  return plain(state.outputs);
}

async function controlJson(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

let project: ProjectDir;
const providerTexts: string[] = [];
/** Credentials in the environment of the process that serializes the providers (a program, a CI job). */
const ENV_SECRETS: Secrets = new Map([
  ["SODA_API_KEY_SECRET of the program", canary("env-admin")],
  ["SODA_API_KEY_ID of the program", randomUUID()],
]);
const PROGRAM_ENV = {
  SODA_API_KEY_SECRET: ENV_SECRETS.get("SODA_API_KEY_SECRET of the program"),
  SODA_API_KEY_ID: ENV_SECRETS.get("SODA_API_KEY_ID of the program"),
};

beforeAll(async () => {
  project = prepareProjectDir({ prefix: "secret-hygiene-", files: PROGRAM_FILES });
  const saved = { SODA_API_KEY_SECRET: process.env.SODA_API_KEY_SECRET, SODA_API_KEY_ID: process.env.SODA_API_KEY_ID };
  Object.assign(process.env, PROGRAM_ENV);
  try {
    const texts = await serializedProviders();
    providerTexts.push(texts.agentKey, texts.apiKey);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}, 60_000);

afterAll(() => project?.cleanup());

function startEngine(config: Record<string, ConfigValue>): Promise<StandInEngine> {
  return StandInEngine.start({
    projectDir: project.dir,
    config,
    // Programs here do not throw (failed steps are the engine's); transpile only, as nothing in `index.ts` needs
    // the type-check to be proven again, and it costs seconds per run.
    programNodeArgs: ["--stack-trace-limit=0"],
    // Credentials in the program's environment too: the program serializes the provider, which must not capture them.
    programEnv: { PULUMI_NODEJS_TRANSPILE_ONLY: "true", ...PROGRAM_ENV },
  });
}

describe("the serialized provider", () => {
  it("holds no credential from the environment it was serialized in", () => {
    expect(providerTexts).toHaveLength(2);
    for (const text of providerTexts) {
      // The shim, which loads the implementation by package name: the text the engine stores in state.
      expect(text).toContain("pulumi-soda-cloud/provider");
      expect(leakedIn(text, ENV_SECRETS)).toEqual([]);
    }
  });
});

describe("create, refresh, rotation and destroy against the emulator CLI with a data dir", () => {
  const adminId = randomUUID();
  const userId = randomUUID();
  const secrets: Secrets = new Map([
    ["admin key secret", canary("admin")],
    ["user API key secret", canary("user")],
    ["data-source password", canary("dbpassword")],
    ...ENV_SECRETS,
  ]);
  let dataDir: string;
  let cli: ChildProcessWithoutNullStreams;
  let cliExited: Promise<number | null>;
  let cliStdout = "";
  let cliStderr = "";
  let url: string;
  let engine: StandInEngine;
  let config: Record<string, ConfigValue>;

  /** The emulator's own view: the state dump, its state.json, and what the CLI printed. */
  async function expectEmulatorClean(): Promise<void> {
    const dump = await controlJson(url, "GET", "/__emulator/state");
    expect(dump.status).toBe(200);
    expect(leakedIn(dump.text, secrets), "GET /__emulator/state").toEqual([]);
    const file = readFileSync(join(dataDir, "state.json"), "utf8");
    expect(JSON.parse(file).apiKeys.length).toBeGreaterThan(0);
    expect(leakedIn(file, secrets), "state.json").toEqual([]);
    expect(leakedIn(cliStdout + cliStderr, secrets), "the CLI's output").toEqual([]);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "secret-hygiene-data-"));
    cli = spawn(
      process.execPath,
      [CLI, "--port", "0", "--data-dir", dataDir, "--admin-key", `${adminId}:${secrets.get("admin key secret")}`, "--user-key", `${userId}:${secrets.get("user API key secret")}`],
      { stdio: "pipe" },
    );
    cliExited = new Promise((resolve) => cli.on("close", (code) => resolve(code)));
    cli.stdout.setEncoding("utf8").on("data", (chunk: string) => (cliStdout += chunk));
    cli.stderr.setEncoding("utf8").on("data", (chunk: string) => (cliStderr += chunk));
    const first = await new Promise<string>((resolve, reject) => {
      const check = () => {
        if (cliStdout.includes("\n")) resolve(cliStdout.slice(0, cliStdout.indexOf("\n")));
      };
      cli.stdout.on("data", check);
      void cliExited.then(() => reject(new Error(`the emulator CLI exited before printing its URL: ${cliStderr}`)));
    });
    url = /^Soda Cloud emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first)?.[1] ?? "";
    expect(url, first).not.toBe("");
    config = {
      "soda:host": url,
      "soda:apiKeyId": adminId,
      "soda:apiKeySecret": { secret: secrets.get("admin key secret")! },
      apiKeyId: userId,
      apiKeySecret: { secret: secrets.get("user API key secret")! },
      dataSourcePassword: { secret: secrets.get("data-source password")! },
    };
    engine = await startEngine(config);
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    if (cli !== undefined) await stopProcess(cli, cliExited);
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it("up: the minted key and every given secret stay secret", async () => {
    const result = await engine.up();
    expect(result.ok, describeResult(result)).toBe(true);
    const agent = outputsOf(engine, "agent-key", AGENT_KEY);
    secrets.set("minted agent key secret (first)", agent.apiKeySecret);
    // The canaries are really there, inside the secret wrappers: the scan looks for the right strings.
    expect(agent.apiKeySecret).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(agent.rotationTriggers.dataSource).toBe(secrets.get("data-source password"));
    expect(outputsOf(engine, "api-key", API_KEY).sodaCloudConfig).toContain(secrets.get("user API key secret"));
    expect(isSecretWrapped(result.stackOutputs?.agentKeySecret)).toBe(true);
    expect(isSecretWrapped(result.stackOutputs?.configurationYml)).toBe(true);
    expect(plain<string>(result.stackOutputs?.configurationYml)).toContain(secrets.get("data-source password"));
    expect(result.stackOutputs?.agentKeyId).toBe(agent.apiKeyId);
    expectNoLeaks(engine, result, secrets);
    await expectEmulatorClean();
  }, 60_000);

  it("refresh after the agent registered", async () => {
    const agent = outputsOf(engine, "agent-key", AGENT_KEY);
    const registered = await controlJson(url, "POST", "/__emulator/agents/register", { apiKeyId: agent.apiKeyId, apiKeySecret: agent.apiKeySecret, name: "hygiene-agent" });
    expect(registered.status).toBe(200);
    expect(leakedIn(registered.text, secrets)).toEqual([]);
    const result = await engine.refresh();
    expect(result.ok, describeResult(result)).toBe(true);
    expect(outputsOf(engine, "agent-key", AGENT_KEY).registered).toBe(true);
    expectNoLeaks(engine, result, secrets);
    await expectEmulatorClean();
  }, 60_000);

  it("rotation: the old runner is deleted, a new key minted, neither secret shows", async () => {
    const old = outputsOf(engine, "agent-key", AGENT_KEY);
    engine.setConfig({ ...config, generation: "2" });
    const result = await engine.up();
    expect(result.ok, describeResult(result)).toBe(true);
    const rotated = outputsOf(engine, "agent-key", AGENT_KEY);
    expect(rotated.apiKeyId).not.toBe(old.apiKeyId);
    secrets.set("minted agent key secret (second)", rotated.apiKeySecret);
    expect(result.operations.filter((o) => o.name === "agent-key").map((o) => `${o.op}${o.reason ? `(${o.reason})` : ""}`)).toEqual([
      "delete(replace)",
      "create(replace)",
      "replace",
    ]);
    expectNoLeaks(engine, result, secrets);
    await expectEmulatorClean();
  }, 60_000);

  it("destroy, with its warnings", async () => {
    const result = await engine.destroy();
    expect(result.ok, describeResult(result)).toBe(true);
    // Warnings reach the engine's log at warning severity (provider/engine-log.ts).
    const warnings = result.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^SodaAgentKey /), expect.stringMatching(/^SodaApiKey \(key [0-9a-f-]+\): /)]));
    expectNoLeaks(engine, result, secrets);
    await expectEmulatorClean();
  }, 60_000);

  it("the CLI printed nothing secret from start to exit", async () => {
    cli.kill("SIGTERM");
    expect(await cliExited).toBe(0);
    // Every request was logged, so the scan covered the lines that carry keys' ids and runner paths.
    expect(cliStdout).toMatch(/^POST \/api\/v1\/runners 200 /m);
    expect(cliStdout).toMatch(/^DELETE \/api\/v1\/runners\/\S+ 200 /m);
    expect(leakedIn(cliStdout + cliStderr, secrets)).toEqual([]);
  });
});

describe("error paths: 401, 403, create outcome unknown, in-use delete, revoked keys", () => {
  const keys = {
    admin: { apiKeyId: randomUUID(), apiKeySecret: canary("admin") },
    spareAdmin: { apiKeyId: randomUUID(), apiKeySecret: canary("spare-admin") },
    noPermission: { apiKeyId: randomUUID(), apiKeySecret: canary("noperm") },
    user: { apiKeyId: randomUUID(), apiKeySecret: canary("user") },
    spareUser: { apiKeyId: randomUUID(), apiKeySecret: canary("spare-user") },
    otherRegion: { apiKeyId: randomUUID(), apiKeySecret: canary("otherregion") },
  };
  const secrets: Secrets = new Map([
    ...Object.entries(keys).map(([name, key]) => [`${name} key secret`, key.apiKeySecret] as [string, string]),
    ["data-source password", canary("dbpassword")],
    ...ENV_SECRETS,
  ]);
  const logLines: string[] = [];
  let dataDir: string;
  let env: EmulatorFixture;
  let engine: StandInEngine;

  function configWith(admin: { apiKeyId: string; apiKeySecret: string }, user = keys.user): Record<string, ConfigValue> {
    return {
      "soda:host": env.url,
      "soda:apiKeyId": admin.apiKeyId,
      "soda:apiKeySecret": { secret: admin.apiKeySecret },
      // Short enough that no step waits long, long enough for a loaded machine.
      "soda:requestTimeoutMs": "5000",
      apiKeyId: user.apiKeyId,
      apiKeySecret: { secret: user.apiKeySecret },
      dataSourcePassword: { secret: secrets.get("data-source password")! },
    };
  }

  async function expectEmulatorClean(): Promise<void> {
    expect(leakedIn(JSON.stringify(await env.state()), secrets), "GET /__emulator/state").toEqual([]);
    const file = readFileSync(join(dataDir, "state.json"), "utf8");
    expect(JSON.parse(file).apiKeys.length).toBeGreaterThan(0);
    expect(leakedIn(file, secrets), "state.json").toEqual([]);
    expect(leakedIn(logLines.join("\n"), secrets), "the emulator's log lines").toEqual([]);
  }

  /** The operation failed at the provider with this call and a message matching `message`; nothing leaked. */
  async function expectFailedCall(result: OperationResult, method: string, message: RegExp): Promise<void> {
    const account = describeResult(result);
    expect(result.ok, account).toBe(false);
    const failed = result.providerCalls.filter((c) => c.error !== undefined);
    expect(failed.map((c) => c.method), account).toEqual([method]);
    expect(failed[0].error!.message).toMatch(message);
    expectNoLeaks(engine, result, secrets);
    await expectEmulatorClean();
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "secret-hygiene-data-"));
    env = await emulatorFixture({
      dataDir,
      log: (line) => logLines.push(line),
      adminKeys: [keys.admin, keys.spareAdmin],
      userKeys: [keys.noPermission, keys.user, keys.spareUser],
    });
    engine = await startEngine(configWith(keys.otherRegion));
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    await env?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it("401 on create: an admin key Soda does not know (another region's)", async () => {
    const result = await engine.up();
    await expectFailedCall(result, "create", /rejected the admin key SodaAgentKey uses.*Detail: listing agents \(GET \/api\/v1\/runners\): HTTP 401/);
  }, 60_000);

  it("403 on create: an admin key without the agent permission", async () => {
    engine.setConfig(configWith(keys.noPermission));
    const result = await engine.up();
    await expectFailedCall(result, "create", /lacks the MANAGE_DATASOURCES_AND_AGENTS permission.*Detail: creating an agent key \(POST \/api\/v1\/runners\): HTTP 403/);
  }, 60_000);

  it("create outcome unknown: the response to POST /api/v1/runners is lost after Soda minted the key", async () => {
    engine.setConfig(configWith(keys.admin));
    expect((await env.faults([{ method: "POST", path: "/api/v1/runners", dropAfterApply: true, count: 1 }])).status).toBe(200);
    const result = await engine.up();
    await expectFailedCall(result, "create", /does not tell whether Soda minted a key/);
    // The key was minted; its secret reached no one (the emulator keeps only a hash of it).
    expect((await env.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner")).toHaveLength(1);
  }, 60_000);

  it("up succeeds afterwards; its minted secret stays secret", async () => {
    const result = await engine.up();
    expect(result.ok, describeResult(result)).toBe(true);
    secrets.set("minted agent key secret", outputsOf(engine, "agent-key", AGENT_KEY).apiKeySecret);
    expectNoLeaks(engine, result, secrets);
    await expectEmulatorClean();
  }, 60_000);

  it("a revoked SodaApiKey: refresh drops it, then up fails with 401", async () => {
    expect((await env.control("DELETE", `/__emulator/api-keys/${keys.user.apiKeyId}`)).status).toBe(200);
    const refresh = await engine.refresh();
    expect(refresh.ok, describeResult(refresh)).toBe(true);
    expect(refresh.operations.find((o) => o.name === "api-key")?.change).toBe("deleted");
    expectNoLeaks(engine, refresh, secrets);
    const result = await engine.up();
    await expectFailedCall(result, "create", /does not accept API key/);
    engine.setConfig(configWith(keys.admin, keys.spareUser));
    const fixed = await engine.up();
    expect(fixed.ok, describeResult(fixed)).toBe(true);
    expectNoLeaks(engine, fixed, secrets);
  }, 60_000);

  it("400 on delete: the agent's runner is in use", async () => {
    const agent = outputsOf(engine, "agent-key", AGENT_KEY);
    const { json } = await env.register({ apiKeyId: agent.apiKeyId, apiKeySecret: agent.apiKeySecret }, "hygiene-agent");
    // Refresh records the runner, so the reads and deletes below address it by id (GET and DELETE /runners/{id}).
    const refresh = await engine.refresh();
    expect(refresh.ok, describeResult(refresh)).toBe(true);
    expect(outputsOf(engine, "agent-key", AGENT_KEY).runnerId).toBe(json.runner.id);
    expectNoLeaks(engine, refresh, secrets);
    expect((await env.control("PUT", `/__emulator/runners/${json.runner.id}/in-use`, { inUse: true })).status).toBe(200);
    const result = await engine.destroy();
    await expectFailedCall(result, "delete", /refused to delete agent "hygiene-agent" .* it is in use/);
    // The host writes a failed Delete to its stderr with the stack; that was scanned too.
    expect(result.providerStderr).toMatch(/refused to delete agent[\s\S]*\n\s+at /);
    expect((await env.control("PUT", `/__emulator/runners/${json.runner.id}/in-use`, { inUse: false })).status).toBe(200);
  }, 60_000);

  it("401 on read and on delete: the admin key was revoked", async () => {
    expect((await env.control("DELETE", `/__emulator/api-keys/${keys.admin.apiKeyId}`)).status).toBe(200);
    const refresh = await engine.refresh();
    // A refresh reads from the list walk its reads share, so the 401 answers the list.
    await expectFailedCall(refresh, "read", /rejected the admin key SodaAgentKey uses.*Detail: listing agents \(GET \/api\/v1\/runners\): HTTP 401/);
    expect(refresh.providerStderr).toMatch(/rejected the admin key SodaAgentKey uses[\s\S]*\n\s+at /);
    const destroy = await engine.destroy();
    await expectFailedCall(destroy, "delete", /rejected the admin key SodaAgentKey uses.*Detail: (reading|deleting) an agent .*HTTP 401/);
  }, 60_000);

  it("403 on delete, then destroy with a working admin key", async () => {
    engine.setConfig(configWith(keys.noPermission, keys.spareUser));
    const refused = await engine.destroy();
    await expectFailedCall(refused, "delete", /lacks the MANAGE_DATASOURCES_AND_AGENTS permission.*Detail: deleting an agent \(DELETE \/api\/v1\/runners\/\{id\}\): HTTP 403/);
    engine.setConfig(configWith(keys.spareAdmin, keys.spareUser));
    const result = await engine.destroy();
    expect(result.ok, describeResult(result)).toBe(true);
    expect(Object.keys(engine.state)).toEqual([]);
    expectNoLeaks(engine, result, secrets);
    await expectEmulatorClean();
    // The log saw every step, so an empty scan means something.
    expect(logLines.some((l) => /^POST \/api\/v1\/runners dropped /.test(l))).toBe(true);
    expect(logLines.some((l) => /^DELETE \/api\/v1\/runners\/\S+ 400 /.test(l))).toBe(true);
  }, 60_000);
});
