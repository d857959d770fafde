/**
 * The peak memory of the provider host that the real engine starts: Pulumi's `pulumi-resource-pulumi-nodejs` is a
 * shell script that runs node on `@pulumi/pulumi/cmd/dynamic-provider`, with cwd = the program directory. The
 * engine gives no handle on it, so it is found in /proc by that command line and that cwd (unique to the
 * benchmark's temp project), and its VmHWM is read on every tick while the command runs. VmHWM is the high-water
 * mark of the resident set over the process's whole life, so the last reading before the host exits is its peak
 * up to then; only what the host allocates in its last tick (its shutdown, after the last resource operation)
 * can be missed. Linux only: elsewhere nothing is found and the figure is reported as not measured.
 */
import * as fs from "node:fs";
import { peakRssKiB } from "../tests/support/process-memory";

/** How often /proc is read while a command runs: often enough that the host's last tick is its shutdown. */
const TICK_MS = 25;

/** What the sampler saw of each provider host. */
export interface HostPeak {
  pid: number;
  /** The last VmHWM read, KiB. */
  peakKiB: number;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // the process exited between listing and reading, or is not ours to read
  }
}

/** Node processes running Pulumi's dynamic provider host with this cwd. */
export function findProviderHosts(cwd: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    // The host is `node <...>/cmd/dynamic-provider/...`; the wrapper script's own `node -e` look-up of that path is not.
    const args = read(`/proc/${entry}/cmdline`)?.split("\0") ?? [];
    if (!(args[1] ?? "").includes("cmd/dynamic-provider")) continue;
    let dir: string;
    try {
      dir = fs.readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue;
    }
    if (dir === cwd) pids.push(Number(entry));
  }
  return pids;
}

/** Samples the provider hosts started in `cwd` while `action` runs; returns its result and each host's peak. */
export async function sampleHostPeaks<T>(cwd: string, action: () => Promise<T>): Promise<{ result: T; hosts: HostPeak[] }> {
  const peaks = new Map<number, number>();
  const tick = () => {
    for (const pid of findProviderHosts(cwd)) {
      const kib = peakRssKiB(pid);
      if (kib !== undefined) peaks.set(pid, Math.max(kib, peaks.get(pid) ?? 0));
    }
  };
  const timer = setInterval(tick, TICK_MS);
  try {
    const result = await action();
    return { result, hosts: [...peaks].map(([pid, peakKiB]) => ({ pid, peakKiB })) };
  } finally {
    clearInterval(timer);
  }
}
