/**
 * Bad input, as a table: every way a user can get an argument or a setting wrong, and the Soda Cloud answers that
 * follow from a wrong key. Each case must end in ONE message that names the property or setting and says what to
 * do, and no secret may appear anywhere the user or a log could see it.
 *
 * Every case runs through Pulumi's real provider host the way the engine drives it (Configure with the case's
 * stack config, Check, then Create when Check passes). The cases marked `program` also run as a real Pulumi
 * program through the language runtime and the stand-in engine, where the message is what `pulumi up` prints.
 *
 * Canary secrets fill every secret slot (the admin key secret in soda:apiKeySecret, a SodaApiKey's apiKeySecret,
 * the secrets of the emulator's keys), and each is searched for in the error, the Check failures, the host's
 * stderr and, for program runs, every field of the operation's result.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { startProviderHost, type ProviderHost } from "../support/provider-host";
import { serializedProviders } from "../support/provider-texts";
import { makeUrn, wrapSecret } from "../support/pulumi-grpc";
import { isSdkRpcTrace, secretLeaks, visibleText } from "../support/secret-scan";
import { StandInEngine, describeResult, type ConfigValue, type OperationResult } from "../support/stand-in-engine";

const AGENT_KEY_TYPE = "pulumi-nodejs:dynamic/soda:AgentKey";
const API_KEY_TYPE = "pulumi-nodejs:dynamic/soda:ApiKey";

const canary = (slot: string) => `canary-${slot}-${randomBytes(9).toString("base64url")}`;

/** Every secret of this file, by slot. None may ever be seen outside a secret wrapper. */
const SECRETS: Record<string, string> = {
  admin: canary("admin"),
  user: canary("user"),
  noPermission: canary("noperm"),
  revoked: canary("revoked"),
  otherRegion: canary("otherregion"),
  inHost: canary("inhost"),
  // The secret of the agent key that holds "taken-agent", minted by the emulator in beforeAll.
};

const KEY_IDS = {
  admin: randomUUID(),
  user: randomUUID(),
  noPermission: randomUUID(),
  revoked: randomUUID(),
  /** Not known to the emulator: a key of the other region looks exactly like this to Soda. */
  otherRegion: randomUUID(),
};

type Resource = "agentKey" | "apiKey";

interface Case {
  name: string;
  resource: Resource;
  /** The resource's arguments (a SodaApiKey's apiKeySecret defaults to the user key's canary). */
  args: Record<string, unknown>;
  /** Changes to the base stack config; `null` removes a key. */
  config?: Record<string, ConfigValue | null>;
  /** soda:host points at a port nothing listens on. */
  emulatorDown?: true;
  /**
   * Where the case must fail: Check with one failure (a bad argument), Check with one error (a bad setting: no
   * network needed, so a preview already fails), or Create with one error (Soda Cloud's answer).
   */
  stage: "check" | "settings" | "create";
  /** What the message must name: the property (Check) or the setting / argument (Create). */
  names: string | RegExp;
  /** The fix the message must give. */
  fix: RegExp;
  /** Also run as a Pulumi program through the stand-in engine. */
  program?: boolean;
}

let env: EmulatorFixture;
let closedPortUrl: string;

/** The stack config of a working stack; each case changes it. Built once the emulator runs. */
function baseConfig(): Record<string, ConfigValue> {
  return {
    "soda:host": env.url,
    "soda:apiKeyId": KEY_IDS.admin,
    "soda:apiKeySecret": { secret: SECRETS.admin },
  };
}

const CASES: Case[] = [
  // ---- SodaAgentKey arguments (Check) ----
  { name: "agentName empty", resource: "agentKey", args: { agentName: "" }, stage: "check", names: "agentName", fix: /must not be empty/ },
  {
    name: "agentName too long",
    resource: "agentKey",
    args: { agentName: "a".repeat(101) },
    stage: "check",
    names: "agentName",
    fix: /at most 100 characters/,
    // Pins a fixed bug (provider/schemas/inputs.ts, agentName): agentName of 101 letters gets two failures, one of them wrong.
  },
  {
    name: "agentName ill-formed",
    resource: "agentKey",
    args: { agentName: "prod/agent" },
    stage: "check",
    names: "agentName",
    fix: /may contain only letters, digits, spaces/,
    program: true,
  },
  { name: "agentName with a leading space", resource: "agentKey", args: { agentName: " prod-agent" }, stage: "check", names: "agentName", fix: /must start and end with a letter or digit/ },
  { name: "agentName missing", resource: "agentKey", args: {}, stage: "check", names: "agentName", fix: /is required/ },
  { name: "agentName a number", resource: "agentKey", args: { agentName: 42 }, stage: "check", names: "agentName", fix: /must be a string/ },
  { name: 'rotationPeriod "90"', resource: "agentKey", args: { agentName: "a", rotationPeriod: "90" }, stage: "check", names: "rotationPeriod", fix: /"90d", "12h" or "30m"/ },
  { name: 'rotationPeriod "-1d"', resource: "agentKey", args: { agentName: "a", rotationPeriod: "-1d" }, stage: "check", names: "rotationPeriod", fix: /"90d", "12h" or "30m"/ },
  {
    name: 'rotationPeriod "1 fortnight"',
    resource: "agentKey",
    args: { agentName: "a", rotationPeriod: "1 fortnight" },
    stage: "check",
    names: "rotationPeriod",
    fix: /whole number from 1 to 999999 followed by d, h or m/,
  },
  { name: "rotationPeriod a number", resource: "agentKey", args: { agentName: "a", rotationPeriod: 90 }, stage: "check", names: "rotationPeriod", fix: /must be a string/ },
  { name: "rotationTriggers a string", resource: "agentKey", args: { agentName: "a", rotationTriggers: "v2" }, stage: "check", names: "rotationTriggers", fix: /must be a map of strings to strings/ },
  {
    name: "rotationTriggers with a number value",
    resource: "agentKey",
    args: { agentName: "a", rotationTriggers: { generation: 2 } },
    stage: "check",
    names: "rotationTriggers.generation",
    fix: /must be a string/,
  },
  {
    name: "misspelled optional argument",
    resource: "agentKey",
    args: { agentName: "a", rotationPeriods: "90d" },
    stage: "check",
    names: "rotationPeriods",
    fix: /did you mean "rotationPeriod"/,
    program: true,
  },
  {
    name: "misspelled required argument",
    resource: "agentKey",
    args: { agentNmae: "prod-agent" },
    stage: "check",
    names: "agentNmae",
    fix: /did you mean "agentName"/,
    // Pins a fixed bug (provider/validation.ts, checkInputs): a misspelled required argument gets two failures.
  },
  // ---- SodaApiKey arguments (Check) ----
  {
    name: "apiKeyId not a UUID",
    resource: "apiKey",
    args: { apiKeyId: "my-api-key" },
    stage: "check",
    names: "apiKeyId",
    fix: /a UUID such as .* \(Soda Cloud: Profile > API Keys\)/,
  },
  { name: "apiKeyId a number", resource: "apiKey", args: { apiKeyId: 12345 }, stage: "check", names: "apiKeyId", fix: /must be a string/ },
  {
    name: "apiKeySecret empty",
    resource: "apiKey",
    args: { apiKeyId: KEY_IDS.user, apiKeySecret: "" },
    stage: "check",
    names: "apiKeySecret",
    fix: /must not be empty/,
    // Pins a fixed bug (provider/schemas/inputs.ts, apiKeySecret): an empty apiKeySecret gets two failures, one of them wrong.
  },
  {
    name: "apiKeySecret with a trailing newline",
    resource: "apiKey",
    args: { apiKeyId: KEY_IDS.user, apiKeySecret: `${SECRETS.user}\n` },
    stage: "check",
    names: "apiKeySecret",
    fix: /must not contain spaces or line breaks/,
    program: true,
  },
  {
    name: "misspelled optional SodaApiKey argument",
    resource: "apiKey",
    args: { apiKeyId: KEY_IDS.user, rotationTrigger: { generation: "1" } },
    stage: "check",
    names: "rotationTrigger",
    fix: /did you mean "rotationTriggers"/,
  },
  // ---- Settings (Check, before any request) ----
  {
    name: "soda:host plain http to a non-loopback host",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:host": "http://cloud.soda.io" },
    stage: "settings",
    names: "soda:host",
    fix: /Use https\. For a Soda Cloud emulator on another host only, opt in with `pulumi config set soda:allowInsecureHttp true` \(or SODA_ALLOW_INSECURE_HTTP=true\)\./,
  },
  {
    name: "soda:host with a path",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:host": "https://cloud.soda.io/api/v1" },
    stage: "settings",
    names: "soda:host",
    fix: /bare host such as https:\/\/cloud\.soda\.io/,
  },
  {
    name: "soda:host carrying the key in the URL",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:host": { secret: `https://${KEY_IDS.admin}:${SECRETS.inHost}@cloud.soda.io` } },
    stage: "settings",
    names: "soda:host",
    fix: /without a path, query or credentials/,
    // Pins a fixed bug (provider/client/endpoint.ts, resolveEndpoint): the soda:host error quotes a secret embedded in the URL.
  },
  {
    name: "unknown soda:region",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:host": null, "soda:region": "eu-west-1" },
    stage: "settings",
    names: "soda:region",
    fix: /use "eu" \(cloud\.soda\.io\) or "us" \(cloud\.us\.soda\.io\)/,
    program: true,
  },
  {
    name: "missing credentials",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:apiKeyId": null, "soda:apiKeySecret": null },
    stage: "settings",
    names: "soda:apiKeyId",
    fix: /pulumi config set --secret -- soda:apiKeySecret .*SODA_API_KEY_ID and SODA_API_KEY_SECRET/,
    program: true,
  },
  {
    name: "only the secret set, no key id",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:apiKeyId": null },
    stage: "settings",
    names: "soda:apiKeyId",
    fix: /pulumi config set soda:apiKeyId/,
  },
  {
    name: "soda:requestTimeoutMs not a number",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:requestTimeoutMs": "30s" },
    stage: "settings",
    names: "soda:requestTimeoutMs",
    fix: /must be a positive number of milliseconds/,
    program: true,
  },
  {
    name: "soda:operationTimeoutMs negative",
    resource: "apiKey",
    args: { apiKeyId: KEY_IDS.user },
    config: { "soda:operationTimeoutMs": "-5" },
    stage: "settings",
    names: "soda:operationTimeoutMs",
    fix: /must be a positive number of milliseconds/,
  },
  {
    name: "soda:rateWindowMs not a number",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:rateWindowMs": "fast" },
    stage: "settings",
    names: "soda:rateWindowMs",
    fix: /must be a positive number of milliseconds/,
  },
  // ---- Soda Cloud's answers to a wrong key (Create) ----
  {
    name: "admin key without the agent permission (403)",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:apiKeyId": KEY_IDS.noPermission, "soda:apiKeySecret": { secret: SECRETS.noPermission } },
    stage: "create",
    names: /soda:apiKeyId|SODA_API_KEY_ID/,
    fix: /MANAGE_DATASOURCES_AND_AGENTS permission/,
    // Pins a fixed bug (provider/settings.ts, usingAdminCredentials): admin-key 403 does not name the setting the key came from.
  },
  {
    name: "revoked admin key (401)",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:apiKeyId": KEY_IDS.revoked, "soda:apiKeySecret": { secret: SECRETS.revoked } },
    stage: "create",
    names: /soda:apiKeyId|SODA_API_KEY_ID/,
    fix: /it is unknown, revoked, or of the other region\. Set a valid key/,
  },
  {
    name: "admin key of the other region (401)",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:apiKeyId": KEY_IDS.otherRegion, "soda:apiKeySecret": { secret: SECRETS.otherRegion } },
    stage: "create",
    names: /soda:apiKeyId|SODA_API_KEY_ID/,
    fix: /of the other region/,
  },
  {
    name: "SodaApiKey of the other region (401)",
    resource: "apiKey",
    args: { apiKeyId: KEY_IDS.otherRegion, apiKeySecret: SECRETS.otherRegion },
    stage: "create",
    names: KEY_IDS.otherRegion,
    fix: /belongs to the other region \(set soda:region\).*Generate an API key in Soda Cloud/,
    program: true,
  },
  {
    name: "SodaApiKey revoked (401)",
    resource: "apiKey",
    args: { apiKeyId: KEY_IDS.revoked, apiKeySecret: SECRETS.revoked },
    stage: "create",
    names: KEY_IDS.revoked,
    fix: /revoked.*Generate an API key in Soda Cloud \(Profile > API Keys\) and set it on this SodaApiKey/,
  },
  {
    name: "agentName held by another agent",
    resource: "agentKey",
    args: { agentName: "taken-agent" },
    stage: "create",
    names: /agent named "taken-agent"/,
    fix: /Choose another agentName/,
  },
  {
    name: "emulator down: SodaAgentKey (connection refused)",
    resource: "agentKey",
    args: { agentName: "a" },
    config: { "soda:requestTimeoutMs": "500", "soda:operationTimeoutMs": "1500" },
    emulatorDown: true,
    stage: "create",
    names: /soda:host/,
    fix: /^Could not connect while .* Check soda:host and that this machine can reach it.*cause ECONNREFUSED/,
    program: true,
  },
  {
    name: "emulator down: SodaApiKey (connection refused)",
    resource: "apiKey",
    args: { apiKeyId: KEY_IDS.user },
    config: { "soda:requestTimeoutMs": "500", "soda:operationTimeoutMs": "1500" },
    emulatorDown: true,
    stage: "create",
    names: /soda:host/,
    fix: /^Could not connect while .*cause ECONNREFUSED/,
  },
];

/** The config of a case: the base with its changes, the emulator-down cases pointed at a closed port. */
function caseConfig(c: Case): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = { ...baseConfig() };
  if (c.emulatorDown) config["soda:host"] = closedPortUrl;
  for (const [key, value] of Object.entries(c.config ?? {})) {
    if (value === null) delete config[key];
    else config[key] = value;
  }
  return config;
}

function caseArgs(c: Case): Record<string, unknown> {
  return c.resource === "apiKey" && !("apiKeySecret" in c.args) ? { ...c.args, apiKeySecret: SECRETS.user } : c.args;
}

/** Where `text` shows a canary, as a list of the canaries' slots (empty when clean). */
function canariesIn(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([slot]) => slot);
}

/** The message names what it must name. */
function expectNames(message: string, names: string | RegExp, assert: typeof expect = expect): void {
  if (typeof names === "string") assert(message).toContain(names);
  else assert(message).toMatch(names);
}

// ---- provider host path ----

let project: ProjectDir;
let providers: { agentKey: string; apiKey: string };
/** One host per distinct stack config: the host configures a provider once per process, as the engine's does. */
const hosts = new Map<string, Promise<ProviderHost>>();

function hostFor(config: Record<string, ConfigValue>): Promise<ProviderHost> {
  const key = JSON.stringify(config);
  let host = hosts.get(key);
  if (host === undefined) {
    host = (async () => {
      const started = await startProviderHost({
        cwd: project.dir,
        env: { SODA_HOST: undefined, SODA_CLOUD_HOST: undefined, SODA_API_KEY_ID: undefined, SODA_API_KEY_SECRET: undefined },
      });
      // As the engine does: the whole stack config, secret values wrapped.
      await started.configure(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : wrapSecret(v.secret)])));
      return started;
    })();
    hosts.set(key, host);
  }
  return host;
}

async function basicAuthFetch(method: string, path: string, key: { apiKeyId: string; apiKeySecret: string }) {
  const response = await fetch(`${env.url}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${key.apiKeyId}:${key.apiKeySecret}`).toString("base64")}` },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A port nothing listens on: bound and released, so a connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  providers = await serializedProviders();
  env = await emulatorFixture({
    adminKeys: [
      { apiKeyId: KEY_IDS.admin, apiKeySecret: SECRETS.admin },
      { apiKeyId: KEY_IDS.revoked, apiKeySecret: SECRETS.revoked },
    ],
    userKeys: [
      { apiKeyId: KEY_IDS.user, apiKeySecret: SECRETS.user },
      { apiKeyId: KEY_IDS.noPermission, apiKeySecret: SECRETS.noPermission },
    ],
  });
  expect((await env.control("DELETE", `/__emulator/api-keys/${KEY_IDS.revoked}`)).status).toBe(200);
  // Another agent already registered as "taken-agent", with a key minted by the admin.
  const minted = await basicAuthFetch("POST", "/api/v1/runners", { apiKeyId: KEY_IDS.admin, apiKeySecret: SECRETS.admin });
  expect(minted.status).toBe(200);
  const runnerKey = minted.json as { apiKeyId: string; apiKeySecret: string };
  SECRETS.takenAgentKey = runnerKey.apiKeySecret;
  expect((await env.register(runnerKey, "taken-agent")).status).toBe(200);
  closedPortUrl = `http://127.0.0.1:${await closedPort()}`;
  project = prepareProjectDir({ prefix: "bad-input-" });
  // Start every host at once: they are independent, and starting one costs a Node process with @pulumi/pulumi.
  await Promise.all(CASES.map((c) => hostFor(caseConfig(c))));
}, 120_000);

afterAll(async () => {
  await Promise.all([...hosts.values()].map((h) => h.then((host) => host.close()).catch(() => undefined)));
  project?.cleanup();
  await env?.close();
});

describe(`bad input through Pulumi's provider host (${CASES.length} cases)`, () => {
  // So that the run's log says how many cases ran.
  console.log(`bad-input: ${CASES.length} cases through the provider host, ${CASES.filter((c) => c.program).length} of them also as programs`);

  for (const c of CASES) {
    it(`${c.name}: ${c.stage === "create" ? "Create" : "Check"} fails with one message naming ${String(c.names)}`, async () => {
      const host = await hostFor(caseConfig(c));
      const type = c.resource === "agentKey" ? AGENT_KEY_TYPE : API_KEY_TYPE;
      const urn = makeUrn("bad-input", "project", type, `case-${CASES.indexOf(c)}`);
      const news = { __provider: providers[c.resource], ...caseArgs(c) };
      const requestsBefore = env.emulator.requests().length;
      if (c.stage === "settings") {
        const error = await host.check(urn, {}, news).then(
          () => {
            throw new Error("check passed");
          },
          (e: Error) => e,
        );
        expectNames(error.message, c.names);
        expect(error.message).toMatch(c.fix);
        expect(error.message.split("\n")).toHaveLength(1);
        expect(error.message.length).toBeLessThan(400);
        // Settings are judged without a request, so a preview fails on them as early as `up` does.
        expect(env.emulator.requests().length).toBe(requestsBefore);
        expect(canariesIn(`${error.message}\n${error.stack ?? ""}`)).toEqual([]);
        expect(canariesIn(host.stderr() + host.stdout())).toEqual([]);
        return;
      }
      const checked = await host.check(urn, {}, news);

      let message: string;
      let visible: string;
      if (c.stage === "check") {
        expect(checked.failures, JSON.stringify(checked.failures)).toHaveLength(1);
        const [failure] = checked.failures;
        expectNames(failure.property, c.names);
        message = failure.reason;
        visible = JSON.stringify(checked.failures);
      } else {
        expect(checked.failures).toEqual([]);
        const error = await host.create(urn, checked.inputs).then(
          (created) => {
            throw new Error(`create succeeded: ${JSON.stringify(created.id)}`);
          },
          (e: Error) => e,
        );
        message = error.message;
        expectNames(message, c.names);
        // One message: not a wrapper around a repeat of itself, not a stack.
        expect(message.split("\n")).toHaveLength(1);
        // What happened and what to do, in under 400 characters; the detail (Soda's words, trace id) after.
        expect(message.split(" Detail: ")[0].length).toBeLessThan(400);
        visible = `${message}\n${error.stack ?? ""}\n${JSON.stringify({ ...error })}`;
      }
      expect(message).toMatch(c.fix);
      expect(canariesIn(visible), visible).toEqual([]);
      expect(canariesIn(host.stderr() + host.stdout())).toEqual([]);
    });
  }

  it("no provider host wrote a canary to its output, first to last", async () => {
    const all = await Promise.all([...hosts.values()]);
    await Promise.all(all.map((h) => h.close()));
    expect(all.length).toBeGreaterThan(1);
    for (const h of all) expect(canariesIn(h.stderr() + h.stdout())).toEqual([]);
  });
});

// ---- program path ----

const PROGRAM_FILES = {
  "Pulumi.yaml": "name: bad-input\nruntime: nodejs\ndescription: One Soda Cloud key built from stack config, for the bad-input tests.\n",
  "package.json": JSON.stringify({ name: "bad-input", private: true, main: "index.ts" }, null, 2),
  "tsconfig.json": JSON.stringify(
    { compilerOptions: { strict: true, target: "ES2022", module: "nodenext", moduleResolution: "nodenext", skipLibCheck: true }, files: ["index.ts"] },
    null,
    2,
  ),
  "index.ts": [
    'import * as pulumi from "@pulumi/pulumi";',
    'import { SodaAgentKey, SodaApiKey } from "pulumi-soda-cloud";',
    "",
    "// `args` is the resource's arguments as JSON, wrong ones included; a SodaApiKey's secret comes from secret config.",
    "const config = new pulumi.Config();",
    'const args = JSON.parse(config.require("args"));',
    'if (config.require("resource") === "apiKey") {',
    '  new SodaApiKey("bad-input", { ...args, apiKeySecret: config.requireSecret("apiKeySecret") });',
    "} else {",
    '  new SodaAgentKey("bad-input", args);',
    "}",
    "",
  ].join("\n"),
};

describe("bad input through a Pulumi program", () => {
  let programProject: ProjectDir;

  beforeAll(() => {
    programProject = prepareProjectDir({ prefix: "bad-input-program-", files: PROGRAM_FILES });
  });
  afterAll(() => programProject?.cleanup());

  const programCases = CASES.filter((c) => c.program);
  it("covers a Check failure, a config error and an API error", () => {
    expect(programCases.length).toBeGreaterThanOrEqual(6);
    expect(programCases.some((c) => c.stage === "check")).toBe(true);
    expect(programCases.some((c) => c.config !== undefined && !c.emulatorDown)).toBe(true);
    expect(programCases.some((c) => c.name.includes("(401)"))).toBe(true);
  });

  for (const c of programCases) {
    // Concurrent: each run has its own engine and provider host; assertions use the test's own `expect`.
    it.concurrent(`${c.name}: pulumi up fails with one error naming ${String(c.names)}`, async ({ expect }) => {
      const args = caseArgs(c);
      const { apiKeySecret, ...plainArgs } = args as { apiKeySecret?: unknown };
      const config: Record<string, ConfigValue> = {
        ...caseConfig(c),
        resource: c.resource,
        args: JSON.stringify(c.resource === "apiKey" ? plainArgs : args),
      };
      if (c.resource === "apiKey") config.apiKeySecret = { secret: String(apiKeySecret) };
      const engine = await StandInEngine.start({
        projectDir: programProject.dir,
        config,
        // The program itself never throws here (the engine stops it), but a failing program exits slowly without this.
        programNodeArgs: ["--stack-trace-limit=0"],
        // `args` is JSON, so type-checking the program proves nothing here and costs seconds per run.
        programEnv: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
      });
      try {
        const result = await engine.up();
        const account = describeResult(result);
        expect(result.ok, account).toBe(false);
        expect(result.errors, account).toHaveLength(1);
        expect(result.diagnostics.filter((d) => d.severity === "error"), account).toHaveLength(1);
        const [error] = result.errors;
        expectNames(error, c.stage === "check" ? `property ${String(c.names)} has a problem` : c.names, expect);
        expect(error).toMatch(c.fix);
        expect(result.program?.timedOut, account).toBe(false);
        expect(secretLeaks(result, Object.values(SECRETS))).toEqual([]);
        expect(canariesIn(visibleText(result))).toEqual([]);
        // The SDK's debug trace may carry a canary, but only inside a secret wrapper it logs verbatim.
        for (const d of result.diagnostics.filter((d) => canariesIn(d.message).length > 0)) {
          expect(isSdkRpcTrace(d.message, d.severity), d.message).toBe(true);
        }
      } finally {
        await engine.close();
      }
    }, 60_000);
  }
});
