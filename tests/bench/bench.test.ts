// Smoke test of `npm run bench`: every benchmark's functions with tiny counts, so the bench cannot rot unseen.
// Asserts the shape of the results and the invariants that hold at any count (zero 429 for our client, exact
// request counts), never timings: those belong to the full run on a quiet machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runColdStart, coldStartRows } from "../../bench/cold-start";
import { isAlive, startedPids } from "../../bench/harness";
import { FULL, parseArgs } from "../../bench/options";
import { OPERATIONS, overheadRows, runOverhead } from "../../bench/overhead";
import { providerTexts, type ProviderTexts } from "../../bench/providers";
import { rateLimitRows, runRateLimit } from "../../bench/rate-limit";
import { realEngineRows, runRealEngine } from "../../bench/real-engine";
import { realCliSkipReason } from "../../bench/real-engine-stack";
import { theoreticalMinimumMs } from "../../bench/real-engine-minimum";
import { realMemoryRows, runRealMemory } from "../../bench/real-memory";
import { refreshSizes, refreshTarget, requestsRows, runRequests } from "../../bench/requests";
import { measureSize, sizeRows } from "../../bench/size";
import { formatTable, type Row } from "../../bench/table";

let texts: ProviderTexts;

beforeAll(async () => {
  texts = await providerTexts();
}, 30_000);

afterAll(() => {
  // Every emulator and provider host a benchmark started has exited.
  expect(startedPids.length).toBeGreaterThan(0);
  expect(startedPids.filter(isAlive)).toEqual([]);
});

function expectRowShape(rows: Row[]): void {
  for (const row of rows) {
    expect(row).toMatchObject({
      benchmark: expect.any(String),
      figure: expect.any(String),
      referenceName: expect.any(String),
      unit: expect.any(String),
      target: expect.any(String),
    });
    expect(row.met === null || typeof row.met === "boolean").toBe(true);
  }
  expect(formatTable(rows).split("\n")[0]).toMatch(/^figure +\| ours +\| reference +\| ratio +\| target +\| met$/);
}

describe("bench smoke", () => {
  it("measures the serialized provider sizes", () => {
    const result = measureSize(texts);
    expect(result.bytes.SodaAgentKey).toBeGreaterThan(result.bytes.trivial);
    expect(result.bytes.SodaApiKey).toBeGreaterThan(0);
    expectRowShape(sizeRows(result));
  });

  it("measures overhead per operation against the floor, with exactly the floor's requests", async () => {
    const result = await runOverhead({ runs: 3, warmup: 1, latencyMs: 5, rateWindowMs: 60 }, texts);
    for (const op of OPERATIONS) {
      const o = result.operations[op];
      expect(o.ours.n).toBe(3);
      expect(o.floor.n).toBe(3);
      expect(o.bare.n).toBe(3);
      // Latency is added per request, so nothing can beat it (less a millisecond of timer rounding per request).
      expect(o.floor.min).toBeGreaterThanOrEqual(4 * o.floorRequests);
      expect(o.oursRequests).toEqual([o.floorRequests, o.floorRequests, o.floorRequests]);
    }
    expect(overheadRows(result)).toHaveLength(3);
    expectRowShape(overheadRows(result));
  }, 30_000);

  it("counts requests per operation: exactly the minimum, and a refresh of many keys shares one list walk", async () => {
    const result = await runRequests({ keys: 20, rateWindowMs: 60 }, texts);
    const o = result.operations;
    expect(o.create.sequence).toEqual(["GET /api/v1/runners", "POST /api/v1/runners"]);
    expect(o.refreshFirst.sequence).toEqual(["GET /api/v1/runners"]);
    expect(o.read.sequence).toEqual(["GET /api/v1/runners"]);
    expect(o.update.requests).toBe(0);
    expect(o.delete.sequence).toEqual(["GET /api/v1/runners/{id}", "DELETE /api/v1/runners/{id}"]);
    expect(refreshSizes(20)).toEqual([10, 20]);
    expect(result.refreshes.map((r) => r.keys)).toEqual([10, 20]);
    for (const r of result.refreshes) {
      expect(r.idsUnknown.requests).toBeLessThanOrEqual(refreshTarget(r.keys));
      expect(r.idsKnown.requests).toBeLessThanOrEqual(refreshTarget(r.keys));
    }
    expect(refreshTarget(1000)).toBe(2);
    expect(result.rateLimited).toBe(0);
    const rows = requestsRows(result);
    expect(rows.map((r) => r.figure)).toContain("requests: refresh of 20 keys (ids known)");
    expect(rows.every((r) => r.met === true)).toBe(true);
    expectRowShape(rows);
  }, 60_000);

  it("paces creates with no 429, where the naive client trips the limit", async () => {
    const result = await runRateLimit({ creates: 20, rateWindowMs: 300, latencyMs: 0 });
    expect(result.theoreticalMinimumMs).toBe(300);
    expect(result.ours).toMatchObject({ created: 20, rateLimited: 0 });
    expect(result.ours.statuses).toEqual({ "200": 20 });
    // No client gets 20 keys out of a 10-per-window limit in less than one window.
    expect(result.ours.wallMs).toBeGreaterThanOrEqual(300);
    expect(result.naive.created).toBe(20);
    expect(result.naive.rateLimited).toBeGreaterThan(0);
    expectRowShape(rateLimitRows(result));
  }, 30_000);

  it("times cold starts of ours, the trivial and the bare provider", async () => {
    const result = await runColdStart({ runs: 1, warmup: 0, rateWindowMs: 60 }, texts);
    for (const side of [result.ours, result.trivial, result.bare]) {
      expect(side.total.n).toBe(1);
      expect(side.total.median).toBeGreaterThanOrEqual(side.hostReady.median);
    }
    expectRowShape(coldStartRows(result));
  }, 30_000);

  it("takes counts from flags over the environment over the preset", () => {
    expect(parseArgs([], {}).options).toEqual(FULL);
    const quick = parseArgs(["--quick", "--overhead-runs=4"], { BENCH_OVERHEAD_RUNS: "9", BENCH_MEMORY_KEYS: "7" });
    expect(quick.quick).toBe(true);
    expect(quick.options.overhead.runs).toBe(4);
    expect(quick.options.memory.keys).toBe(7);
    expect(parseArgs(["--only=size,memory"], {}).only).toEqual(["size", "memory"]);
    expect(() => parseArgs(["--overhead-runs=x"], {})).toThrow(/whole number/);
    expect(() => parseArgs(["--nope"], {})).toThrow(/unknown flag/);
    expect(() => parseArgs(["--rate-creates=10"], {})).toThrow(/more than 10/);
    expect(parseArgs(["--real-keys=2,5"], { BENCH_REAL_KEYS: "7" }).options.realEngine.keys).toEqual([2, 5]);
    expect(parseArgs([], { BENCH_REAL_KEYS: "7" }).options.realEngine.keys).toEqual([7]);
    expect(() => parseArgs(["--real-keys=1,x"], {})).toThrow(/separated by commas/);
  });

  it("computes the theoretical minimum from the scaled limits, the requests and the latency", () => {
    const s = { rateWindowMs: 1000, latencyMs: 20, parallel: 8 };
    // 100 creates at 10 a window: 9 windows, then the last key's list and POST.
    expect(theoreticalMinimumMs("up", 100, s).ms).toBe(9 * 1000 + 2 * 20);
    expect(theoreticalMinimumMs("destroy", 100, s).ms).toBe(9 * 1000 + 2 * 20);
    // One list walk, whatever the keys up to 1000 per page.
    expect(theoreticalMinimumMs("refresh", 100, s).ms).toBe(20);
    expect(theoreticalMinimumMs("refresh", 2500, s).ms).toBe(3 * 20);
    // Where the limits never bind, 8 keys at a time of 40 ms each do.
    expect(theoreticalMinimumMs("up", 10, { ...s, rateWindowMs: 1 }).ms).toBe(2 * 40);
  });
});

// The real engine's figures need the real CLI: skipped where it cannot be had, saying why, as the real-CLI tier
// is; CI sets PULUMI_SODA_REQUIRE_CLI=1, and then a missing CLI fails here instead.
const cliSkipReason = process.env.PULUMI_SODA_REQUIRE_CLI === "1" ? "" : realCliSkipReason();

describe.skipIf(cliSkipReason !== "")(`bench smoke through the real CLI${cliSkipReason === "" ? "" : ` (skipped: ${cliSkipReason})`}`, () => {
  it("times up, refresh and destroy of 1 key against the trivial stack, with exactly the least requests and no 429", async () => {
    const result = await runRealEngine({ keys: [1], runs: 1, warmup: 0, latencyMs: 5, rateWindowMs: 1000 });
    expect(result.parallel).toBeGreaterThan(0);
    expect(result.results.map((r) => r.command)).toEqual(["up", "refresh", "destroy"]);
    for (const r of result.results) {
      expect(r.ours.n).toBe(1);
      expect(r.trivial.n).toBe(1);
      expect(r.rateLimited).toBe(0);
      // Nothing is faster than the least Soda allows.
      expect(r.ours.median).toBeGreaterThanOrEqual(r.minimum.ms);
    }
    const [up, refresh, destroy] = result.results;
    expect(up.breakdown).toEqual({ "GET /api/v1/runners": 1, "POST /api/v1/runners": 1 });
    expect(refresh.breakdown).toEqual({ "GET /api/v1/runners": 1 });
    expect(destroy.breakdown).toEqual({ "GET /api/v1/runners/{id}": 1, "DELETE /api/v1/runners/{id}": 1 });
    const rows = realEngineRows(result);
    expect(rows.filter((r) => r.met !== null).every((r) => r.met === true)).toBe(true);
    expectRowShape(rows);
  }, 150_000);

  it("reads the peak memory of the provider host the real engine started", async () => {
    const result = await runRealMemory({ keys: 1, latencyMs: 0, rateWindowMs: 200 });
    for (const side of [result.ours, result.trivial]) {
      if (process.platform === "linux") {
        expect(side.refreshKiB).toBeGreaterThan(0);
        expect(side.upKiB).toBeGreaterThan(0);
      } else expect(side.refreshKiB).toBeNull();
      expect(side.hostPids.filter(isAlive)).toEqual([]);
    }
    expect(result.rateLimited).toBe(0);
    expectRowShape(realMemoryRows(result));
  }, 120_000);
});
