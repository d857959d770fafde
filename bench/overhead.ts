/**
 * Overhead per operation: create, read and delete of a SodaAgentKey through Pulumi's real provider host (gRPC,
 * the engine's boundary) against the same HTTP requests made directly with undici (the floor), against an
 * emulator (a process of its own) that adds the same latency to every request. Each run measures ours and the
 * floor back to back, in rotating order, so drift on a shared machine hits both. A bare provider making the same
 * requests in the same host is measured with them, to tell Pulumi's host's share of the overhead from our code's.
 */
import { FloorClient } from "./floor";
import {
  AGENT_KEY_TYPE,
  ORDERS_OF_THREE,
  prepareBenchProject,
  stackConfig,
  startBenchEmulator,
  startConfiguredHost,
  urnOf,
  type BenchEmulator,
  type BenchProject,
} from "./harness";
import type { BenchOptions } from "./options";
import { BARE_PROVIDER_TEXT, BARE_TYPE } from "./bare-provider";
import type { ProviderTexts } from "./providers";
import { median, ratio, round, summarize, type Summary } from "./stats";
import type { Row } from "./table";
import type { ProviderHost } from "../tests/support/provider-host";

export const OPERATIONS = ["create", "read", "delete"] as const;
export type OverheadOperation = (typeof OPERATIONS)[number];

/** Requests each operation needs (create: name check + POST; read and delete with a known runner id: one). */
export const FLOOR_REQUESTS: Record<OverheadOperation, number> = { create: 2, read: 1, delete: 2 };

export const OVERHEAD_TARGET = 1.1;

export interface OperationOverhead {
  /** Milliseconds per operation, over the measured runs. */
  ours: Summary;
  floor: Summary;
  /** median(ours) / median(floor): the headline figure. */
  ratioOfMedians: number | null;
  /** ours / floor of each run (the pair measured back to back). */
  pairedRatio: Summary;
  /**
   * The bare provider (bare-provider.ts: the same requests, nothing else) through the same host, in the same runs.
   * bare - floor is what Pulumi's host, gRPC and the extra process cost any provider; ours - bare is our code's.
   */
  bare: Summary;
  /** median(ours) / median(bare). */
  ratioToBare: number | null;
  /** Requests the emulator saw for our operation, per run (must equal the floor's). */
  oursRequests: number[];
  floorRequests: number;
}

export interface OverheadResult {
  options: BenchOptions["overhead"];
  operations: Record<OverheadOperation, OperationOverhead>;
  target: number;
}

async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await action();
  return { ms: performance.now() - started, result };
}

export async function runOverhead(options: BenchOptions["overhead"], texts: ProviderTexts): Promise<OverheadResult> {
  let env: BenchEmulator | undefined;
  let project: BenchProject | undefined;
  let host: ProviderHost | undefined;
  let floor: FloorClient | undefined;
  try {
    env = await startBenchEmulator({ rateWindowMs: options.rateWindowMs, latencyMs: options.latencyMs });
    project = prepareBenchProject();
    host = await startConfiguredHost(project, stackConfig(env, options.rateWindowMs));
    floor = new FloorClient(env.url, env.admin);
    const samples = Object.fromEntries(
      OPERATIONS.map((op) => [op, { ours: [] as number[], floor: [] as number[], bare: [] as number[], requests: [] as number[] }]),
    ) as Record<OverheadOperation, { ours: number[]; floor: number[]; bare: number[]; requests: number[] }>;
    for (let i = 0; i < options.warmup + options.runs; i++) {
      const measured = i >= options.warmup;
      const run = await oneRun(i, env, host, floor, texts.agentKey);
      if (!measured) continue;
      for (const op of OPERATIONS) {
        samples[op].ours.push(run[op].ours);
        samples[op].floor.push(run[op].floor);
        samples[op].bare.push(run[op].bare);
        samples[op].requests.push(run[op].requests);
      }
    }
    const operations = Object.fromEntries(
      OPERATIONS.map((op) => {
        const s = samples[op];
        const ours = summarize(s.ours);
        const floorSummary = summarize(s.floor);
        return [
          op,
          {
            ours,
            floor: floorSummary,
            ratioOfMedians: ratio(ours.median, floorSummary.median),
            pairedRatio: summarize(s.ours.map((v, k) => v / s.floor[k])),
            bare: summarize(s.bare),
            ratioToBare: ratio(ours.median, median(s.bare)),
            oursRequests: s.requests,
            floorRequests: FLOOR_REQUESTS[op],
          } satisfies OperationOverhead,
        ];
      }),
    ) as Record<OverheadOperation, OperationOverhead>;
    return { options, operations, target: OVERHEAD_TARGET };
  } finally {
    await host?.close();
    await floor?.close();
    project?.cleanup();
    await env?.close();
  }
}

type RunSample = Record<OverheadOperation, { ours: number; floor: number; bare: number; requests: number }>;

type Timed<T> = { ms: number; result: T };

/**
 * One run: a key each way (ours and the bare provider through the host, the floor's directly), created, its agent
 * registered, read, and deleted. Each timed step is a trio measured back to back in a rotating order.
 */
async function oneRun(i: number, env: BenchEmulator, host: ProviderHost, floor: FloorClient, agentKeyText: string): Promise<RunSample> {
  const order = ORDERS_OF_THREE[i % ORDERS_OF_THREE.length];
  const names = { ours: `overhead-ours-${i}`, floor: `overhead-floor-${i}`, bare: `overhead-bare-${i}` };
  const urns = { ours: urnOf(AGENT_KEY_TYPE, names.ours), bare: urnOf(BARE_TYPE, names.bare) };

  const trio = async <A, B, C>(ours: () => Promise<A>, theFloor: () => Promise<B>, bare: () => Promise<C>) => {
    let o: (Timed<A> & { requests: number }) | undefined;
    let f: Timed<B> | undefined;
    let b: Timed<C> | undefined;
    const steps = [
      async () => {
        // Ours also counts its requests at the emulator (outside the timed part).
        const { result, requests } = await env.during(() => timed(ours));
        o = { ...result, requests: requests.length };
      },
      async () => {
        f = await timed(theFloor);
      },
      async () => {
        b = await timed(bare);
      },
    ];
    for (const k of order) await steps[k]();
    return { ours: o!, floor: f!, bare: b! };
  };

  // Check is part of the engine's sequence but makes no request; only Create is timed.
  const checked = await host.check(urns.ours, {}, { __provider: agentKeyText, agentName: names.ours });
  const bareChecked = await host.check(urns.bare, {}, { __provider: BARE_PROVIDER_TEXT, agentName: names.bare });
  const create = await trio(
    () => host.create(urns.ours, checked.inputs),
    () => floor.createKey(names.floor),
    () => host.create(urns.bare, bareChecked.inputs),
  );
  const created = create.ours.result;
  const asKey = (props: Record<string, unknown>) => props as { apiKeyId: string; apiKeySecret: string };

  const oursRunner = await env.register(asKey(created.properties), names.ours);
  const floorRunner = await env.register(create.floor.result, names.floor);
  const bareRunner = await env.register(asKey(create.bare.result.properties), names.bare);
  const bareProps = { ...create.bare.result.properties, runnerId: bareRunner };
  const bareId = create.bare.result.id;

  // The refresh right after registration: one page of the runner list (the create ended any shared walk, so this
  // read makes its own), which records the runner id; the delete then reads that runner and deletes it.
  const read = await trio(
    () => host.read(created.id, urns.ours, created.properties),
    () => floor.readRunner(floorRunner),
    () => host.read(bareId, urns.bare, bareProps),
  );
  const refreshed = read.ours.result;
  if (refreshed.properties.runnerId !== oursRunner) throw new Error(`refresh did not record runner ${oursRunner}`);
  const del = await trio(
    () => host.delete(created.id, urns.ours, refreshed.properties),
    () => floor.deleteRunner(floorRunner),
    () => host.delete(bareId, urns.bare, bareProps),
  );
  const sample = (t: { ours: Timed<unknown> & { requests: number }; floor: Timed<unknown>; bare: Timed<unknown> }) => ({
    ours: t.ours.ms,
    floor: t.floor.ms,
    bare: t.bare.ms,
    requests: t.ours.requests,
  });
  return { create: sample(create), read: sample(read), delete: sample(del) };
}

/** Milliseconds for a note: one decimal. */
const ms = (value: number) => round(value, 1);

export function overheadRows(result: OverheadResult): Row[] {
  return OPERATIONS.map((op) => {
    const o = result.operations[op];
    const extra = o.oursRequests.some((n) => n !== o.floorRequests)
      ? `; ours made ${[...new Set(o.oursRequests)].join("/")} requests, the floor ${o.floorRequests}`
      : "";
    return {
      benchmark: "overhead",
      figure: `overhead: ${op} (${o.floorRequests} req x ${result.options.latencyMs} ms)`,
      ours: o.ours.median,
      referenceName: "undici floor",
      reference: o.floor.median,
      unit: "ms",
      ratio: o.ratioOfMedians,
      target: `<= ${result.target.toFixed(2)}x`,
      met: o.ratioOfMedians !== null && o.ratioOfMedians <= result.target,
      note:
        `${op}: median of ${o.ours.n} runs; ours p10-p90 ${ms(o.ours.p10)}-${ms(o.ours.p90)} ms (IQR ${ms(o.ours.iqr)}), ` +
        `floor p10-p90 ${ms(o.floor.p10)}-${ms(o.floor.p90)} ms (IQR ${ms(o.floor.iqr)}); paired ratio median ${round(o.pairedRatio.median, 2)}x ` +
        `(p10-p90 ${round(o.pairedRatio.p10, 2)}-${round(o.pairedRatio.p90, 2)}); ours - floor = ${ms(o.ours.median - o.floor.median)} ms; ` +
        `bare provider in the same host ${ms(o.bare.median)} ms (${round(o.bare.median / o.floor.median, 2)}x the floor), so ours - bare = ${ms(o.ours.median - o.bare.median)} ms (${round(o.ratioToBare ?? NaN, 3)}x)${extra}`,
    };
  });
}
