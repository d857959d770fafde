/**
 * Secret hygiene on the wire, through the real CLI: canary secrets go into every slot a secret can take (the admin
 * key secret, a user API key secret, the agent key secrets Soda mints, a data-source password flowing through a
 * SodaAgentKey's rotationTriggers and a stack output, and credentials in the environment of the CLI, so of the
 * program that serializes the provider), and a program runs create, refresh, rotation and destroy, and every error
 * path (401, 403, an in-use delete, a create whose outcome is unknown).
 *
 * After every command no canary may show in plain text in what the engine recorded of it (`engine-records.ts`:
 * the CLI's output, every message between the program and the engine outside secret wrappers, `__provider`
 * included, every gRPC error, every engine event and diagnostic of any severity but Pulumi's own debug trace of
 * RegisterResource responses), in the state (`pulumi stack export`, the backend's files, and, decrypted, anywhere
 * outside a secret), in `pulumi stack output`, or in the emulator's log lines, state dump (`GET /__emulator/state`)
 * or `state.json`. Each scan is shown to see the canaries where they legitimately are, so an empty one means
 * something.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import type { ExportedResource, StackExport } from "../support/pulumi-cli";
import { isSecretWrapped } from "../support/pulumi-grpc";
import { plaintextStrings, textUnder } from "../support/secret-scan";
import { stopProcess } from "../support/stop-process";
import { callsOf, diagnostics, engineRecordLeaks, lifecycleCalls, plainByProtocol, recordedRun, type RecordedRun } from "./engine-records";
import { DESTROY, REFRESH, TSCONFIG, UP, pulumiYaml, realStack, skipReason, type RealStack } from "./real-stack";

const CLI = path.resolve(__dirname, "../../dist/emulator/cli.js");

const canary = (slot: string) => `canary-${slot}-${randomBytes(9).toString("base64url")}`;

/** Secrets by the name they are reported under (so a failure names a secret, never prints it). */
type Secrets = Map<string, string>;

const PROGRAM_FILES = {
  "Pulumi.yaml": pulumiYaml("secret-hygiene"),
  "tsconfig.json": TSCONFIG,
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

// The credentials in the environment reached the program, which serialized the providers with them there.
export const sawEnvironmentCredentials = process.env.SODA_API_KEY_ID !== undefined && process.env.SODA_API_KEY_SECRET !== undefined;
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

/** Credentials in the environment of the CLI, so of the program that serializes the providers (a CI job's, say). */
const ENV_SECRETS: Secrets = new Map([
  ["SODA_API_KEY_SECRET of the program", canary("env-admin")],
  ["SODA_API_KEY_ID of the program", randomUUID()],
]);

/** The names of the secrets that show in `text`. */
function leakedIn(text: string, secrets: Secrets): string[] {
  return [...secrets].filter(([, secret]) => text.includes(secret)).map(([name]) => name);
}

/** `text` with every secret replaced by its name: what an assertion may print. */
function redacted(text: string, secrets: Secrets): string {
  return [...secrets].reduce((result, [name, secret]) => result.split(secret).join(`[${name}]`), text);
}

/** A value of `stack export --show-secrets` with its secrets decoded (they stay wrapped there, their JSON in `plaintext`). */
function revealed(value: unknown): any {
  if (isSecretWrapped(value)) return revealed(JSON.parse((value as unknown as { plaintext: string }).plaintext));
  if (Array.isArray(value)) return value.map(revealed);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v)]));
  return value;
}

/** The state, decrypted: `pulumi stack export --show-secrets` (never printed). */
async function decryptedState(stack: RealStack): Promise<ExportedResource[]> {
  return (JSON.parse(await stack.cli.run(["stack", "export", "--show-secrets"])) as StackExport).deployment.resources ?? [];
}

/** The decoded outputs of the resource named `name` in the state, or undefined when it is not there. */
async function outputsOf(stack: RealStack, name: string): Promise<Record<string, any> | undefined> {
  const resource = (await decryptedState(stack)).find((r) => r.urn.endsWith(`::${name}`));
  return resource === undefined ? undefined : revealed(resource.outputs);
}

/**
 * Nothing the engine recorded of the `step`'s run shows a secret, and the state and the stack outputs hold none in
 * plain text.
 */
async function expectNoLeaks(step: string, stack: RealStack, run: RecordedRun, secrets: Secrets): Promise<void> {
  // The records were read: the gRPC log holds the provider's calls, the event log the engine's summary.
  expect(lifecycleCalls(run).length, step).toBeGreaterThan(0);
  expect(
    run.events.some((event) => event.summaryEvent !== undefined),
    step,
  ).toBe(true);
  expect(engineRecordLeaks(run, secrets), step).toEqual([]);
  expect(leakedIn(await stack.cli.run(["stack", "export"]), secrets), `${step}: pulumi stack export`).toEqual([]);
  expect(leakedIn(textUnder(stack.cli.backendDir), secrets), `${step}: the backend's files`).toEqual([]);
  expect(leakedIn(JSON.stringify(await stack.cli.outputs()), secrets), `${step}: pulumi stack output`).toEqual([]);
  // Decrypted, a secret is there only inside a secret wrapper.
  for (const resource of await decryptedState(stack)) {
    expect(leakedIn(plaintextStrings(resource.inputs).join("\n"), secrets), `${step}: inputs of ${resource.urn} in state`).toEqual([]);
    expect(leakedIn(plaintextStrings(resource.outputs).join("\n"), secrets), `${step}: outputs of ${resource.urn} in state`).toEqual([]);
  }
}

async function controlJson(url: string, method: string, route: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** What the provider host wrote to its stderr, as the engine received it (info#err diagnostics). */
function providerStderr(run: RecordedRun): string {
  return diagnostics(run)
    .filter((d) => d.severity === "info#err")
    .map((d) => d.message)
    .join("");
}

/** The emulator as its CLI runs, with a data dir and the given `<id>:<secret>` keys; its stdout and stderr are kept to be scanned. */
function startEmulatorCli(dataDir: string, adminKeys: string[], userKeys: string[]) {
  const args = [CLI, "--port", "0", "--data-dir", dataDir, ...adminKeys.flatMap((k) => ["--admin-key", k]), ...userKeys.flatMap((k) => ["--user-key", k])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      if (!stdout.includes("\n")) return;
      const first = stdout.slice(0, stdout.indexOf("\n"));
      const match = /^Soda Cloud emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
      if (match === null) reject(new Error(`the emulator CLI printed ${JSON.stringify(first)} instead of its URL`));
      else resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`the emulator CLI exited before printing its URL: ${stderr}`)));
  });
  return {
    url,
    output: () => stdout + stderr,
    /** Stops it (SIGTERM) and resolves with its exit code; safe to call again once it has exited. */
    stop: async (): Promise<number | null> => {
      await stopProcess(child, exited);
      return exited;
    },
  };
}

/** A stack of the hygiene program on the given config, the environment credentials in the CLI's environment. */
async function hygieneStack(config: Record<string, string | { secret: string }>): Promise<RealStack> {
  // realStack also starts an emulator of its own; the config here points the stack at the test's emulator instead,
  // whose data dir (and, in the first scenario, whose process output) the scans read too.
  const stack = await realStack({ files: PROGRAM_FILES, config });
  stack.cli.env.SODA_API_KEY_SECRET = ENV_SECRETS.get("SODA_API_KEY_SECRET of the program");
  stack.cli.env.SODA_API_KEY_ID = ENV_SECRETS.get("SODA_API_KEY_ID of the program");
  return stack;
}

describe.skipIf(skipReason)("secret hygiene through the real CLI", () => {
  it("create, refresh, rotation and destroy against the emulator CLI with a data dir: the minted keys and every given secret stay secret", async () => {
    const adminId = randomUUID();
    const userId = randomUUID();
    const secrets: Secrets = new Map([
      ["admin key secret", canary("admin")],
      ["user API key secret", canary("user")],
      ["data-source password", canary("dbpassword")],
      ...ENV_SECRETS,
    ]);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-hygiene-data-"));
    const emulator = startEmulatorCli(dataDir, [`${adminId}:${secrets.get("admin key secret")}`], [`${userId}:${secrets.get("user API key secret")}`]);
    try {
      const url = await emulator.url;

      /** The emulator's own view: the state dump, its state.json, and what its process printed. */
      const expectEmulatorClean = async (step: string): Promise<void> => {
        const dump = await controlJson(url, "GET", "/__emulator/state");
        expect(dump.status).toBe(200);
        expect(leakedIn(dump.text, secrets), `${step}: GET /__emulator/state`).toEqual([]);
        const file = fs.readFileSync(path.join(dataDir, "state.json"), "utf8");
        expect(JSON.parse(file).apiKeys.length).toBeGreaterThan(0);
        expect(leakedIn(file, secrets), `${step}: state.json`).toEqual([]);
        expect(leakedIn(emulator.output(), secrets), `${step}: the emulator CLI's output`).toEqual([]);
      };

      const stack = await hygieneStack({
        "soda:host": url,
        "soda:apiKeyId": adminId,
        "soda:apiKeySecret": { secret: secrets.get("admin key secret")! },
        apiKeyId: userId,
        apiKeySecret: { secret: secrets.get("user API key secret")! },
        dataSourcePassword: { secret: secrets.get("data-source password")! },
      });
      const succeeding = async (args: string[]): Promise<RecordedRun> => {
        const run = await recordedRun(stack, args);
        expect(run.code, redacted(run.output, secrets)).toBe(0);
        return run;
      };

      // up: the minted key and every given secret stay secret.
      const up = await succeeding(UP);
      const agent = (await outputsOf(stack, "agent-key"))!;
      secrets.set("minted agent key secret (first)", agent.apiKeySecret);
      // The canaries are really there: the scans look for the right strings.
      expect(agent.apiKeySecret).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(agent.rotationTriggers.dataSource).toBe(secrets.get("data-source password"));
      expect((await outputsOf(stack, "api-key"))!.sodaCloudConfig).toContain(secrets.get("user API key secret"));
      // ... where the protocol carries them in plain text (the provider host takes no secrets), so that the records
      // are shown to hold them,
      expect(leakedIn(plainByProtocol(up), secrets)).toEqual(
        expect.arrayContaining(["admin key secret", "user API key secret", "data-source password", "minted agent key secret (first)"]),
      );
      // ... and on the program's side, inside secret wrappers only (the scan reads outside them).
      expect(leakedIn(JSON.stringify(callsOf(up, "ResourceMonitor")), secrets)).toEqual(
        expect.arrayContaining(["user API key secret", "data-source password", "minted agent key secret (first)"]),
      );
      const stackOutputs = callsOf(up, "ResourceMonitor").find(
        (c) => c.method.endsWith("/RegisterResourceOutputs") && String(c.request.urn).includes("pulumi:pulumi:Stack"),
      )?.request.outputs;
      expect(isSecretWrapped(stackOutputs?.agentKeySecret)).toBe(true);
      expect(isSecretWrapped(stackOutputs?.configurationYml)).toBe(true);
      expect(stackOutputs?.configurationYml.value).toContain(secrets.get("data-source password"));
      expect(stackOutputs?.agentKeyId).toBe(agent.apiKeyId);
      expect(stackOutputs?.sawEnvironmentCredentials).toBe(true);
      await expectNoLeaks("up", stack, up, secrets);
      await expectEmulatorClean("up");

      // refresh after the agent registered.
      const registered = await controlJson(url, "POST", "/__emulator/agents/register", {
        apiKeyId: agent.apiKeyId,
        apiKeySecret: agent.apiKeySecret,
        name: "hygiene-agent",
      });
      expect(registered.status).toBe(200);
      expect(leakedIn(registered.text, secrets)).toEqual([]);
      const refresh = await succeeding(REFRESH);
      expect((await outputsOf(stack, "agent-key"))!.registered).toBe(true);
      await expectNoLeaks("refresh", stack, refresh, secrets);
      await expectEmulatorClean("refresh");

      // rotation: the old runner is deleted, a new key minted, neither secret shows.
      await stack.cli.setConfig({ generation: "2" });
      const rotation = await succeeding(UP);
      const rotated = (await outputsOf(stack, "agent-key"))!;
      expect(rotated.apiKeyId).not.toBe(agent.apiKeyId);
      secrets.set("minted agent key secret (second)", rotated.apiKeySecret);
      // A replacement, delete first: the old key's runner, then the new key.
      const replaced = lifecycleCalls(rotation).filter((c) => c.name === "agent-key" && (c.method === "Delete" || c.method === "Create"));
      expect(replaced.map((c) => [c.method, c.method === "Delete" ? c.call.request.id : c.call.response?.id])).toEqual([
        ["Delete", agent.apiKeyId],
        ["Create", rotated.apiKeyId],
      ]);
      await expectNoLeaks("rotation", stack, rotation, secrets);
      await expectEmulatorClean("rotation");

      // destroy, with its warnings: at warning severity in the engine's log (provider/engine/engine-log.ts).
      const destroy = await succeeding(DESTROY);
      const warnings = diagnostics(destroy)
        .filter((d) => d.severity === "warning")
        .map((d) => d.message);
      expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^SodaAgentKey /), expect.stringMatching(/^SodaApiKey \(key [0-9a-f-]+\): /)]));
      await expectNoLeaks("destroy", stack, destroy, secrets);
      await expectEmulatorClean("destroy");

      // The emulator CLI printed nothing secret from start to exit.
      expect(await emulator.stop()).toBe(0);
      // Every request was logged, so the scan covered the lines that carry keys' ids and runner paths.
      expect(emulator.output()).toMatch(/^POST \/api\/v1\/runners 200 /m);
      expect(emulator.output()).toMatch(/^DELETE \/api\/v1\/runners\/\S+ 200 /m);
      expect(leakedIn(emulator.output(), secrets)).toEqual([]);
    } finally {
      await emulator.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("error paths: 401, 403, create outcome unknown, in-use delete, revoked keys", async () => {
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
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-hygiene-data-"));
    let env: EmulatorFixture | undefined;
    try {
      env = await emulatorFixture({
        dataDir,
        log: (line) => logLines.push(line),
        adminKeys: [keys.admin, keys.spareAdmin],
        userKeys: [keys.noPermission, keys.user, keys.spareUser],
      });
      const soda = env;
      const configWith = (admin: { apiKeyId: string; apiKeySecret: string }, user = keys.user): Record<string, string | { secret: string }> => ({
        "soda:host": soda.url,
        "soda:apiKeyId": admin.apiKeyId,
        "soda:apiKeySecret": { secret: admin.apiKeySecret },
        // Short enough that no step waits long, long enough for a loaded machine.
        "soda:requestTimeoutMs": "5000",
        apiKeyId: user.apiKeyId,
        apiKeySecret: { secret: user.apiKeySecret },
        dataSourcePassword: { secret: secrets.get("data-source password")! },
      });
      const expectEmulatorClean = async (step: string): Promise<void> => {
        expect(leakedIn(JSON.stringify(await soda.state()), secrets), `${step}: GET /__emulator/state`).toEqual([]);
        const file = fs.readFileSync(path.join(dataDir, "state.json"), "utf8");
        expect(JSON.parse(file).apiKeys.length).toBeGreaterThan(0);
        expect(leakedIn(file, secrets), `${step}: state.json`).toEqual([]);
        expect(leakedIn(logLines.join("\n"), secrets), `${step}: the emulator's log lines`).toEqual([]);
      };
      const stack = await hygieneStack(configWith(keys.otherRegion));
      const succeeding = async (args: string[]): Promise<RecordedRun> => {
        const run = await recordedRun(stack, args);
        expect(run.code, redacted(run.output, secrets)).toBe(0);
        return run;
      };
      /** The command failed at the provider, in exactly one call, of this method, with a message matching `message`; nothing leaked. */
      const expectFailedCall = async (step: string, run: RecordedRun, method: string, message: RegExp): Promise<void> => {
        const account = `${step}:\n${redacted(run.output, secrets)}`;
        expect(run.code, account).toBeGreaterThan(0);
        const failed = lifecycleCalls(run).filter((c) => c.error !== undefined);
        expect(
          failed.map((c) => c.method),
          account,
        ).toEqual([method]);
        expect(failed[0].error).toMatch(message);
        await expectNoLeaks(step, stack, run, secrets);
        await expectEmulatorClean(step);
      };

      // 401 on create: an admin key Soda does not know (another region's).
      await expectFailedCall(
        "401 on create",
        await recordedRun(stack, UP),
        "Create",
        /rejected the admin key SodaAgentKey uses.*Detail: listing agents \(GET \/api\/v1\/runners\): HTTP 401/,
      );

      // 403 on create: an admin key without the agent permission.
      await stack.cli.setConfig(configWith(keys.noPermission));
      await expectFailedCall(
        "403 on create",
        await recordedRun(stack, UP),
        "Create",
        /lacks the MANAGE_DATASOURCES_AND_AGENTS permission.*Detail: creating an agent key \(POST \/api\/v1\/runners\): HTTP 403/,
      );

      // Create outcome unknown: the response to POST /api/v1/runners is lost after Soda minted the key.
      await stack.cli.setConfig(configWith(keys.admin));
      expect((await soda.faults([{ method: "POST", path: "/api/v1/runners", dropAfterApply: true, count: 1 }])).status).toBe(200);
      await expectFailedCall("create outcome unknown", await recordedRun(stack, UP), "Create", /does not tell whether Soda minted a key/);
      // The key was minted; its secret reached no one (the emulator keeps only a hash of it).
      expect((await soda.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner")).toHaveLength(1);

      // up succeeds afterwards; its minted secret stays secret.
      const up = await succeeding(UP);
      secrets.set("minted agent key secret", (await outputsOf(stack, "agent-key"))!.apiKeySecret);
      expect(leakedIn(plainByProtocol(up), secrets)).toContain("minted agent key secret");
      await expectNoLeaks("up", stack, up, secrets);
      await expectEmulatorClean("up");

      // A revoked SodaApiKey: refresh drops it (Read answers with no id), then up fails with 401.
      expect((await soda.control("DELETE", `/__emulator/api-keys/${keys.user.apiKeyId}`)).status).toBe(200);
      const dropping = await succeeding(REFRESH);
      const read = lifecycleCalls(dropping).find((c) => c.name === "api-key" && c.method === "Read");
      expect(read?.call.response?.id ?? "").toBe("");
      expect(await outputsOf(stack, "api-key")).toBeUndefined();
      await expectNoLeaks("refresh of a revoked API key", stack, dropping, secrets);
      await expectFailedCall("up with a revoked API key", await recordedRun(stack, UP), "Create", /does not accept API key/);
      await stack.cli.setConfig(configWith(keys.admin, keys.spareUser));
      await expectNoLeaks("up with a new API key", stack, await succeeding(UP), secrets);

      // 400 on delete: the agent's runner is in use.
      const agent = (await outputsOf(stack, "agent-key"))!;
      const { json } = await soda.register({ apiKeyId: agent.apiKeyId, apiKeySecret: agent.apiKeySecret }, "hygiene-agent");
      // Refresh records the runner, so the reads and deletes below address it by id (GET and DELETE /runners/{id}).
      const recording = await succeeding(REFRESH);
      expect((await outputsOf(stack, "agent-key"))!.runnerId).toBe(json.runner.id);
      await expectNoLeaks("refresh after the agent registered", stack, recording, secrets);
      expect((await soda.control("PUT", `/__emulator/runners/${json.runner.id}/in-use`, { inUse: true })).status).toBe(200);
      const inUse = await recordedRun(stack, DESTROY);
      await expectFailedCall("destroy of a runner in use", inUse, "Delete", /refused to delete agent "hygiene-agent" .* it is in use/);
      // Pulumi's host would echo a failed Delete to its stderr with the stack; the provider keeps that echo out
      // (host-error-echo.ts), so the engine's one report is all there is. Whatever stderr holds was scanned too.
      expect(providerStderr(inUse)).not.toMatch(/refused to delete agent/);
      expect((await soda.control("PUT", `/__emulator/runners/${json.runner.id}/in-use`, { inUse: false })).status).toBe(200);

      // 401 on read and on delete: the admin key was revoked.
      expect((await soda.control("DELETE", `/__emulator/api-keys/${keys.admin.apiKeyId}`)).status).toBe(200);
      const unread = await recordedRun(stack, REFRESH);
      // A refresh reads from the list walk its reads share, so the 401 answers the list.
      await expectFailedCall(
        "refresh with a revoked admin key",
        unread,
        "Read",
        /rejected the admin key SodaAgentKey uses.*Detail: listing agents \(GET \/api\/v1\/runners\): HTTP 401/,
      );
      expect(providerStderr(unread)).not.toMatch(/rejected the admin key/);
      await expectFailedCall(
        "destroy with a revoked admin key",
        await recordedRun(stack, DESTROY),
        "Delete",
        /rejected the admin key SodaAgentKey uses.*Detail: (reading|deleting) an agent .*HTTP 401/,
      );

      // 403 on delete, then destroy with a working admin key. Destroy otherwise runs with the config of the last
      // `up`: `--run-program` takes the one set now.
      await stack.cli.setConfig(configWith(keys.noPermission, keys.spareUser));
      await expectFailedCall(
        "destroy with an admin key without the permission",
        await recordedRun(stack, [...DESTROY, "--run-program"]),
        "Delete",
        /lacks the MANAGE_DATASOURCES_AND_AGENTS permission.*Detail: deleting an agent \(DELETE \/api\/v1\/runners\/\{id\}\): HTTP 403/,
      );
      await stack.cli.setConfig(configWith(keys.spareAdmin, keys.spareUser));
      const destroy = await succeeding([...DESTROY, "--run-program"]);
      expect((await decryptedState(stack)).map((r) => r.urn)).toEqual([]);
      await expectNoLeaks("destroy", stack, destroy, secrets);
      await expectEmulatorClean("destroy");
      // The log saw every step, so an empty scan means something.
      expect(logLines.some((l) => /^POST \/api\/v1\/runners dropped /.test(l))).toBe(true);
      expect(logLines.some((l) => /^DELETE \/api\/v1\/runners\/\S+ 400 /.test(l))).toBe(true);
    } finally {
      await env?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
