/**
 * What the crash test knows about the emulator's state: the writes it saw acknowledged, and at most one write in
 * flight when the process was killed. `checkRecovery` decides whether a recovered state is acceptable.
 */

/** A runner key as far as the test tracks it; `secret` only for keys whose create was acknowledged. */
export interface ModelKey {
  revoked: boolean;
  runnerId: string | null;
  secret?: string;
}

export interface ModelRunner {
  name: string;
  apiKeyId: string;
}

/** Runner keys and runners (user keys are checked apart). */
export interface Model {
  keys: Map<string, ModelKey>;
  runners: Map<string, ModelRunner>;
}

export type Write = { op: "create" } | { op: "register"; apiKeyId: string; name: string } | { op: "delete"; runnerId: string; apiKeyId: string };

/** `GET /__emulator/state`, the parts checked here. */
export interface StateDump {
  apiKeys: { apiKeyId: string; kind: "user" | "runner"; revoked: boolean; runnerId: string | null }[];
  runners: { id: string; name: string; apiKeyId: string }[];
}

export function emptyModel(): Model {
  return { keys: new Map(), runners: new Map() };
}

/** The model of a dump; secrets are carried over from `previous` for the keys it knows. */
export function modelOf(dump: StateDump, previous?: Model): Model {
  const model = emptyModel();
  for (const k of dump.apiKeys) {
    if (k.kind !== "runner") continue;
    model.keys.set(k.apiKeyId, { revoked: k.revoked, runnerId: k.runnerId, secret: previous?.keys.get(k.apiKeyId)?.secret });
  }
  for (const r of dump.runners) model.runners.set(r.id, { name: r.name, apiKeyId: r.apiKeyId });
  return model;
}

/** Applies an acknowledged write and what its response said. */
export function applyAcknowledged(model: Model, write: Write, response: { apiKeyId?: string; apiKeySecret?: string; runnerId?: string }): void {
  switch (write.op) {
    case "create":
      model.keys.set(response.apiKeyId!, { revoked: false, runnerId: null, secret: response.apiKeySecret });
      return;
    case "register":
      model.runners.set(response.runnerId!, { name: write.name, apiKeyId: write.apiKeyId });
      model.keys.get(write.apiKeyId)!.runnerId = response.runnerId!;
      return;
    case "delete":
      model.runners.delete(write.runnerId);
      model.keys.get(write.apiKeyId)!.revoked = true;
      return;
  }
}

function clone(model: Model): Model {
  return {
    keys: new Map([...model.keys].map(([id, k]) => [id, { ...k }])),
    runners: new Map([...model.runners].map(([id, r]) => [id, { ...r }])),
  };
}

/**
 * The state after the in-flight write landed, with the ids only the lost response would have told (a new key's
 * id, a new runner's id) taken from the recovered state; undefined when the recovered state shows no such landing.
 */
function landed(model: Model, write: Write, recovered: Model): Model | undefined {
  const next = clone(model);
  switch (write.op) {
    case "create": {
      const extra = [...recovered.keys.keys()].filter((id) => !model.keys.has(id));
      if (extra.length !== 1) return undefined;
      next.keys.set(extra[0], { revoked: false, runnerId: null });
      return next;
    }
    case "register": {
      const runner = [...recovered.runners].find(([id, r]) => !model.runners.has(id) && r.name === write.name && r.apiKeyId === write.apiKeyId);
      if (runner === undefined) return undefined;
      next.runners.set(runner[0], { ...runner[1] });
      next.keys.get(write.apiKeyId)!.runnerId = runner[0];
      return next;
    }
    case "delete":
      next.runners.delete(write.runnerId);
      next.keys.get(write.apiKeyId)!.revoked = true;
      return next;
  }
}

function same(a: Model, b: Model): boolean {
  const keys = (m: Model) => JSON.stringify([...m.keys].map(([id, k]) => [id, k.revoked, k.runnerId]).sort());
  const runners = (m: Model) => JSON.stringify([...m.runners].map(([id, r]) => [id, r.name, r.apiKeyId]).sort());
  return keys(a) === keys(b) && runners(a) === runners(b);
}

function summarize(m: Model): string {
  return `${m.keys.size} runner keys (${[...m.keys.values()].filter((k) => k.revoked).length} revoked), ${m.runners.size} runners`;
}

/** Problems with the state's own consistency, whatever the history. */
export function consistencyProblems(dump: StateDump, adminKeyId: string): string[] {
  const problems: string[] = [];
  const keys = new Map(dump.apiKeys.map((k) => [k.apiKeyId, k]));
  const admin = keys.get(adminKeyId);
  if (admin === undefined || admin.kind !== "user" || admin.revoked) problems.push(`the admin key is missing, not a user key, or revoked`);
  const names = new Set<string>();
  for (const r of dump.runners) {
    const key = keys.get(r.apiKeyId);
    if (key === undefined) problems.push(`runner ${r.id} has no key ${r.apiKeyId}`);
    else if (key.kind !== "runner" || key.revoked || key.runnerId !== r.id) problems.push(`runner ${r.id}'s key ${r.apiKeyId} is ${JSON.stringify(key)}`);
    if (names.has(r.name)) problems.push(`two runners are named ${r.name}`);
    names.add(r.name);
  }
  const runnerIds = new Set(dump.runners.map((r) => r.id));
  for (const k of dump.apiKeys) {
    if (k.kind === "runner" && k.runnerId !== null && !runnerIds.has(k.runnerId) && !k.revoked) {
      problems.push(`key ${k.apiKeyId}'s runner ${k.runnerId} is gone but the key is not revoked`);
    }
  }
  return problems;
}

export interface RecoveryVerdict {
  /** Empty when the recovered state is the last acknowledged state or the one after the in-flight write. */
  problems: string[];
  /** Whether the in-flight write is in the recovered state. */
  inFlightLanded: boolean;
}

/** Is the recovered state the acknowledged state, or that state plus the write that was in flight? */
export function checkRecovery(acknowledged: Model, inFlight: Write | undefined, dump: StateDump, adminKeyId: string): RecoveryVerdict {
  const recovered = modelOf(dump);
  const problems = consistencyProblems(dump, adminKeyId);
  if (acknowledged.keys.size > 0 && recovered.keys.size === 0) problems.push("the recovered state is empty although writes had been acknowledged");
  if (same(recovered, acknowledged)) return { problems, inFlightLanded: false };
  const after = inFlight === undefined ? undefined : landed(acknowledged, inFlight, recovered);
  if (after !== undefined && same(recovered, after)) return { problems, inFlightLanded: true };
  const lost = [...acknowledged.keys.keys()].filter((id) => !recovered.keys.has(id));
  problems.push(
    `recovered ${summarize(recovered)}, but the acknowledged state has ${summarize(acknowledged)}` +
      (inFlight === undefined ? " and no write was in flight" : ` and the write in flight was ${JSON.stringify(inFlight)}`) +
      (lost.length > 0 ? `; acknowledged keys lost: ${lost.join(", ")}` : ""),
  );
  return { problems, inFlightLanded: false };
}
