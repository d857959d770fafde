/**
 * Memory: the peak resident set size (VmHWM) of the provider host process while it handles many keys through one
 * host (create, the agents register, then delete), against the same host running a trivial provider through the
 * same calls. Read from /proc/<pid>/status, so Linux only; elsewhere the figure is reported as not measured.
 */
import {
  AGENT_KEY_TYPE,
  checkAndCreate,
  inPool,
  peakRssKiB,
  prepareBenchProject,
  stackConfig,
  startBenchEmulator,
  startConfiguredHost,
  urnOf,
  type BenchEmulator,
  type BenchProject,
} from "./harness";
import { BARE_PROVIDER_TEXT, BARE_TYPE } from "./bare-provider";
import type { BenchOptions } from "./options";
import { TRIVIAL_TYPE, type ProviderTexts } from "./providers";
import { ratio, round } from "./stats";
import type { Row } from "./table";
import type { ProviderHost } from "../tests/support/provider-host";

export interface MemorySide {
  /** VmHWM after Configure, before any resource call, KiB. */
  idleKiB: number | null;
  /** VmHWM after the workload, KiB: the peak over the host's whole life. */
  peakKiB: number | null;
}

export interface MemoryResult {
  options: BenchOptions["memory"];
  ours: MemorySide;
  trivial: MemorySide;
  /** The bare provider (undici and the same requests, nothing else) through the same workload. */
  bare: MemorySide;
}

async function workload(
  project: BenchProject,
  config: Record<string, string>,
  options: BenchOptions["memory"],
  keyInputs: (name: string) => { type: string; inputs: Record<string, unknown> },
  /** Runs after each create; returns the state delete gets. */
  afterCreate?: (name: string, properties: Record<string, unknown>) => Promise<Record<string, unknown>>,
): Promise<MemorySide> {
  let host: ProviderHost | undefined;
  try {
    const h = (host = await startConfiguredHost(project, config));
    const idleKiB = peakRssKiB(h.pid);
    const names = Array.from({ length: options.keys }, (_, i) => `memory-${i}`);
    const created = await inPool(names, options.concurrency, async (name) => {
      const { type, inputs } = keyInputs(name);
      const result = await checkAndCreate(h, type, name, inputs);
      const state = afterCreate === undefined ? result.properties : await afterCreate(name, result.properties);
      return { type, id: result.id, state };
    });
    await inPool(names, options.concurrency, (name, i) => h.delete(created[i].id, urnOf(created[i].type, name), created[i].state));
    return { idleKiB, peakKiB: peakRssKiB(h.pid) };
  } finally {
    await host?.close();
  }
}

export async function runMemory(options: BenchOptions["memory"], texts: ProviderTexts): Promise<MemoryResult> {
  let env: BenchEmulator | undefined;
  let project: BenchProject | undefined;
  try {
    env = await startBenchEmulator({ rateWindowMs: options.rateWindowMs });
    project = prepareBenchProject();
    const e = env;
    const config = stackConfig(e, options.rateWindowMs);
    const asKey = (props: Record<string, unknown>) => props as { apiKeyId: string; apiKeySecret: string };
    // Each agent registers after its key is made, so delete finds the runner (by name: a list, then the DELETE).
    const ours = await workload(
      project,
      config,
      options,
      (name) => ({ type: AGENT_KEY_TYPE, inputs: { __provider: texts.agentKey, agentName: name } }),
      async (name, props) => {
        await e.register(asKey(props), name);
        return props;
      },
    );
    const trivial = await workload(project, config, options, () => ({ type: TRIVIAL_TYPE, inputs: { __provider: texts.trivial } }));
    // The bare provider cannot look a runner up by name: it is handed the id, as a refresh would record it.
    const bare = await workload(
      project,
      config,
      options,
      (name) => ({ type: BARE_TYPE, inputs: { __provider: BARE_PROVIDER_TEXT, agentName: name } }),
      async (name, props) => ({ ...props, runnerId: await e.register(asKey(props), name) }),
    );
    return { options, ours, trivial, bare };
  } finally {
    project?.cleanup();
    await env?.close();
  }
}

const mib = (kib: number | null) => (kib === null ? null : round(kib / 1024, 1));

export function memoryRows(result: MemoryResult): Row[] {
  const { ours, trivial, bare, options } = result;
  return [
    {
      benchmark: "memory",
      figure: `memory: host peak RSS, ${options.keys} keys`,
      ours: mib(ours.peakKiB),
      referenceName: "trivial provider",
      reference: mib(trivial.peakKiB),
      unit: "MiB",
      ratio: ours.peakKiB === null || trivial.peakKiB === null ? null : ratio(ours.peakKiB, trivial.peakKiB),
      target: "report only",
      met: null,
      note:
        ours.peakKiB === null
          ? "memory: no /proc here (not Linux), so VmHWM could not be read"
          : `memory: VmHWM of the host process; ${options.keys} keys created then deleted, ${options.concurrency} at a time; ` +
            `after Configure ${mib(ours.idleKiB)} MiB (trivial ${mib(trivial.idleKiB)} MiB); ours - trivial = ${round((ours.peakKiB - trivial.peakKiB!) / 1024, 1)} MiB; ` +
            `bare provider (undici + the same requests) ${mib(bare.peakKiB)} MiB`,
    },
  ];
}
