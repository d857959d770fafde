import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProcessContext } from "../../provider/config/context";
import { agentKeyLifecycle } from "../../provider/resources/agent-key";
import { agentRegistrationLifecycle, REGISTRATION_POLL_MS } from "../../provider/resources/agent-registration";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";

/**
 * The wait for an agent (SodaAgent's `waitForAgent`) against the emulator, on a clock that moves only when the test
 * says so: an agent registering during the wait, none registering, and a name another key of the stack holds.
 */
let env: EmulatorFixture;
let clock: FakeClock;
let ctx: ProcessContext;
/** The status lines the wait wrote beside the resource. */
let statuses: string[];

beforeEach(async () => {
  env = await emulatorFixture();
  clock = new FakeClock();
  statuses = [];
  ctx = new ProcessContext({
    clock,
    env: { SODA_HOST: env.url, SODA_API_KEY_ID: env.admin.apiKeyId, SODA_API_KEY_SECRET: env.admin.apiKeySecret },
    warn: () => undefined,
    status: (line) => statuses.push(line),
  });
});
afterEach(() => env.close());

const listRequests = () => env.emulator.requests().filter((r) => r.method === "GET" && r.path === "/api/v1/runners").length;

/** Resolves once the wait is asleep between two looks at the runner list (real time, bounded). */
const untilAsleep = () => vi.waitFor(() => expect(clock.pending()).toBeGreaterThan(0), { timeout: 5_000, interval: 2 });

async function newKey(agentName: string) {
  const key = await agentKeyLifecycle(ctx).create({ agentName });
  return key.outs as Record<string, unknown> & { apiKeyId: string; apiKeySecret: string; endpoint: string };
}

describe("SodaAgentRegistration", () => {
  it("finishes once the agent registers with the key during the wait", async () => {
    const key = await newKey("waiting-agent");
    const waiting = agentRegistrationLifecycle(ctx).create({ agentName: "waiting-agent", apiKeyId: key.apiKeyId, endpoint: key.endpoint, timeoutSeconds: 60 });
    await untilAsleep();
    clock.advance(REGISTRATION_POLL_MS);
    await untilAsleep();
    const registered = await env.register(key, "waiting-agent");
    expect(registered.status).toBe(200);
    clock.advance(REGISTRATION_POLL_MS);
    const created = await waiting;
    const runnerId = (await env.state()).runners[0].id;
    expect(created.outs).toMatchObject({ agentName: "waiting-agent", apiKeyId: key.apiKeyId, runnerId, registeredAt: new Date(clock.now()).toISOString() });
    expect(created.id).toBe(`${key.apiKeyId}/${runnerId}`);
    // Three looks: before, while asleep, after the registration; a status line after each of the first two.
    expect(listRequests()).toBe(1 + 3);
    expect(statuses).toEqual([
      'waiting for agent "waiting-agent" to register (0 s of 60 s)',
      'waiting for agent "waiting-agent" to register (5 s of 60 s)',
      'waited 10 s for agent "waiting-agent" to register',
    ]);
  });

  it("fails after the timeout, saying what to look at, when no agent registers", async () => {
    const key = await newKey("silent-agent");
    const before = listRequests();
    const auto = new FakeClock(clock.now(), true);
    const autoCtx = new ProcessContext({
      clock: auto,
      env: { SODA_HOST: env.url, SODA_API_KEY_ID: env.admin.apiKeyId, SODA_API_KEY_SECRET: env.admin.apiKeySecret },
      warn: () => undefined,
    });
    const started = auto.now();
    const lines: string[] = [];
    const error = await agentRegistrationLifecycle(autoCtx.forResource({ status: (line) => lines.push(line) }))
      .create({ agentName: "silent-agent", apiKeyId: key.apiKeyId, endpoint: key.endpoint, timeoutSeconds: 30, namespace: "soda-agent" })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(auto.now() - started).toBe(30_000);
    expect(listRequests() - before).toBe(30_000 / REGISTRATION_POLL_MS + 1);
    expect(error?.message).toBe(
      `No agent registered with Soda Cloud (${env.url}) as "silent-agent" with key ${key.apiKeyId} within 30 s. ` +
        "Look at the agent's pods: `kubectl get pods -n soda-agent` and `kubectl logs -n soda-agent <pod>`. " +
        `"already registered" there means another agent holds the name; a 401 or connection error, a soda.cloud endpoint or region other than ${env.url}; ` +
        "a pending pod, a slow image pull (raise the timeout). The key stays deployed: the next `pulumi up` waits again.",
    );
    expect(error?.message).not.toContain(key.apiKeySecret);
    // One line a look, counting up to the timeout; none names the key's secret.
    expect(lines).toEqual(Array.from({ length: 6 }, (_, i) => `waiting for agent "silent-agent" to register (${i * 5} s of 30 s)`));
  });

  it("fails at once when the name is held by a runner another key of the stack recorded", async () => {
    const other = await newKey("shared-name");
    await env.register(other, "shared-name");
    const runnerId = (await env.state()).runners[0].id;
    // A refresh of the other key records the runner as its own.
    const read = await agentKeyLifecycle(ctx).read(other.apiKeyId, other);
    expect(read.props).toMatchObject({ runnerId });
    const error = await agentRegistrationLifecycle(ctx)
      .create({ agentName: "shared-name", apiKeyId: "4d1e0c1e-0000-4000-8000-000000000001", endpoint: env.url })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(clock.pending()).toBe(0);
    expect(error?.message).toContain(
      `The agent name "shared-name" is held in Soda Cloud by runner ${runnerId}, not by an agent with key 4d1e0c1e-0000-4000-8000-000000000001 (key ${other.apiKeyId} of this stack already recorded it)`,
    );
  });

  it("refuses a timeout outside 1..86400 s, naming the property", async () => {
    const check = await agentRegistrationLifecycle(ctx).check({}, { agentName: "a", apiKeyId: "k", endpoint: env.url, timeoutSeconds: 0 });
    expect(check.failures).toEqual([{ property: "timeoutSeconds", reason: "must be a whole number of seconds from 1 to 86400, not 0" }]);
  });

  it("is replaced by a new key and updated in place for a new timeout", async () => {
    const olds = { stateVersion: 1, agentName: "a", apiKeyId: "k1", endpoint: env.url, runnerId: "r", registeredAt: "2026-01-01T00:00:00.000Z" };
    const lifecycle = agentRegistrationLifecycle(ctx);
    expect(await lifecycle.diff("k1/r", olds, { agentName: "a", apiKeyId: "k2", endpoint: env.url })).toEqual({
      replaces: ["apiKeyId"],
      updates: [],
      deleteBeforeReplace: false,
    });
    expect(await lifecycle.diff("k1/r", olds, { agentName: "a", apiKeyId: "k1", endpoint: env.url, timeoutSeconds: 60 })).toEqual({
      replaces: [],
      updates: ["timeoutSeconds"],
      deleteBeforeReplace: false,
    });
    expect(await lifecycle.diff("k1/r", olds, { agentName: "a", apiKeyId: "k1", endpoint: env.url })).toEqual({
      replaces: [],
      updates: [],
      deleteBeforeReplace: false,
    });
  });
});
