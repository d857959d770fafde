/**
 * Rate-limit efficiency: N concurrent key creates against Soda's documented 10 creates per 60 s, with the window
 * scaled down the same for emulator and client. The best any client can do is the first 10 at once and each later
 * batch of 10 one window after the previous one, so the theoretical minimum is (ceil(N / 10) - 1) windows. Ours
 * (SodaCloudClient, which paces itself) is compared, in the same run, with a naive client that fires everything
 * and retries a 429 after a fixed sleep, as Soda's own examples do (30 s there, scaled by the same factor here).
 */
import { Agent, request } from "undici";
import { SodaCloudClient } from "../provider/client/index";
import { DOCUMENTED_RATE_LIMITS, DOCUMENTED_WINDOW_MS } from "../provider/client/soda-api";
import { startBenchEmulator, type BenchEmulator } from "./harness";
import type { BenchOptions } from "./options";
import { ratio, round } from "./stats";
import type { Row } from "./table";
import type { KeyPair } from "../emulator/index";

/** Soda's examples sleep this long after a 429. */
export const SODA_EXAMPLE_RETRY_SLEEP_MS = 30_000;
export const RATE_LIMIT_TARGET = 1.15;

export interface ClientRun {
  /** From the first request sent to the last key received, milliseconds. */
  wallMs: number;
  /** wallMs / theoretical minimum. */
  ratio: number | null;
  /** Keys received (must be all of them). */
  created: number;
  /** POST /api/v1/runners answers the emulator sent, by status. */
  statuses: Record<string, number>;
  rateLimited: number;
}

export interface RateLimitResult {
  options: BenchOptions["rateLimit"];
  limit: number;
  theoreticalMinimumMs: number;
  ours: ClientRun;
  naive: ClientRun & { retrySleepMs: number };
  target: number;
}

/** The naive client: no pacing; on 429, sleep a fixed time and try again; anything else is an error. */
async function naiveCreate(agent: Agent, url: string, admin: KeyPair, retrySleepMs: number): Promise<KeyPair> {
  const authorization = `Basic ${Buffer.from(`${admin.apiKeyId}:${admin.apiKeySecret}`).toString("base64")}`;
  for (;;) {
    const response = await request(`${url}/api/v1/runners`, { method: "POST", headers: { authorization, accept: "application/json" }, dispatcher: agent });
    const text = await response.body.text();
    if (response.statusCode === 200) return JSON.parse(text) as KeyPair;
    if (response.statusCode !== 429) throw new Error(`naive client: HTTP ${response.statusCode} ${text}`);
    await new Promise((resolve) => setTimeout(resolve, retrySleepMs));
  }
}

async function measure(env: BenchEmulator, theoreticalMinimumMs: number, createAll: () => Promise<KeyPair[]>): Promise<ClientRun> {
  await env.reset();
  const started = performance.now();
  const keys = await createAll();
  const wallMs = performance.now() - started;
  const statuses: Record<string, number> = {};
  for (const r of await env.requests()) {
    if (r.method === "POST" && r.path === "/api/v1/runners") statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  return { wallMs: round(wallMs, 1), ratio: ratio(wallMs, theoreticalMinimumMs), created: keys.length, statuses, rateLimited: statuses["429"] ?? 0 };
}

export async function runRateLimit(options: BenchOptions["rateLimit"]): Promise<RateLimitResult> {
  const limit = DOCUMENTED_RATE_LIMITS.createRunnerKey.limit;
  const windowMs = options.rateWindowMs;
  const theoreticalMinimumMs = (Math.ceil(options.creates / limit) - 1) * windowMs;
  const retrySleepMs = Math.round((SODA_EXAMPLE_RETRY_SLEEP_MS * windowMs) / DOCUMENTED_WINDOW_MS);
  let env: BenchEmulator | undefined;
  let client: SodaCloudClient | undefined;
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  try {
    env = await startBenchEmulator({ rateWindowMs: windowMs, latencyMs: options.latencyMs });
    const e = env;
    // A fresh client (and so a fresh pacer), as a new `pulumi up` would have; real clock.
    const c = (client = new SodaCloudClient({ endpoint: e.url, credentials: e.admin, rateWindowMs: windowMs }));
    const n = Array.from({ length: options.creates });
    const ours = await measure(e, theoreticalMinimumMs, () => Promise.all(n.map(() => c.createRunnerKey())));
    const naive = await measure(e, theoreticalMinimumMs, () => Promise.all(n.map(() => naiveCreate(agent, e.url, e.admin, retrySleepMs))));
    return { options, limit, theoreticalMinimumMs, ours, naive: { ...naive, retrySleepMs }, target: RATE_LIMIT_TARGET };
  } finally {
    await client?.close();
    await agent.close();
    await env?.close();
  }
}

export function rateLimitRows(result: RateLimitResult): Row[] {
  const { options, ours, naive } = result;
  return [
    {
      benchmark: "rateLimit",
      figure: `rate limit: ${options.creates} creates, wall / minimum`,
      ours: ours.ratio,
      referenceName: `naive client`,
      reference: naive.ratio,
      unit: "x",
      ratio: ours.ratio,
      target: `<= ${result.target.toFixed(2)}x`,
      met: ours.ratio !== null && ours.ratio <= result.target && ours.created === options.creates,
      note:
        `${options.creates} concurrent creates, limit ${result.limit} per ${options.rateWindowMs} ms window (60 s scaled), ${options.latencyMs} ms latency: ` +
        `theoretical minimum ${result.theoreticalMinimumMs} ms; ours ${ours.wallMs} ms, naive client (fixed ${naive.retrySleepMs} ms sleep after a 429) ${naive.wallMs} ms`,
    },
    {
      benchmark: "rateLimit",
      figure: `rate limit: 429 answers in ${options.creates} creates`,
      ours: ours.rateLimited,
      referenceName: "naive client",
      reference: naive.rateLimited,
      unit: "",
      ratio: null,
      target: "0",
      met: ours.rateLimited === 0,
    },
  ];
}
