import type { Clock } from "../../provider/client/clock";

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * A clock that moves only when told to. With `autoAdvance`, whenever something sleeps it jumps (after
 * `settleMs` real milliseconds, to let loopback I/O in flight finish) to the earliest pending wake-up, so code
 * that paces itself over minutes runs in milliseconds while keeping its order of events.
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private autoTick: NodeJS.Timeout | undefined;

  constructor(
    start: number | string = "2026-01-01T00:00:00.000Z",
    private readonly autoAdvance = false,
    private readonly settleMs = 1,
  ) {
    this.current = typeof start === "string" ? Date.parse(start) : start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.timers.push(timer);
      this.scheduleAutoAdvance();
    });
  }

  /** Moves time forward and wakes every sleeper whose time has come, in time order. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** Sleepers not yet woken. */
  pending(): number {
    return this.timers.length;
  }

  private advanceTo(time: number): void {
    this.current = Math.max(this.current, time);
    const due = this.timers.filter((t) => t.at <= this.current).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.current);
    for (const timer of due) timer.resolve();
  }

  private scheduleAutoAdvance(): void {
    if (!this.autoAdvance || this.autoTick !== undefined) return;
    this.autoTick = setTimeout(() => {
      this.autoTick = undefined;
      if (this.timers.length === 0) return;
      this.advanceTo(Math.min(...this.timers.map((t) => t.at)));
      this.scheduleAutoAdvance();
    }, this.settleMs);
  }
}
