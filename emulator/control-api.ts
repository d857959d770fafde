import type { IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../provider/client/clock";
import { AGENT_PERMISSION } from "../provider/client/soda-api";
import { verifyKey } from "./auth";
import type { FaultInjector } from "./faults";
import { HttpError, decodeSegment, ok, readJsonBody, type JsonResponse } from "./http";
import { generateKeyPair, hashSecret } from "./keys";
import type { RateLimiter } from "./rate-limiter";
import type { RequestLog } from "./request-log";
import { upsertStartupKeys, type StartupKey } from "./startup-keys";
import { RUNNER_TYPES, type State, type Store, type StoredDatasource, type StoredRunner } from "./store";
import { formatIssues } from "./zod-issues";

/** The emulator internals the control API reaches into. */
export interface ControlContext {
  store: Store;
  faults: FaultInjector;
  limiter: RateLimiter;
  requests: RequestLog;
  clock: Clock;
  startupKeys: readonly StartupKey[];
}

/** The prefix of every control-API path; nothing Soda serves starts with it. */
export const CONTROL_PREFIX = "/__emulator";

// A deployed agent reports its versions; the emulator has none, so it reports fixed, plausible ones.
const EMULATED_AGENT_VERSIONS = { agent: "1.0.0", library: "3.0.0", runner: "1.0.0" } as const;

const RegisterBody = z.strictObject({
  apiKeyId: z.string().min(1),
  apiKeySecret: z.string().min(1),
  name: z.string().min(1),
  type: z.enum(RUNNER_TYPES).optional(),
});

// Without permissions the key is an admin's, the usual reason to make one.
const CreateApiKeyBody = z.strictObject({ permissions: z.array(z.string().min(1)).default([AGENT_PERMISSION]) });

const InUseBody = z.strictObject({ inUse: z.boolean() });

type Handler = (ctx: ControlContext, req: IncomingMessage, params: string[]) => Promise<JsonResponse> | JsonResponse;

const ROUTES: { pattern: RegExp; methods: Record<string, Handler> }[] = [
  { pattern: /^\/agents\/register$/, methods: { POST: registerAgent } },
  { pattern: /^\/api-keys$/, methods: { POST: createApiKey } },
  { pattern: /^\/api-keys\/([^/]+)$/, methods: { DELETE: revokeApiKey } },
  { pattern: /^\/runners\/([^/]+)\/in-use$/, methods: { PUT: setRunnerInUse } },
  {
    pattern: /^\/faults$/,
    methods: {
      GET: (ctx) => ok({ rules: ctx.faults.list() }),
      POST: async (ctx, req) => ok({ rules: ctx.faults.add(await readJsonBody(req)) }),
      DELETE: (ctx) => {
        ctx.faults.clear();
        return ok({ rules: [] });
      },
    },
  },
  { pattern: /^\/state$/, methods: { GET: (ctx) => ok(dumpState(ctx.store.state)) } },
  { pattern: /^\/reset$/, methods: { POST: reset } },
  {
    pattern: /^\/requests$/,
    methods: {
      GET: (ctx) => ok({ requests: ctx.requests.list() }),
      DELETE: (ctx) => {
        ctx.requests.clear();
        return ok({ requests: [] });
      },
    },
  },
];

/**
 * Handles a control-API request (path starting with CONTROL_PREFIX). The control API has no auth and no
 * rate limits: it stands in for things that happen outside the REST API (an agent starting, a user clicking
 * in the UI, a test setting up faults), and the emulator binds to loopback unless told otherwise.
 */
export async function handleControl(ctx: ControlContext, req: IncomingMessage, method: string, path: string): Promise<JsonResponse> {
  const subPath = path.slice(CONTROL_PREFIX.length);
  for (const route of ROUTES) {
    const match = route.pattern.exec(subPath);
    if (match === null) continue;
    const handler = route.methods[method];
    if (handler === undefined) {
      const allowed = Object.keys(route.methods).join(", ");
      throw new HttpError(405, "method_not_allowed", `Method ${method} is not allowed here; use ${allowed}.`, { allow: allowed });
    }
    return handler(ctx, req, match.slice(1).map(decodeSegment));
  }
  throw new HttpError(404, "not_found", `No such control endpoint: ${path}`);
}

async function parseBody<T>(req: IncomingMessage, schema: z.ZodType<T>, fallback?: unknown): Promise<T> {
  const body = (await readJsonBody(req)) ?? fallback;
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, "bad_request", `Invalid request body: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * What a Soda Agent does when it starts with a runner key and `soda.agent.name`: the first registration
 * creates the runner; the same key registering again gets the same runner back (renamed if the name changed).
 */
async function registerAgent(ctx: ControlContext, req: IncomingMessage): Promise<JsonResponse> {
  const body = await parseBody(req, RegisterBody);
  const key = verifyKey(ctx.store.state, body.apiKeyId, body.apiKeySecret);
  if (key === undefined || key.kind !== "runner") {
    throw new HttpError(401, "unauthorized", "Agent registration refused: the key is unknown, revoked, not a runner key, or the secret is wrong.");
  }
  const now = new Date(ctx.clock.now()).toISOString();
  const runner = ctx.store.mutate((draft) => {
    const holder = draft.runners.find((r) => r.name === body.name);
    if (holder !== undefined && holder.apiKeyId !== key.apiKeyId) {
      throw new HttpError(409, "conflict", `An agent with name ${body.name} is already registered.`);
    }
    let own = draft.runners.find((r) => r.apiKeyId === key.apiKeyId);
    if (own === undefined) {
      own = {
        id: randomUUID(),
        name: body.name,
        label: body.name,
        isOnline: true,
        lastSeenTimestamp: now,
        type: body.type ?? "SELF_HOSTED",
        versions: { ...EMULATED_AGENT_VERSIONS },
        inUse: false,
        apiKeyId: key.apiKeyId,
      };
      draft.runners.push(own);
      const draftKey = draft.apiKeys.find((k) => k.apiKeyId === key.apiKeyId);
      if (draftKey !== undefined) draftKey.runnerId = own.id;
    }
    own.name = body.name;
    own.label = body.name;
    own.isOnline = true;
    own.lastSeenTimestamp = now;
    if (body.type !== undefined) own.type = body.type;
    return { ...own };
  });
  return ok({ runner });
}

/** Stands in for Profile > API Keys in the UI, which has no API at Soda. */
async function createApiKey(ctx: ControlContext, req: IncomingMessage): Promise<JsonResponse> {
  const body = await parseBody(req, CreateApiKeyBody, {});
  const key = generateKeyPair();
  ctx.store.mutate((draft) => {
    draft.apiKeys.push({
      apiKeyId: key.apiKeyId,
      secretSha256: hashSecret(key.apiKeySecret),
      kind: "user",
      permissions: [...new Set(body.permissions)],
      revoked: false,
      runnerId: null,
      createdAt: new Date(ctx.clock.now()).toISOString(),
    });
  });
  return ok({ apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret });
}

/** Revokes any key, as a user can in the UI; idempotent. */
function revokeApiKey(ctx: ControlContext, _req: IncomingMessage, [apiKeyId]: string[]): JsonResponse {
  ctx.store.mutate((draft) => {
    const key = draft.apiKeys.find((k) => k.apiKeyId === apiKeyId);
    if (key === undefined) throw new HttpError(404, "not_found", `API key ${apiKeyId} not found.`);
    key.revoked = true;
  });
  return ok({});
}

/** Marks a runner as used by data sources, which is what makes Soda refuse to delete it. */
async function setRunnerInUse(ctx: ControlContext, req: IncomingMessage, [runnerId]: string[]): Promise<JsonResponse> {
  const body = await parseBody(req, InUseBody);
  const runner = ctx.store.mutate((draft) => {
    const found = draft.runners.find((r) => r.id === runnerId);
    if (found === undefined) throw new HttpError(404, "not_found", `Runner ${runnerId} not found.`);
    found.inUse = body.inUse;
    return { ...found };
  });
  return ok({ runner });
}

/** Back to a fresh start: only the startup keys remain (restored if revoked); faults, records and limits go. */
function reset(ctx: ControlContext): JsonResponse {
  const startupIds = new Set(ctx.startupKeys.map((k) => k.apiKeyId));
  ctx.store.mutate((draft) => {
    draft.runners = [];
    draft.datasources = [];
    draft.apiKeys = draft.apiKeys.filter((k) => startupIds.has(k.apiKeyId));
    upsertStartupKeys(draft, ctx.startupKeys, new Date(ctx.clock.now()).toISOString());
  });
  ctx.faults.reset();
  ctx.limiter.reset();
  ctx.requests.clear();
  return ok(dumpState(ctx.store.state));
}

/** A key in the state dump: everything but its secret. */
export interface ApiKeyDump {
  apiKeyId: string;
  kind: "user" | "runner";
  permissions: string[];
  revoked: boolean;
  runnerId: string | null;
  createdAt: string;
}

/** The body of `GET /__emulator/state`. */
export interface StateDump {
  organisationName: string;
  apiKeys: ApiKeyDump[];
  /** Soda's Runner plus `inUse` and `apiKeyId`, which Soda does not show. */
  runners: StoredRunner[];
  /** Soda's data source plus `runnerId`, which Soda's DTO does not show. */
  datasources: StoredDatasource[];
}

/** The state dump: everything the emulator knows, except secrets and their hashes. */
export function dumpState(state: Readonly<State>): StateDump {
  return {
    organisationName: state.organisationName,
    apiKeys: state.apiKeys.map(({ apiKeyId, kind, permissions, revoked, runnerId, createdAt }) => ({
      apiKeyId,
      kind,
      permissions: [...permissions],
      revoked,
      runnerId,
      createdAt,
    })),
    runners: state.runners.map((r) => ({ ...r, versions: { ...r.versions } })),
    datasources: state.datasources.map((d) => ({ ...d })),
  };
}
