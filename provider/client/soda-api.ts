/**
 * What Soda Cloud documents about its REST API, in one place, shared by the client (which paces itself by
 * these limits) and the emulator (which enforces them). Behaviour Soda does not document is listed in
 * `ASSUMPTIONS` below and in the README; nothing else in the code may assume more.
 */

/** The two regions Soda Cloud runs in; no other exists. */
export const REGION_HOSTS = {
  eu: "https://cloud.soda.io",
  us: "https://cloud.us.soda.io",
} as const;

export type Region = keyof typeof REGION_HOSTS;

export const DEFAULT_HOST = REGION_HOSTS.eu;

/** The REST operations this project uses, named as the client names them. */
export type Operation = "testLogin" | "createRunnerKey" | "listRunners" | "getRunner" | "deleteRunner";

export interface RateLimit {
  /** Requests allowed in any window of `windowMs`. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** The length of the documented 60-second windows; `rateWindowMs` options scale every window by it. */
export const DOCUMENTED_WINDOW_MS = 60_000;

/** Documented per-operation rate limits. A 429 carries no Retry-After and no rate-limit headers. */
export const DOCUMENTED_RATE_LIMITS: Readonly<Record<Operation, RateLimit>> = {
  testLogin: { limit: 10, windowMs: 10_000 },
  createRunnerKey: { limit: 10, windowMs: 60_000 },
  listRunners: { limit: 60, windowMs: 60_000 },
  getRunner: { limit: 1000, windowMs: 60_000 },
  deleteRunner: { limit: 10, windowMs: 60_000 },
};

/**
 * Soda's data-source operations (its published OpenAPI, v4 public API), which a data source's runner binding
 * goes through. The provider does not call them yet; the emulator serves them.
 */
export type DatasourceOperation = "createDatasource" | "updateDatasource" | "listDatasources" | "getDatasource";

/** Documented data-source limits: create and update 10 / 60 s, list 60 / 60 s; get's is assumed (ASSUMPTIONS). */
export const DOCUMENTED_DATASOURCE_RATE_LIMITS: Readonly<Record<DatasourceOperation, RateLimit>> = {
  createDatasource: { limit: 10, windowMs: 60_000 },
  updateDatasource: { limit: 10, windowMs: 60_000 },
  listDatasources: { limit: 60, windowMs: 60_000 },
  getDatasource: { limit: 60, windowMs: 60_000 },
};

/**
 * The documented limits with every window scaled so that the 60-second windows last `rateWindowMs`
 * (the 10-second test-login window scales by the same factor). Tests and benchmarks use this to run the
 * real pacing logic in seconds instead of minutes; emulator and client must be given the same value.
 */
export function scaledRateLimits(rateWindowMs?: number): Record<Operation, RateLimit> {
  return scaleWindows(DOCUMENTED_RATE_LIMITS, rateWindowMs);
}

/** The data-source limits, scaled as `scaledRateLimits` scales the others. */
export function scaledDatasourceRateLimits(rateWindowMs?: number): Record<DatasourceOperation, RateLimit> {
  return scaleWindows(DOCUMENTED_DATASOURCE_RATE_LIMITS, rateWindowMs);
}

function scaleWindows<K extends string>(limits: Readonly<Record<K, RateLimit>>, rateWindowMs: number | undefined): Record<K, RateLimit> {
  const factor = rateWindowMs === undefined ? 1 : rateWindowMs / DOCUMENTED_WINDOW_MS;
  const scaled = {} as Record<K, RateLimit>;
  for (const [op, { limit, windowMs }] of Object.entries(limits) as [K, RateLimit][]) {
    scaled[op] = { limit, windowMs: Math.max(1, Math.round(windowMs * factor)) };
  }
  return scaled;
}

/** `GET /api/v1/runners` accepts page sizes in this range; anything else is a 400. */
export const RUNNER_PAGE_SIZE = { min: 10, max: 1000, default: 10 } as const;

/** `GET /api/v1/datasources` pages as the runner list does (assumed: see ASSUMPTIONS). */
export const DATASOURCE_PAGE_SIZE = RUNNER_PAGE_SIZE;

/** The response header Soda uses for its request trace id. */
export const TRACE_ID_HEADER = "x-soda-trace-id";

/** The permission needed to create runner keys and delete runners (alias MANAGE_DATASOURCES_AND_RUNNERS). */
export const AGENT_PERMISSION = "MANAGE_DATASOURCES_AND_AGENTS";
export const AGENT_PERMISSION_ALIAS = "MANAGE_DATASOURCES_AND_RUNNERS";

/**
 * Behaviour Soda does not document, which this project assumes (the emulator reproduces it, the
 * provider relies on it). Kept here, and in the README, so a change in Soda's behaviour has one place to land.
 */
export const ASSUMPTIONS = [
  "A runner appears only once an agent registers with its key, under its configured name; create returns no runner id.",
  "The same key registering again gets the same runner.",
  "Registering a name that another runner holds is refused (409), so agent names are unique in an organisation.",
  "Deleting a runner revokes its key; a key that never registered cannot be revoked through the API.",
  "Runner keys cannot call the REST API (401).",
  "A runner that carries the agent name of a key this provider created belongs to that key (a Runner has no key id).",
  "Rate-limit buckets are per organisation and operation; a rejected (429) request was not processed.",
  "Soda Core's login (POST /api/command {type: login, apiKeyId, apiKeySecret}) answers a live user or service-account key with 200 {token}, and any other key (unknown, revoked, wrong secret, runner) with 401 {code, message}.",
  "Runner keys cannot log in the way Soda Core does (401), as they cannot call the REST API.",
  "Soda Core's queries (POST /api/query {type, token}) answer 401 for a token that is unknown, expired or of a revoked key; whoAmI answers 200 (Soda Core reads nothing of its body).",
  "Soda Core's login and whoAmI have no rate limit Soda documents; none is assumed.",
  "GET /api/v1/datasources pages as GET /api/v1/runners does (size 10 to 1000, default 10), and GET /api/v1/datasources/{id}, whose limit Soda does not document, has the list's (60 / 60 s).",
  "A data source's runnerId must name an existing runner (400 otherwise), and data source names are unique in an organisation (409).",
  'A runner Soda calls "in use" when refusing its delete (400) is one running scans, or one that data sources are assigned to: Soda does not say which, so both are treated as possible (the emulator reproduces either reading).',
] as const;
