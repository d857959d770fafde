/**
 * Bad input, as a table: every way a user can get an argument or a setting wrong, and the Soda Cloud answers that
 * follow from a wrong key, each with the message it must end in. Run through Pulumi's provider host
 * (bad-input.test.ts) and, for the cases marked `program`, as a program through the real CLI
 * (tests/real-cli/bad-input.test.ts).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { expect } from "vitest";

const canary = (slot: string) => `canary-${slot}-${randomBytes(9).toString("base64url")}`;

/** Every secret of the cases, by slot. None may ever be seen outside a secret wrapper. */
export const SECRETS: Record<string, string> = {
  admin: canary("admin"),
  user: canary("user"),
  noPermission: canary("noperm"),
  revoked: canary("revoked"),
  otherRegion: canary("otherregion"),
  inHost: canary("inhost"),
  // bad-input.test.ts adds `takenAgentKey`: the secret of the agent key that holds "taken-agent", once its emulator minted it.
};

export const KEY_IDS = {
  admin: randomUUID(),
  user: randomUUID(),
  noPermission: randomUUID(),
  revoked: randomUUID(),
  /** Not known to the emulator: a key of the other region looks exactly like this to Soda. */
  otherRegion: randomUUID(),
};

export type Resource = "agentKey" | "apiKey";

/** A stack config value: plain, or secret (`pulumi config set --secret`). */
export type ConfigValue = string | { secret: string };

export interface Case {
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
  /** Also run as a Pulumi program through the real CLI (tests/real-cli/bad-input.test.ts). */
  program?: boolean;
}

/** Where the cases point: an emulator that knows the admin key (and the user key), and a port nothing listens on. */
export interface CaseEndpoints {
  url: string;
  closedPortUrl: string;
}

export const CASES: Case[] = [
  // ---- SodaAgentKey arguments (Check) ----
  { name: "agentName empty", resource: "agentKey", args: { agentName: "" }, stage: "check", names: "agentName", fix: /must not be empty/ },
  {
    name: "agentName too long",
    resource: "agentKey",
    args: { agentName: "a".repeat(101) },
    stage: "check",
    names: "agentName",
    fix: /at most 100 characters/,
    // Pins a fixed bug (provider/spec/agent-key.ts, agentName): agentName of 101 letters gets two failures, one of them wrong.
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
  {
    name: "agentName with a leading space",
    resource: "agentKey",
    args: { agentName: " prod-agent" },
    stage: "check",
    names: "agentName",
    fix: /must start and end with a letter or digit/,
  },
  { name: "agentName missing", resource: "agentKey", args: {}, stage: "check", names: "agentName", fix: /is required/ },
  { name: "agentName a number", resource: "agentKey", args: { agentName: 42 }, stage: "check", names: "agentName", fix: /must be a string/ },
  {
    name: 'rotationPeriod "90"',
    resource: "agentKey",
    args: { agentName: "a", rotationPeriod: "90" },
    stage: "check",
    names: "rotationPeriod",
    fix: /"90d", "12h" or "30m"/,
  },
  {
    name: 'rotationPeriod "-1d"',
    resource: "agentKey",
    args: { agentName: "a", rotationPeriod: "-1d" },
    stage: "check",
    names: "rotationPeriod",
    fix: /"90d", "12h" or "30m"/,
  },
  {
    name: 'rotationPeriod "1 fortnight"',
    resource: "agentKey",
    args: { agentName: "a", rotationPeriod: "1 fortnight" },
    stage: "check",
    names: "rotationPeriod",
    fix: /whole number from 1 to 999999 followed by d, h or m/,
  },
  {
    name: "rotationPeriod a number",
    resource: "agentKey",
    args: { agentName: "a", rotationPeriod: 90 },
    stage: "check",
    names: "rotationPeriod",
    fix: /must be a string/,
  },
  {
    name: "rotationTriggers a string",
    resource: "agentKey",
    args: { agentName: "a", rotationTriggers: "v2" },
    stage: "check",
    names: "rotationTriggers",
    fix: /must be a map of strings to strings/,
  },
  {
    name: "rotationTriggers with a number value",
    resource: "agentKey",
    args: { agentName: "a", rotationTriggers: { generation: 2 } },
    stage: "check",
    // The argument, whose value the engine shows beside the reason; the entry and what it got, in the reason.
    names: "rotationTriggers",
    fix: /(^|: )generation must be a string \(got a number\)$/,
    program: true,
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
    // Pins a fixed bug (provider/resources/validation.ts, checkInputs): a misspelled required argument gets two failures.
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
    // Pins a fixed bug (provider/spec/api-key.ts, apiKeySecret): an empty apiKeySecret gets two failures, one of them wrong.
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
    // Pins a fixed bug (provider/config/settings.ts, usingAdminCredentials): admin-key 403 does not name the setting the key came from.
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

/**
 * The config of a case: a working stack's (the emulator and its admin key) with the case's changes, the
 * emulator-down cases pointed at the closed port.
 */
export function caseConfig(c: Case, endpoints: CaseEndpoints): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = {
    "soda:host": c.emulatorDown ? endpoints.closedPortUrl : endpoints.url,
    "soda:apiKeyId": KEY_IDS.admin,
    "soda:apiKeySecret": { secret: SECRETS.admin },
  };
  for (const [key, value] of Object.entries(c.config ?? {})) {
    if (value === null) delete config[key];
    else config[key] = value;
  }
  return config;
}

/** The resource arguments of a case, a SodaApiKey's secret defaulting to the user key's. */
export function caseArgs(c: Case): Record<string, unknown> {
  return c.resource === "apiKey" && !("apiKeySecret" in c.args) ? { ...c.args, apiKeySecret: SECRETS.user } : c.args;
}

/** Where `text` shows a canary, as a list of the canaries' slots (empty when clean). */
export function canariesIn(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([slot]) => slot);
}

/** The message names what it must name. */
export function expectNames(message: string, names: string | RegExp): void {
  if (typeof names === "string") expect(message).toContain(names);
  else expect(message).toMatch(names);
}

/** A URL of a port nothing listens on: bound and released, so a connection to it is refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
