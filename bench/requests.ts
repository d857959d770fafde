/**
 * Requests per operation, counted at the emulator: what each SodaAgentKey operation costs in Soda API calls,
 * through one provider host, against the least the API allows. Requests are what Soda rate-limits, so a wasted
 * one is a slower `pulumi up` for every user of the organisation.
 */
import {
  AGENT_KEY_TYPE,
  checkAndCreate,
  inPool,
  prepareBenchProject,
  stackConfig,
  startBenchEmulator,
  startConfiguredHost,
  urnOf,
  type BenchEmulator,
  type BenchProject,
} from "./harness";
import type { BenchOptions } from "./options";
import type { ProviderTexts } from "./providers";
import { ratio } from "./stats";
import type { Row } from "./table";
import type { RequestRecord } from "../emulator/index";
import type { ProviderHost } from "../tests/support/provider-host";

export interface CountedOperation {
  /** What was done, in words. */
  what: string;
  /** Requests the emulator saw. */
  requests: number;
  /** The least the API allows for it. */
  minimum: number;
  /** `METHOD path` of each request, in order (runner ids replaced by {id}); for single operations only. */
  sequence?: string[];
}

export interface RequestsResult {
  options: BenchOptions["requests"];
  operations: {
    create: CountedOperation;
    refreshFirst: CountedOperation;
    read: CountedOperation;
    update: CountedOperation;
    delete: CountedOperation;
  };
  /** Refreshes of many keys, one entry per size (`refreshSizes`). */
  refreshes: RefreshCount[];
  /** 429 answers over the whole benchmark; pacing should make this zero. */
  rateLimited: number;
}

export interface RefreshCount {
  keys: number;
  /** Right after every agent registered: no runner id known yet, each key found by name. */
  idsUnknown: CountedOperation;
  /** The refresh after it, every runner id known. */
  idsKnown: CountedOperation;
}

/** Reads the engine sends at once in a refresh: its `--parallel` default is 4 per CPU, 8 on 2 cores. */
export const REFRESH_PARALLEL = 8;

/** The refresh sizes for a largest size of `keys`: 10, 100 and 1000 below it, and it. */
export function refreshSizes(keys: number): number[] {
  return [...[10, 100, 1000].filter((n) => n < keys), keys];
}

/**
 * The target of a refresh of `keys` keys: one list request per 1000 runners, plus one more, because a snapshot
 * serves reads for one second after its walk and a refresh may outlast that.
 */
export function refreshTarget(keys: number): number {
  return Math.ceil(keys / 1000) + 1;
}

function describe(records: RequestRecord[]): string[] {
  return records.map((r) => `${r.method} ${r.path.replace(/^\/api\/v1\/runners\/[^/]+$/, "/api/v1/runners/{id}")}`);
}

export async function runRequests(options: BenchOptions["requests"], texts: ProviderTexts): Promise<RequestsResult> {
  let env: BenchEmulator | undefined;
  let project: BenchProject | undefined;
  let host: ProviderHost | undefined;
  try {
    env = await startBenchEmulator({ rateWindowMs: options.rateWindowMs });
    project = prepareBenchProject();
    host = await startConfiguredHost(project, stackConfig(env, options.rateWindowMs));
    const h = host;
    const e = env;
    // Every step runs through `track`, so 429 answers are counted over the whole benchmark.
    const seen: RequestRecord[] = [];
    const track = async (action: () => Promise<unknown>) => {
      const { requests } = await e.during(action);
      seen.push(...requests);
      return requests;
    };
    const count = async (what: string, minimum: number, action: () => Promise<unknown>, withSequence = true): Promise<CountedOperation> => {
      const requests = await track(action);
      return { what, requests: requests.length, minimum, ...(withSequence ? { sequence: describe(requests) } : {}) };
    };

    // Each `pulumi refresh` runs, as the engine runs it, in a provider host of its own with the stack's config: here
    // Soda's documented rate-limit windows, so that reads share list walks exactly as a user's would.
    const inRefreshHost = async <T>(action: (refreshHost: ProviderHost) => Promise<T>): Promise<T> => {
      const refreshHost = await startConfiguredHost(project!, documentedWindowsConfig(e));
      try {
        return await action(refreshHost);
      } finally {
        await refreshHost.close();
      }
    };

    // One key through its whole life, each step counted on its own.
    const name = "requests-single";
    const urn = urnOf(AGENT_KEY_TYPE, name);
    let created!: Awaited<ReturnType<typeof checkAndCreate>>;
    const create = await count("check + create of one key", 2, async () => {
      created = await checkAndCreate(h, AGENT_KEY_TYPE, name, { __provider: texts.agentKey, agentName: name });
    });
    await e.register(created.properties as { apiKeyId: string; apiKeySecret: string }, name);
    let refreshed!: Awaited<ReturnType<ProviderHost["read"]>>;
    const refreshFirst = await inRefreshHost((r) =>
      count("refresh after the agent registered (runner id not yet known)", 1, async () => {
        refreshed = await r.read(created.id, urn, created.properties);
      }),
    );
    const read = await inRefreshHost((r) => count("refresh with the runner id known", 1, () => r.read(created.id, urn, refreshed.properties)));
    const news = { __provider: texts.agentKey, agentName: name, rotationPeriod: "30d" };
    // A new period alone is no change at all (the diff says none, so the engine calls no update).
    const update = await count("diff of a new rotationPeriod", 0, async () => {
      const diff = await h.diff(created.id, urn, refreshed.properties, news);
      if (diff.changes !== "none" || diff.replaces.length > 0) throw new Error(`expected no change, got ${JSON.stringify(diff)}`);
    });
    // A delete reads the recorded runner first: it is deleted only while it still has the key's agent name.
    const del = await count("delete with the runner id known", 2, () => h.delete(created.id, urn, refreshed.properties));

    // Many keys: an `up` creates them and their agents register, then two refreshes, each in a host of its own.
    // The organisation starts empty for each size, so the list holds exactly the keys' runners.
    const refreshes: RefreshCount[] = [];
    for (const size of refreshSizes(options.keys)) {
      await e.reset();
      const names = Array.from({ length: size }, (_, i) => `refresh-${size}-${i}`);
      let keys: Awaited<ReturnType<typeof checkAndCreate>>[] = [];
      await track(async () => {
        keys = await inPool(names, 10, (n) => checkAndCreate(h, AGENT_KEY_TYPE, n, { __provider: texts.agentKey, agentName: n }));
      });
      await inPool(names, 10, (n, i) => e.register(keys[i].properties as { apiKeyId: string; apiKeySecret: string }, n));
      const refresh = (what: string, states: Record<string, unknown>[]) =>
        inRefreshHost(async (refreshHost) => {
          let results: Awaited<ReturnType<ProviderHost["read"]>>[] = [];
          const counted = await count(
            what,
            Math.ceil(size / 1000),
            async () => {
              results = await inPool(names, REFRESH_PARALLEL, (n, i) => refreshHost.read(keys[i].id, urnOf(AGENT_KEY_TYPE, n), states[i]));
            },
            false,
          );
          const recorded = results.filter((r) => r.properties.registered === true).length;
          if (recorded !== size) throw new Error(`${what}: ${recorded} of ${size} keys recorded their runner`);
          return { counted, states: results.map((r) => r.properties) };
        });
      const idsUnknown = await refresh(
        `refresh of ${size} keys after their agents registered (runner ids not known)`,
        keys.map((k) => k.properties),
      );
      const idsKnown = await refresh(`refresh of ${size} keys, runner ids known`, idsUnknown.states);
      refreshes.push({ keys: size, idsUnknown: idsUnknown.counted, idsKnown: idsKnown.counted });
    }
    const rateLimited = seen.filter((r) => r.status === 429).length;
    return { options, operations: { create, refreshFirst, read, update, delete: del }, refreshes, rateLimited };
  } finally {
    await host?.close();
    project?.cleanup();
    await env?.close();
  }
}

/** The stack config of a refresh host: Soda's documented rate-limit windows (no `soda:rateWindowMs`). */
function documentedWindowsConfig(env: BenchEmulator): Record<string, string> {
  return { "soda:host": env.url, "soda:apiKeyId": env.admin.apiKeyId, "soda:apiKeySecret": env.admin.apiKeySecret };
}

export function requestsRows(result: RequestsResult): Row[] {
  const { operations: o } = result;
  const row = (figure: string, op: CountedOperation, target: number, note?: string): Row => ({
    benchmark: "requests",
    figure,
    ours: op.requests,
    referenceName: "minimum",
    reference: op.minimum,
    unit: "req",
    ratio: ratio(op.requests, op.minimum),
    target: `<= ${target}`,
    met: op.requests <= target,
    ...(note !== undefined ? { note } : {}),
  });
  const seq = (op: CountedOperation) => (op.sequence === undefined || op.sequence.length === 0 ? "no request" : op.sequence.join(", "));
  return [
    row("requests: create", o.create, 2, `create: ${seq(o.create)}`),
    row("requests: read (runner id known)", o.read, 1, `read: ${seq(o.read)}; the first refresh after registration: ${seq(o.refreshFirst)}`),
    row("requests: update", o.update, 0),
    row("requests: delete (runner id known)", o.delete, 2, `delete: ${seq(o.delete)} (the GET proves the runner still has the key's name)`),
    ...result.refreshes.flatMap((r) => [
      row(
        `requests: refresh of ${r.keys} keys (ids not known)`,
        r.idsUnknown,
        refreshTarget(r.keys),
        `refresh of ${r.keys} keys, ${REFRESH_PARALLEL} reads at a time, each refresh in a host of its own: right after the agents registered ${r.idsUnknown.requests} requests, with runner ids known ${r.idsKnown.requests}; 429 answers over the benchmark: ${result.rateLimited}`,
      ),
      row(`requests: refresh of ${r.keys} keys (ids known)`, r.idsKnown, refreshTarget(r.keys)),
    ]),
  ];
}
