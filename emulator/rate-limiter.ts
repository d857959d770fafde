import type { Clock } from "../provider/client/clock";
import { scaledDatasourceRateLimits, scaledRateLimits, type RateLimit } from "../provider/client/soda-api";
import type { EmulatedOperation } from "./rest-context";

/** Soda's documented limits of every operation the emulator serves, windows scaled as `scaledRateLimits` does. */
export function emulatedRateLimits(rateWindowMs?: number): Record<EmulatedOperation, RateLimit> {
  return { ...scaledRateLimits(rateWindowMs), ...scaledDatasourceRateLimits(rateWindowMs) };
}

/**
 * Soda's per-operation limits as a sliding-window log for the whole organisation (the bucket scope is
 * undocumented; one organisation-wide bucket per operation is the strictest reading, so a client that paces
 * for it works against Soda too). Only accepted requests are logged: a 429 was not processed, so it must not
 * push the window further out.
 */
export class RateLimiter {
  private readonly accepted = new Map<EmulatedOperation, number[]>();

  constructor(
    private readonly limits: Readonly<Record<EmulatedOperation, RateLimit>>,
    private readonly clock: Clock,
  ) {}

  /** Records and allows the request if the operation is under its limit; otherwise records nothing. */
  tryAcquire(operation: EmulatedOperation): boolean {
    const { limit, windowMs } = this.limits[operation];
    const now = this.clock.now();
    const log = this.accepted.get(operation) ?? [];
    // A request exactly windowMs after an accepted one no longer sees it: the window is (now - windowMs, now].
    while (log.length > 0 && now - log[0] >= windowMs) log.shift();
    if (log.length >= limit) return false;
    log.push(now);
    this.accepted.set(operation, log);
    return true;
  }

  /** Forgets every accepted request. */
  reset(): void {
    this.accepted.clear();
  }
}
