import type { Clock } from "./clock";
import type { Operation, RateLimit } from "./soda-api";

/** A permit to send one request; call `release()` once its response (or failure) is in. */
export interface PacerPermit {
  release(): void;
}

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
  ) {}

  /** Waits until `operation` may send another request. Rejects if `signal` aborts first. */
  acquire(operation: Operation, signal?: AbortSignal): Promise<PacerPermit> {
    let lane = this.lanes.get(operation);
    if (lane === undefined) {
      lane = new Lane(this.limits[operation], this.clock);
      this.lanes.set(operation, lane);
    }
    return lane.acquire(signal);
  }
}

class Lane {
  private readonly finishedAt: number[] = [];
  private inFlight = 0;
  private queue: Promise<void> = Promise.resolve();
  private wakeOnRelease: (() => void) | undefined;

  constructor(
    private readonly rate: RateLimit,
    private readonly clock: Clock,
  ) {}

  acquire(signal?: AbortSignal): Promise<PacerPermit> {
    const turn = this.queue.then(() => this.waitForSlot(signal));
    // The next waiter queues behind this one whether it got a slot or gave up.
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async waitForSlot(signal?: AbortSignal): Promise<PacerPermit> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      while (this.finishedAt.length > 0 && this.finishedAt[0] + this.rate.windowMs <= now) this.finishedAt.shift();
      if (this.inFlight + this.finishedAt.length < this.rate.limit) {
        this.inFlight += 1;
        return { release: once(() => this.release()) };
      }
      await this.nextChange(now, signal);
    }
  }

  /** Resolves when a request finishes or the oldest finished request leaves the window, whichever is first. */
  private async nextChange(now: number, signal?: AbortSignal): Promise<void> {
    const released = new Promise<void>((resolve) => (this.wakeOnRelease = resolve));
    const waits: Promise<void>[] = [released];
    const stopTimer = new AbortController();
    const onAbort = () => stopTimer.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (this.finishedAt.length > 0) {
      waits.push(this.clock.sleep(this.finishedAt[0] + this.rate.windowMs - now, stopTimer.signal));
    } else if (signal !== undefined) {
      waits.push(new Promise((_, reject) => stopTimer.signal.addEventListener("abort", () => reject(signal.reason), { once: true })));
    }
    try {
      await Promise.race(waits);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      stopTimer.abort();
    }
  }

  private release(): void {
    this.inFlight -= 1;
    this.finishedAt.push(this.clock.now());
    const wake = this.wakeOnRelease;
    this.wakeOnRelease = undefined;
    wake?.();
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
