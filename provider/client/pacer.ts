import { abortReason, type Clock } from "./clock";
import type { Operation, RateLimit } from "./soda-api";

/** A permit to send one request; call `release()` once its response (or failure) is in. */
export interface PacerPermit {
  /**
   * `refused`: Soda answered 429. Soda's window is then full whatever this process counted (another process,
   * another stack, shares the organisation's limit), so the lane backs off a whole window, not only this request.
   */
  release(refused?: boolean): void;
}

/** A request the pacer holds back, as `PacerOptions.onWait` sees it. */
export interface PacerWait {
  operation: Operation;
  /** The limit it waits for. */
  rate: RateLimit;
}

/** Hears how long one held-back request still waits. */
export interface WaitObserver {
  /** Milliseconds left as far as the pacer knows now; heard when the wait starts, on every change and every tick. */
  remaining(ms: number): void;
  /** The request got its slot, or gave up. */
  ended(): void;
}

export interface PacerOptions {
  /**
   * Called, in the async context of the request's caller, when a request will wait at least `MIN_OBSERVED_WAIT_MS`;
   * the observer it returns (if any) hears how long is left until the request may go.
   */
  onWait?: (wait: PacerWait) => WaitObserver | undefined;
  /** How often an observed wait hears how long is left, in milliseconds of the pacer's clock. Default `WAIT_PROGRESS_INTERVAL_MS`. */
  progressIntervalMs?: number;
}

/** Waits shorter than this are nobody's concern: they pass before anyone could read about them. */
export const MIN_OBSERVED_WAIT_MS = 1_000;

/** How often an observed wait hears how long is left, by default. */
export const WAIT_PROGRESS_INTERVAL_MS = 5_000;

/**
 * Client-side pacing by Soda's documented per-operation limits, because a 429 carries no Retry-After and the
 * client must not trip the limit in the first place.
 *
 * Each operation keeps a sliding-window log of the times its requests *finished*. A request may start when fewer
 * than `limit` requests are in flight or finished within the last `windowMs`. Counting from the finish (the
 * latest moment Soda can have received a request) rather than the start guarantees that Soda sees no more than
 * `limit` arrivals in any window, whatever the latency, at the cost of one round trip per window. Waiters are
 * served in arrival order.
 */
export class RateLimitPacer {
  private readonly lanes = new Map<Operation, Lane>();

  constructor(
    private readonly limits: Record<Operation, RateLimit>,
    private readonly clock: Clock,
    private readonly options: PacerOptions = {},
  ) {}

  /** Waits until `operation` may send another request. Rejects if `signal` aborts first. */
  acquire(operation: Operation, signal?: AbortSignal): Promise<PacerPermit> {
    let lane = this.lanes.get(operation);
    if (lane === undefined) {
      lane = new Lane(operation, this.limits[operation], this.clock, this.options);
      this.lanes.set(operation, lane);
    }
    return lane.acquire(signal);
  }
}

/** What the pacer knows of one operation's slots at a moment. */
export interface LaneState {
  now: number;
  /** When the requests counted in the window finished, oldest first. */
  finishedAt: readonly number[];
  inFlight: number;
  rate: RateLimit;
}

/**
 * How long, from `now`, until the request at `position` in the queue (0: the first) may start: each request ahead
 * takes the earliest slot and holds it for at least a window from its own start. Requests in flight count as
 * finishing now, so while any is in flight this is a lower bound; it is exact once they have finished.
 */
export function estimatedWaitMs(state: LaneState, position: number): number {
  const { now, rate } = state;
  const inWindow = state.finishedAt.filter((t) => t + rate.windowMs > now);
  let free = Math.max(0, rate.limit - state.inFlight - inWindow.length);
  const freedAt = [...inWindow.map((t) => t + rate.windowMs), ...Array<number>(state.inFlight).fill(now + rate.windowMs)].sort((a, b) => a - b);
  let start = now;
  for (let i = 0; i <= position; i++) {
    if (free > 0) {
      free -= 1;
      start = now;
    } else {
      start = Math.max(now, freedAt.shift() ?? now);
    }
    insertSorted(freedAt, start + rate.windowMs);
  }
  return start - now;
}

interface Waiter {
  observer?: WaitObserver;
  done: boolean;
  stopListening?: () => void;
}

class Lane {
  private readonly finishedAt: number[] = [];
  private inFlight = 0;
  private queue: Promise<void> = Promise.resolve();
  private wakeOnRelease: (() => void) | undefined;
  /** Requests waiting for a slot, in arrival order; the first is the one `waitForSlot` serves. */
  private readonly waiting: Waiter[] = [];
  private readonly progressIntervalMs: number;

  constructor(
    private readonly operation: Operation,
    private readonly rate: RateLimit,
    private readonly clock: Clock,
    private readonly options: PacerOptions,
  ) {
    this.progressIntervalMs = options.progressIntervalMs ?? WAIT_PROGRESS_INTERVAL_MS;
  }

  acquire(signal?: AbortSignal): Promise<PacerPermit> {
    const waiter = this.enqueue(signal);
    const turn = this.queue.then(() => this.waitForSlot(waiter, signal));
    // The next waiter queues behind this one whether it got a slot or gave up.
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn.finally(() => this.dequeue(waiter));
  }

  /** Joins the line; a request that will wait long enough to matter gets an observer, told how long at once. */
  private enqueue(signal?: AbortSignal): Waiter {
    const waiter: Waiter = { done: false };
    const expected = estimatedWaitMs(this.state(this.clock.now()), this.waiting.length);
    this.waiting.push(waiter);
    if (signal !== undefined) {
      // A request that gives up while still queued leaves the line at once (it takes no slot when its turn comes),
      // so that the estimates of those behind it do not count it.
      const onAbort = () => this.dequeue(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
      waiter.stopListening = () => signal.removeEventListener("abort", onAbort);
    }
    if (expected >= MIN_OBSERVED_WAIT_MS && this.options.onWait !== undefined) {
      waiter.observer = this.options.onWait({ operation: this.operation, rate: this.rate });
      waiter.observer?.remaining(expected);
    }
    return waiter;
  }

  private dequeue(waiter: Waiter): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.stopListening?.();
    this.waiting.splice(this.waiting.indexOf(waiter), 1);
    waiter.observer?.ended();
  }

  private async waitForSlot(waiter: Waiter, signal?: AbortSignal): Promise<PacerPermit> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      while (this.finishedAt.length > 0 && this.finishedAt[0] + this.rate.windowMs <= now) this.finishedAt.shift();
      if (this.inFlight + this.finishedAt.length < this.rate.limit) {
        this.inFlight += 1;
        this.dequeue(waiter);
        return { release: once((refused?: boolean) => this.release(refused === true)) };
      }
      this.tellObservers(now);
      await this.nextChange(now, signal);
    }
  }

  private state(now: number): LaneState {
    return { now, finishedAt: this.finishedAt, inFlight: this.inFlight, rate: this.rate };
  }

  private tellObservers(now: number): void {
    const state = this.state(now);
    this.waiting.forEach((waiter, position) => waiter.observer?.remaining(estimatedWaitMs(state, position)));
  }

  /**
   * Resolves when a request finishes or the oldest finished request leaves the window, whichever is first; and,
   * while someone observes a wait, at least every progress interval. A wait only for requests in flight sets no
   * timer: how long it lasts is not known until one of them finishes.
   */
  private async nextChange(now: number, signal?: AbortSignal): Promise<void> {
    const released = new Promise<void>((resolve) => (this.wakeOnRelease = resolve));
    const waits: Promise<void>[] = [released];
    const stopTimer = new AbortController();
    const onAbort = () => stopTimer.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (this.finishedAt.length > 0) {
      const untilSlot = this.finishedAt[0] + this.rate.windowMs - now;
      const observed = this.waiting.some((w) => w.observer !== undefined);
      waits.push(this.clock.sleep(observed ? Math.min(untilSlot, this.progressIntervalMs) : untilSlot, stopTimer.signal));
    } else if (signal !== undefined) {
      waits.push(new Promise((_, reject) => stopTimer.signal.addEventListener("abort", () => reject(abortReason(signal)), { once: true })));
    }
    try {
      await Promise.race(waits);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      stopTimer.abort();
    }
  }

  private release(refused: boolean): void {
    this.inFlight -= 1;
    const now = this.clock.now();
    if (refused) {
      // Soda's window is full now: as if the whole limit had just finished, so no slot opens for a window.
      this.finishedAt.length = 0;
      for (let i = 0; i < this.rate.limit; i++) this.finishedAt.push(now);
    } else {
      this.finishedAt.push(now);
    }
    const wake = this.wakeOnRelease;
    this.wakeOnRelease = undefined;
    wake?.();
  }
}

function insertSorted(sorted: number[], value: number): void {
  let i = sorted.length;
  while (i > 0 && sorted[i - 1] > value) i -= 1;
  sorted.splice(i, 0, value);
}

function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let done = false;
  return (...args: A) => {
    if (done) return;
    done = true;
    fn(...args);
  };
}
