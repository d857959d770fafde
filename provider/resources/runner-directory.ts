import type { Clock } from "../client/clock";
import type { Runner } from "../client/soda-cloud-client";

/**
 * One list walk shared by the reads (refreshes) of one provider process, per endpoint and admin key.
 *
 * The engine sends every Read of a `pulumi refresh` to one provider host, a few at a time (`--parallel`, by default
 * four per CPU), each next one a gRPC round trip after the last answered. Answered one request each, N keys cost N
 * requests against Soda's 60 lists (1000 gets) a minute; answered from one walk of the runner list (1000 runners a
 * page), they cost one request per 1000 runners, however many keys there are.
 *
 * A snapshot serves every read that asks while its walk is in flight, and then every read that follows the last
 * one it served within `idleMs` (one second), for at most `maxAgeMs` (a minute). The reads of one refresh come back
 * to back, as fast as the engine answers them, however long a large refresh takes; a second without a read means
 * that refresh is over. Neither bound follows `soda:rateWindowMs`: the engine's pace, not Soda's limits, decides
 * when a refresh ends. A runner registered or renamed meanwhile shows at the next refresh.
 *
 * Only reads use it, because a stale answer there is never acted on: a runner absent from a snapshot is confirmed
 * with its own GET before a key is dropped (the caller's rule), and a runner registered or renamed in that second
 * shows at the next refresh. A create's name check and every delete fetch fresh data of their own, and the client
 * tells the directory (`invalidate`) as each write of runners starts and ends, so that no read in this process is
 * served what was true before a write this process made.
 */
export class RunnerDirectory {
  private inFlight: Promise<RunnerSnapshot> | undefined;
  private latest: { snapshot: RunnerSnapshot; finishedAt: number; lastServedAt: number } | undefined;
  /** Bumped by `invalidate`: a walk that began before it may still answer the reads that joined it, but not later ones. */
  private generation = 0;

  constructor(
    private readonly listRunners: () => Promise<Runner[]>,
    private readonly clock: Clock,
    readonly idleMs = SNAPSHOT_IDLE_MS,
    readonly maxAgeMs = SNAPSHOT_MAX_AGE_MS,
  ) {}

  /** The runners as one walk saw them: the one in flight, or the latest while reads keep coming, or a new one. */
  snapshot(): Promise<RunnerSnapshot> {
    if (this.inFlight !== undefined) return this.inFlight;
    const now = this.clock.now();
    const latest = this.latest;
    if (latest !== undefined && now - latest.lastServedAt <= this.idleMs && now - latest.finishedAt <= this.maxAgeMs) {
      latest.lastServedAt = now;
      return Promise.resolve(latest.snapshot);
    }
    const generation = this.generation;
    const walk = this.listRunners().then((runners) => {
      const snapshot = new RunnerSnapshot(runners);
      const finishedAt = this.clock.now();
      if (generation === this.generation) this.latest = { snapshot, finishedAt, lastServedAt: finishedAt };
      return snapshot;
    });
    const settled = walk.finally(() => {
      if (this.inFlight === settled) this.inFlight = undefined;
    });
    // A failed walk is not kept: every read that joined it gets the error (after the client's own retries), and
    // the next read walks again.
    this.inFlight = settled;
    return settled;
  }

  /** This process writes runners (a create or a delete starts or ended): later reads walk again. */
  invalidate(): void {
    this.generation++;
    this.latest = undefined;
    this.inFlight = undefined;
  }
}

/** The runners of one walk, by id and by name. */
export class RunnerSnapshot {
  private readonly byIdMap = new Map<string, Runner>();
  private readonly byNameMap = new Map<string, Runner>();

  constructor(runners: readonly Runner[]) {
    for (const runner of runners) {
      this.byIdMap.set(runner.id, runner);
      // Names are unique in an organisation (ASSUMPTIONS); the first one wins, as a search of the list would.
      if (!this.byNameMap.has(runner.name)) this.byNameMap.set(runner.name, runner);
    }
  }

  byId(runnerId: string): Runner | undefined {
    return this.byIdMap.get(runnerId);
  }

  byName(name: string): Runner | undefined {
    return this.byNameMap.get(name);
  }
}

/** A second without a read ends the stream of one refresh's reads. */
export const SNAPSHOT_IDLE_MS = 1_000;
/** However busy, a snapshot is not served for longer than this after its walk. */
export const SNAPSHOT_MAX_AGE_MS = 60_000;
