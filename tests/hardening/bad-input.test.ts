/**
 * Bad input through Pulumi's real provider host, the way the engine drives it: for every case of the table
 * (bad-input-cases.ts), Configure with the case's stack config, Check, then Create when Check passes. Each case must
 * end in ONE message that names the property or setting and says what to do. The cases marked `program` also run
 * as a program through the real CLI: tests/real-cli/bad-input.test.ts.
 *
 * Canary secrets fill every secret slot (the admin key secret in soda:apiKeySecret, a SodaApiKey's apiKeySecret,
 * the secrets of the emulator's keys), and each is searched for in the error, the Check failures and the host's
 * stdout and stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { startProviderHost, type ProviderHost } from "../support/provider-host";
import { serializedProviders } from "../support/provider-texts";
import { makeUrn, wrapSecret } from "../support/pulumi-grpc";
import { CASES, KEY_IDS, SECRETS, canariesIn, caseArgs, caseConfig, closedPortUrl, expectNames, type CaseEndpoints, type ConfigValue } from "./bad-input-cases";

const AGENT_KEY_TYPE = "pulumi-nodejs:dynamic/soda:AgentKey";
const API_KEY_TYPE = "pulumi-nodejs:dynamic/soda:ApiKey";

let env: EmulatorFixture;
let endpoints: CaseEndpoints;
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
  endpoints = { url: env.url, closedPortUrl: await closedPortUrl() };
  project = prepareProjectDir({ prefix: "bad-input-" });
  // A few hosts at a time: each is a Node process loading @pulumi/pulumi, and all of them at once, beside other
  // test files on 2 cores, overran a host's 15 s limit to print its port.
  const configs = CASES.map((c) => caseConfig(c, endpoints));
  for (let i = 0; i < configs.length; i += HOSTS_STARTED_AT_ONCE) await Promise.all(configs.slice(i, i + HOSTS_STARTED_AT_ONCE).map(hostFor));
}, 180_000);

const HOSTS_STARTED_AT_ONCE = 3;

afterAll(async () => {
  await Promise.all([...hosts.values()].map((h) => h.then((host) => host.close()).catch(() => undefined)));
  project?.cleanup();
  await env?.close();
});

describe(`bad input through Pulumi's provider host (${CASES.length} cases)`, () => {
  // So that the run's log says how many cases ran.
  console.log(
    `bad-input: ${CASES.length} cases through the provider host, ${CASES.filter((c) => c.program).length} of them also as programs through the real CLI`,
  );

  for (const c of CASES) {
    it(`${c.name}: ${c.stage === "create" ? "Create" : "Check"} fails with one message naming ${String(c.names)}`, async () => {
      const host = await hostFor(caseConfig(c, endpoints));
      const type = c.resource === "agentKey" ? AGENT_KEY_TYPE : API_KEY_TYPE;
      const urn = makeUrn("bad-input", "project", type, `case-${CASES.indexOf(c)}`);
      const news = { __provider: providers[c.resource], ...caseArgs(c) };
      const requestsBefore = env.emulator.requests().length;
      if (c.stage === "settings") {
        // A failure of the resource as a whole (no property): a setting is the stack's, not an argument's.
        const { failures } = await host.check(urn, {}, news);
        expect(failures, JSON.stringify(failures)).toHaveLength(1);
        const [failure] = failures;
        expect(failure.property).toBe("");
        expectNames(failure.reason, c.names);
        expect(failure.reason).toMatch(c.fix);
        expect(failure.reason.split("\n")).toHaveLength(1);
        expect(failure.reason.length).toBeLessThan(400);
        // Settings are judged without a request, so a preview fails on them as early as `up` does.
        expect(env.emulator.requests().length).toBe(requestsBefore);
        expect(canariesIn(JSON.stringify(failures))).toEqual([]);
        // Nothing on the host's output: a thrown error was printed there with its stack, then shown by the engine.
        expect(host.stderr()).not.toContain(failure.reason);
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
