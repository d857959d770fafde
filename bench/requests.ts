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
import type { RequestRecord } from "../emulator";
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
    refreshAllFirst: CountedOperation;
    refreshAll: CountedOperation;
  };
  /** 429 answers over the whole benchmark; pacing should make this zero. */
  rateLimited: number;
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

    // One key through its whole life, each step counted on its own.
    const name = "requests-single";
    const urn = urnOf(AGENT_KEY_TYPE, name);
    let created!: Awaited<ReturnType<typeof checkAndCreate>>;
    const create = await count("check + create of one key", 2, async () => {
      created = await checkAndCreate(h, AGENT_KEY_TYPE, name, { __provider: texts.agentKey, agentName: name });
    });
    await e.register(created.properties as { apiKeyId: string; apiKeySecret: string }, name);
    let refreshed!: Awaited<ReturnType<ProviderHost["read"]>>;
    const refreshFirst = await count("refresh after the agent registered (runner id not yet known)", 1, async () => {
      refreshed = await h.read(created.id, urn, created.properties);
    });
    const read = await count("refresh with the runner id known", 1, () => h.read(created.id, urn, refreshed.properties));
    const news = { __provider: texts.agentKey, agentName: name, rotationPeriod: "30d" };
    // A new period alone is no change at all (the diff says none, so the engine calls no update).
    const update = await count("diff of a new rotationPeriod", 0, async () => {
      const diff = await h.diff(created.id, urn, refreshed.properties, news);
      if (diff.changes !== "none" || diff.replaces.length > 0) throw new Error(`expected no change, got ${JSON.stringify(diff)}`);
    });
    // A delete reads the recorded runner first: it is deleted only while it still has the key's agent name.
    const del = await count("delete with the runner id known", 2, () => h.delete(created.id, urn, refreshed.properties));

    // Many keys in one host, as one `pulumi up` then `pulumi refresh` would run them (10 at a time).
    const names = Array.from({ length: options.keys }, (_, i) => `requests-many-${i}`);
    let keys: Awaited<ReturnType<typeof checkAndCreate>>[] = [];
    await track(async () => {
      keys = await inPool(names, 10, (n) => checkAndCreate(h, AGENT_KEY_TYPE, n, { __provider: texts.agentKey, agentName: n }));
    });
    await inPool(names, 10, (n, i) => e.register(keys[i].properties as { apiKeyId: string; apiKeySecret: string }, n));
    let states: Record<string, unknown>[] = [];
    const refreshAllFirst = await count(
      `refresh of ${options.keys} keys after their agents registered`,
      options.keys,
      async () => {
        const results = await inPool(names, 10, (n, i) => h.read(keys[i].id, urnOf(AGENT_KEY_TYPE, n), keys[i].properties));
        states = results.map((r) => r.properties);
      },
      false,
    );
    const refreshAll = await count(
      `refresh of ${options.keys} keys, runner ids known`,
      options.keys,
      () => inPool(names, 10, (n, i) => h.read(keys[i].id, urnOf(AGENT_KEY_TYPE, n), states[i])),
      false,
    );
    const rateLimited = seen.filter((r) => r.status === 429).length;
    return { options, operations: { create, refreshFirst, read, update, delete: del, refreshAllFirst, refreshAll }, rateLimited };
  } finally {
    await host?.close();
    project?.cleanup();
    await env?.close();
  }
}

export function requestsRows(result: RequestsResult): Row[] {
  const { operations: o, options } = result;
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
    row(
      `requests: refresh of ${options.keys} keys`,
      o.refreshAllFirst,
      Math.floor(options.keys * 1.05),
      `refresh of ${options.keys} keys right after their agents registered (by name: ${o.refreshAllFirst.requests} requests), and again with runner ids known (${o.refreshAll.requests}); 429 answers over the benchmark: ${result.rateLimited}`,
    ),
    row(`requests: refresh of ${options.keys} keys (runner ids known)`, o.refreshAll, Math.floor(options.keys * 1.05)),
  ];
}
