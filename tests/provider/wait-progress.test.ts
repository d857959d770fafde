import { afterEach, describe, expect, it } from "vitest";
import { scaledRateLimits, DOCUMENTED_RATE_LIMITS } from "../../provider/client/soda-api";
import { ProcessContext } from "../../provider/config/context";
import { agentKeyLifecycle } from "../../provider/resources/agent-key";
import { currentStatusLine, withStatusLine } from "../../provider/engine/status-line";
import {
  agentWaitedMessage,
  agentWaitMessage,
  pacerWaitMessage,
  pacerWaitedMessage,
  pacerWaitReporter,
  STATUS_MIN_GAP_MS,
} from "../../provider/engine/wait-progress";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { FakeClock } from "../support/fake-clock";

/** The status lines of a resource while it waits: their words, their cadence, and whose row they go to. */

describe("status line texts", () => {
  it.each([
    ["createRunnerKey", 42_000, "waiting 42 s for Soda's limit of 10 agent creates per minute"],
    ["deleteRunner", 59_001, "waiting 60 s for Soda's limit of 10 agent deletes per minute"],
    ["listRunners", 400, "waiting 1 s for Soda's limit of 60 agent list requests per minute"],
    ["getRunner", 2_000, "waiting 2 s for Soda's limit of 1000 agent lookups per minute"],
    ["testLogin", 9_000, "waiting 9 s for Soda's limit of 10 key checks per 10 s"],
  ] as const)("%s: %s ms left", (operation, remaining, text) => {
    expect(pacerWaitMessage({ operation, rate: DOCUMENTED_RATE_LIMITS[operation] }, remaining)).toBe(text);
  });

  it("names a scaled window as it is (tests, soda:rateWindowMs), and the whole wait once it is over", () => {
    const wait = { operation: "createRunnerKey", rate: scaledRateLimits(6_000).createRunnerKey } as const;
    expect(pacerWaitMessage(wait, 5_500)).toBe("waiting 6 s for Soda's limit of 10 agent creates per 6 s");
    expect(pacerWaitedMessage(wait, 6_200)).toBe("waited 6 s for Soda's limit of 10 agent creates per 6 s");
  });

  it("says how long an agent has been waited for, and for what", () => {
    expect(agentWaitMessage("prod-agent", 35_400, 300, false)).toBe('waiting for agent "prod-agent" to register (35 s of 300 s)');
    expect(agentWaitMessage("prod-agent", 40_000, 300, true)).toBe('waiting for agent "prod-agent" to come online (40 s of 300 s)');
    expect(agentWaitedMessage("prod-agent", 45_200, false)).toBe('waited 45 s for agent "prod-agent" to register');
    expect(agentWaitedMessage("prod-agent", 45_200, true)).toBe('waited 45 s for agent "prod-agent" to come online');
  });
});

describe("pacerWaitReporter", () => {
  it("writes when the wait starts, then no more often than every STATUS_MIN_GAP_MS, and once when it ends", () => {
    const clock = new FakeClock(0);
    const lines: string[] = [];
    const reporter = pacerWaitReporter((line) => lines.push(line), clock, { operation: "createRunnerKey", rate: DOCUMENTED_RATE_LIMITS.createRunnerKey });
    reporter.remaining(42_000);
    reporter.remaining(42_000);
    clock.advance(STATUS_MIN_GAP_MS - 1);
    reporter.remaining(40_001);
    clock.advance(1);
    reporter.remaining(40_000);
    clock.advance(40_000);
    reporter.ended();
    expect(lines).toEqual([
      "waiting 42 s for Soda's limit of 10 agent creates per minute",
      "waiting 40 s for Soda's limit of 10 agent creates per minute",
      "waited 42 s for Soda's limit of 10 agent creates per minute",
    ]);
  });
});

describe("withStatusLine", () => {
  it("makes a resource's status line the current one for all of each call, and only there", async () => {
    const seen: unknown[] = [];
    const line = () => undefined;
    const lifecycle = withStatusLine(
      {
        async create() {
          await new Promise((resolve) => setImmediate(resolve));
          seen.push(currentStatusLine());
        },
      },
      line,
    );
    await lifecycle.create();
    expect(seen).toEqual([line]);
    expect(currentStatusLine()).toBeUndefined();
  });
});

describe("a pacer wait, on the row of the resource that waits", () => {
  let env: EmulatorFixture;
  let ctx: ProcessContext;
  afterEach(async () => {
    await ctx?.close();
    await env?.close();
  });

  it("eleven agent keys created at once: only the one held back for Soda's create limit says so, every few seconds, until it goes", async () => {
    const clock = new FakeClock("2026-03-01T00:00:00.000Z", true);
    env = await emulatorFixture({ clock });
    ctx = new ProcessContext({
      clock,
      env: { SODA_HOST: env.url, SODA_API_KEY_ID: env.admin.apiKeyId, SODA_API_KEY_SECRET: env.admin.apiKeySecret },
      warn: () => undefined,
    });
    const lines = new Map<string, string[]>();
    await Promise.all(
      Array.from({ length: 11 }, (_, i) => {
        const agentName = `agent-${i}`;
        lines.set(agentName, []);
        // As each front end does: a context of the resource's own, and its calls run with its status line.
        const resource = ctx.forResource({ status: (line) => lines.get(agentName)!.push(line) });
        return withStatusLine(agentKeyLifecycle(resource), resource.status).create({ agentName });
      }),
    );
    const waited = [...lines.values()].filter((l) => l.length > 0);
    expect(waited).toEqual([
      [
        ...Array.from({ length: 12 }, (_, i) => `waiting ${60 - i * 5} s for Soda's limit of 10 agent creates per minute`),
        "waited 60 s for Soda's limit of 10 agent creates per minute",
      ],
    ]);
    expect(env.emulator.requests().filter((r) => r.status === 429)).toEqual([]);
  });
});
