/**
 * The least time Soda's rate limits allow for a `pulumi up`, `refresh` or `destroy` of N agent keys, from the same
 * scaled windows the emulator enforces, the least requests each operation needs (bench/requests.ts) and the
 * latency added to each. Any client, however clever, pays it; the engine's own cost comes on top (the trivial
 * stack measures that).
 *
 * - up: per key the name check (a list page) then the POST, in sequence;
 * - refresh: ceil(N / 1000) list pages, in sequence (one list walk serves every read);
 * - destroy: per key a GET of its runner then the DELETE, in sequence.
 * For each Soda operation the first `limit` requests go at once and each later batch one window after the
 * previous, so n requests need (ceil(n / limit) - 1) windows; the slowest operation sets the pace, and the last
 * key's chain of requests still takes its round trips after its window opens. With the engine's `--parallel` P,
 * no more than P keys are in flight, which bounds it from below too when latency, not the limits, is the
 * constraint.
 */
import { scaledRateLimits, type Operation } from "../provider/client/soda-api";

export type Command = "up" | "refresh" | "destroy";
export const COMMANDS: readonly Command[] = ["up", "refresh", "destroy"];

/** The least requests the API allows for a command over N keys, and how many of them one key waits for in turn. */
export function minimumRequests(command: Command, keys: number): { requests: Partial<Record<Operation, number>>; chain: number } {
  switch (command) {
    case "up":
      return { requests: { listRunners: keys, createRunnerKey: keys }, chain: 2 };
    case "refresh": {
      const pages = Math.max(1, Math.ceil(keys / 1000));
      return { requests: { listRunners: pages }, chain: pages };
    }
    case "destroy":
      return { requests: { getRunner: keys, deleteRunner: keys }, chain: 2 };
  }
}

export interface MinimumSettings {
  /** The scaled length of Soda's 60-second windows, milliseconds (emulator and stack alike). */
  rateWindowMs: number;
  /** Latency added to every Soda API request, milliseconds. */
  latencyMs: number;
  /** Resource operations the engine runs at once (`--parallel`). */
  parallel: number;
}

/** The theoretical minimum of a command over N keys, milliseconds, and the parts it is the larger of. */
export function theoreticalMinimumMs(command: Command, keys: number, s: MinimumSettings): { ms: number; rateBoundMs: number; parallelBoundMs: number } {
  const { requests, chain } = minimumRequests(command, keys);
  const limits = scaledRateLimits(s.rateWindowMs);
  let waitMs = 0;
  for (const [op, n] of Object.entries(requests) as [Operation, number][]) {
    waitMs = Math.max(waitMs, (Math.ceil(n / limits[op].limit) - 1) * limits[op].windowMs);
  }
  const rateBoundMs = waitMs + chain * s.latencyMs;
  // A refresh's pages are one walk, not one per key: the engine's parallelism does not multiply them.
  const parallelBoundMs = command === "refresh" ? chain * s.latencyMs : Math.ceil(keys / s.parallel) * chain * s.latencyMs;
  return { ms: Math.max(rateBoundMs, parallelBoundMs), rateBoundMs, parallelBoundMs };
}
