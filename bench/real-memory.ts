/**
 * Peak memory of the provider host that the real engine starts, for many keys: VmHWM of the host process
 * (bench/host-memory.ts) at the end of `pulumi up` and of the `pulumi refresh` after every agent registered, for
 * N agent keys and, as the reference, N trivial dynamic resources (the same host, program and engine). Linux only.
 */
import { inPool } from "./harness";
import { sampleHostPeaks } from "./host-memory";
import type { BenchOptions } from "./options";
import { withBenchStacks, type BenchStack } from "./real-engine-stack";
import type { Command } from "./real-engine-minimum";
import { ratio, round } from "./stats";
import type { Row } from "./table";

export interface HostPeaks {
  /** VmHWM of the provider host at the end of each command, KiB; null when no host was found (not Linux). */
  upKiB: number | null;
  refreshKiB: number | null;
  /** Wall time of each command, milliseconds. */
  upMs: number;
  refreshMs: number;
  /** The provider hosts found, so that a test can check none outlived its command. */
  hostPids: number[];
}

export interface RealMemoryResult {
  options: BenchOptions["memory"];
  ours: HostPeaks;
  trivial: HostPeaks;
  /** 429 answers seen while ours ran. */
  rateLimited: number;
}

async function peakOf(stack: BenchStack, command: Command): Promise<{ kib: number | null; ms: number; pids: number[] }> {
  const { result: ms, hosts } = await sampleHostPeaks(stack.project.dir, () => stack.timed(command));
  // One host per command: the engine starts one for every resource of the same provider text.
  return { kib: hosts.length === 0 ? null : Math.max(...hosts.map((h) => h.peakKiB)), ms: round(ms, 0), pids: hosts.map((h) => h.pid) };
}

async function measure(stack: BenchStack, keys: number, afterUp: () => Promise<void>): Promise<HostPeaks> {
  await stack.setKeys(keys);
  const up = await peakOf(stack, "up");
  await afterUp();
  const refresh = await peakOf(stack, "refresh");
  // No destroy: the emulator and the stack's backend are thrown away whole.
  return { upKiB: up.kib, refreshKiB: refresh.kib, upMs: up.ms, refreshMs: refresh.ms, hostPids: [...up.pids, ...refresh.pids] };
}

export async function runRealMemory(options: BenchOptions["memory"]): Promise<RealMemoryResult> {
  return withBenchStacks(options, async (e, ours, trivial) => {
    const trivialPeaks = await measure(trivial, options.keys, async () => undefined);
    const { result: oursPeaks, requests } = await e.during(() =>
      measure(ours, options.keys, async () => {
        // The agents start, so the refresh reads every runner as a user's would.
        const keys = await ours.agentKeys();
        await inPool(keys, 16, (key) => e.register(key, key.name));
      }),
    );
    const rateLimited = requests.filter((r) => r.status === 429).length;
    return { options, ours: oursPeaks, trivial: trivialPeaks, rateLimited };
  });
}

const mib = (kib: number | null) => (kib === null ? null : round(kib / 1024, 1));

export function realMemoryRows(result: RealMemoryResult): Row[] {
  const { ours, trivial, options } = result;
  const measured = ours.refreshKiB !== null && trivial.refreshKiB !== null;
  return [
    {
      benchmark: "memory",
      figure: `memory: provider host peak RSS, refresh of ${options.keys} keys`,
      ours: mib(ours.refreshKiB),
      referenceName: "trivial resources",
      reference: mib(trivial.refreshKiB),
      unit: "MiB",
      ratio: measured ? ratio(ours.refreshKiB!, trivial.refreshKiB!) : null,
      target: "report only",
      met: null,
      note: !measured
        ? "memory: no provider host found in /proc (not Linux?), so VmHWM could not be read"
        : `memory: VmHWM of the pulumi-resource-pulumi-nodejs host the real engine started, read from /proc at the end of each command; ` +
          `refresh ${mib(ours.refreshKiB)} MiB (trivial ${mib(trivial.refreshKiB)} MiB, ours - trivial ${round((ours.refreshKiB! - trivial.refreshKiB!) / 1024, 1)} MiB); ` +
          `up ${mib(ours.upKiB)} MiB (trivial ${mib(trivial.upKiB)} MiB); up took ${ours.upMs} ms (trivial ${trivial.upMs} ms), refresh ${ours.refreshMs} ms (trivial ${trivial.refreshMs} ms); ` +
          `${options.latencyMs} ms latency, windows ${options.rateWindowMs} ms; ${result.rateLimited} 429s`,
    },
  ];
}
