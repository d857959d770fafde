/**
 * Cold start: from spawning Pulumi's provider host to the first Create done (Configure, Check, Create, as the
 * engine runs them), with our provider, a trivial one (no requires, no requests) and a bare one (bare-provider.ts:
 * undici and the same two requests, nothing else). The host's own start (spawn to its port) runs no provider code
 * and is the same for all, so the figures are judged on the part after it. The target is on ours - bare, our own
 * load cost: what any provider making these requests pays (bare - trivial: loading undici, the first connection)
 * is not ours to save. The three alternate run by run in rotating order; the emulator adds no latency.
 */
import { BARE_PROVIDER_TEXT, BARE_TYPE } from "./bare-provider";
import {
  AGENT_KEY_TYPE,
  ORDERS_OF_THREE,
  checkAndCreate,
  prepareBenchProject,
  stackConfig,
  startBenchEmulator,
  startConfiguredHost,
  type BenchEmulator,
  type BenchProject,
} from "./harness";
import type { BenchOptions } from "./options";
import { TRIVIAL_TYPE, type ProviderTexts } from "./providers";
import { ratio, round, summarize, type Summary } from "./stats";
import type { Row } from "./table";
import type { ProviderHost } from "../tests/support/provider-host";

/** Our load cost over the bare provider, milliseconds: the figure must stay under it. */
export const LOAD_COST_TARGET_MS = 20;

export interface ColdStartSide {
  /** Spawn to the first Create done, milliseconds. */
  total: Summary;
  /** Spawn to the host having printed its port and answered Configure (no provider code has run yet). */
  hostReady: Summary;
  /** From then to the first Create done: Check and Create, loading the provider on the way. */
  firstCreate: Summary;
}

export interface ColdStartResult {
  options: BenchOptions["coldStart"];
  ours: ColdStartSide;
  trivial: ColdStartSide;
  bare: ColdStartSide;
  /** median(ours.total) - median(trivial.total). */
  differenceMs: number;
  /**
   * The same for the part after the host is ready (Check + first Create). It leaves out the host's own start,
   * which runs the same code for every provider and is by far the noisiest part.
   */
  firstCreateDifferenceMs: number;
  /** median(ours.firstCreate) - median(bare.firstCreate): our code's share, the target's figure. */
  oursOverBareMs: number;
  targetMs: number;
}

interface ColdSample {
  total: number;
  hostReady: number;
  firstCreate: number;
}

async function coldRun(
  project: BenchProject,
  config: Record<string, string>,
  type: string,
  inputs: Record<string, unknown>,
  name: string,
): Promise<ColdSample> {
  let host: ProviderHost | undefined;
  try {
    const started = performance.now();
    host = await startConfiguredHost(project, config);
    // The host answers Configure by storing the config; it loads a provider only when a call names one.
    const ready = performance.now();
    await checkAndCreate(host, type, name, inputs);
    const done = performance.now();
    return { total: done - started, hostReady: ready - started, firstCreate: done - ready };
  } finally {
    await host?.close();
  }
}

export async function runColdStart(options: BenchOptions["coldStart"], texts: ProviderTexts): Promise<ColdStartResult> {
  let env: BenchEmulator | undefined;
  let project: BenchProject | undefined;
  try {
    env = await startBenchEmulator({ rateWindowMs: options.rateWindowMs });
    project = prepareBenchProject();
    const p = project;
    const config = stackConfig(env, options.rateWindowMs);
    const kinds = [
      (i: number) => coldRun(p, config, AGENT_KEY_TYPE, { __provider: texts.agentKey, agentName: `cold-ours-${i}` }, `cold-ours-${i}`),
      (i: number) => coldRun(p, config, TRIVIAL_TYPE, { __provider: texts.trivial }, `cold-trivial-${i}`),
      (i: number) => coldRun(p, config, BARE_TYPE, { __provider: BARE_PROVIDER_TEXT, agentName: `cold-bare-${i}` }, `cold-bare-${i}`),
    ];
    // Unmeasured starts of each first, so no side pays for filling the OS file cache.
    for (let w = 1; w <= options.warmup; w++) for (const kind of kinds) await kind(-w);
    const samples: ColdSample[][] = [[], [], []];
    for (let i = 0; i < options.runs; i++) {
      for (const k of ORDERS_OF_THREE[i % ORDERS_OF_THREE.length]) samples[k].push(await kinds[k](i));
    }
    const side = (s: ColdSample[]): ColdStartSide => ({
      total: summarize(s.map((x) => x.total)),
      hostReady: summarize(s.map((x) => x.hostReady)),
      firstCreate: summarize(s.map((x) => x.firstCreate)),
    });
    const [ours, trivial, bare] = samples.map(side);
    return {
      options,
      ours,
      trivial,
      bare,
      differenceMs: round(ours.total.median - trivial.total.median, 1),
      firstCreateDifferenceMs: round(ours.firstCreate.median - trivial.firstCreate.median, 1),
      oursOverBareMs: round(ours.firstCreate.median - bare.firstCreate.median, 1),
      targetMs: LOAD_COST_TARGET_MS,
    };
  } finally {
    project?.cleanup();
    await env?.close();
  }
}

/** Milliseconds for a note: whole. */
const ms = (value: number) => Math.round(value);

export function coldStartRows(result: ColdStartResult): Row[] {
  const { ours, trivial, bare } = result;
  return [
    {
      benchmark: "coldStart",
      figure: "cold start: spawn -> first Create done",
      ours: ours.total.median,
      referenceName: "trivial provider",
      reference: trivial.total.median,
      unit: "ms",
      ratio: ratio(ours.total.median, trivial.total.median),
      target: "report only",
      met: null,
      note:
        `cold start, medians of ${ours.total.n} runs each: spawn -> first Create ${ms(ours.total.median)} vs ${ms(trivial.total.median)} ms (difference ${result.differenceMs} ms), ` +
        `of which spawn -> host ready ${ms(ours.hostReady.median)} vs ${ms(trivial.hostReady.median)} ms (the same code for both, so only noise: ` +
        `p10-p90 ${ms(ours.hostReady.p10)}-${ms(ours.hostReady.p90)} vs ${ms(trivial.hostReady.p10)}-${ms(trivial.hostReady.p90)})`,
    },
    {
      benchmark: "coldStart",
      figure: "cold start: load cost (Check + first Create)",
      ours: ours.firstCreate.median,
      referenceName: "bare provider",
      reference: bare.firstCreate.median,
      unit: "ms",
      ratio: ratio(ours.firstCreate.median, bare.firstCreate.median),
      target: `ours - bare < ${result.targetMs} ms`,
      met: result.oursOverBareMs < result.targetMs,
      note:
        `load cost: from the host ready to the first Create done (the provider loaded, Check, Create): ours - bare (undici + the same 2 requests, nothing else) = ${result.oursOverBareMs} ms ` +
        `(ours p10-p90 ${ms(ours.firstCreate.p10)}-${ms(ours.firstCreate.p90)}, bare ${ms(bare.firstCreate.p10)}-${ms(bare.firstCreate.p90)}). ` +
        `Trivial provider (no require, no request): ${ms(trivial.firstCreate.median)} ms, so bare - trivial (undici and the first requests, any such provider's) = ` +
        `${ms(bare.firstCreate.median - trivial.firstCreate.median)} ms and ours - trivial = ${result.firstCreateDifferenceMs} ms`,
    },
  ];
}
