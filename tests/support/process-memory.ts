import { readFileSync } from "node:fs";

/**
 * Peak resident set size (VmHWM) of a live process, in KiB; undefined where /proc is not available, or once the
 * process has exited (or is not ours to read).
 */
export function peakRssKiB(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}
