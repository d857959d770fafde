import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { verifyKey } from "./auth";
import { HttpError, errorResponse, ok, readJsonBody, sendJson, type JsonResponse } from "./http";
import type { RequestLog } from "./request-log";
import type { State, Store } from "./store";
import { formatIssues } from "./zod-issues";

/**
 * What Soda Core (the `soda` CLI and library, v4) calls to authenticate and identify itself, as its client
 * (`soda_core/common/soda_cloud.py`) sends it: a `login` command posted to `/api/command` with the key in the
 * body, answered with a token; then queries posted to `/api/query` that carry the token in the body. Only what
 * Soda Core's connection test (`soda cloud test`) needs: `login` and the `whoAmI` query, no scan upload.
 * Soda's REST API (`/api/v1`, Basic auth) is `rest-api.ts`.
 */
export const SODA_CORE_PATHS = ["/api/command", "/api/query"] as const;

/** The Soda Core requests the emulator serves, as its request records name them. */
export type SodaCoreOperation = "login" | "whoAmI";

/** What this module needs of the server; a subset of its context. */
export interface SodaCoreContext {
  store: Store;
  requests: RequestLog;
  log?: (line: string) => void;
}

/** Whether a path is one of Soda Core's command or query endpoints. */
export function isSodaCorePath(path: string): boolean {
  return (SODA_CORE_PATHS as readonly string[]).includes(path);
}

// Lenient like every wire payload: Soda Core may add fields, and only these are read.
const Command = z.object({ type: z.string() });
const LoginCommand = z.object({ type: z.literal("login"), apiKeyId: z.string().min(1), apiKeySecret: z.string().min(1) });
const Query = z.object({ type: z.string(), token: z.string().min(1).optional() });

// Tokens live in memory, per emulator (keyed by its store): Soda Core logs in again whenever a query gets a 401,
// so a token lost by a restart only costs it one login.
const tokensByStore = new WeakMap<Store, Map<string, string>>();
// A long benchmark must not grow memory without bound; Soda's own tokens expire too.
const MAX_TOKENS = 10_000;

function tokensOf(store: Store): Map<string, string> {
  let tokens = tokensByStore.get(store);
  if (tokens === undefined) {
    tokens = new Map();
    tokensByStore.set(store, tokens);
  }
  return tokens;
}

/**
 * One request to `/api/command` or `/api/query`. Soda documents no rate limit for them, so none applies, and
 * fault rules stay on `/api/v1` (see the emulator README). The request body holds a key secret or a token, so it
 * is never logged or recorded.
 */
export async function handleSodaCore(ctx: SodaCoreContext, req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
  const started = performance.now();
  const path = url.pathname;
  let operation: SodaCoreOperation | null = null;
  let response: JsonResponse;
  try {
    if (method !== "POST") {
      req.resume();
      throw new HttpError(405, "method_not_allowed", `Method ${method} is not allowed here; use POST.`, { allow: "POST" });
    }
    // Each endpoint serves one type here, so it names the record even when the body is refused.
    operation = path === "/api/command" ? "login" : "whoAmI";
    const body = await readJsonBody(req);
    response = operation === "login" ? command(ctx.store, body) : query(ctx.store, body);
  } catch (error) {
    response = errorResponse(error);
  }
  sendJson(res, response);
  const ms = Math.round(performance.now() - started);
  ctx.requests.add({ method, path, query: Object.fromEntries(url.searchParams), operation, status: response.status, ms });
  ctx.log?.(`${method} ${path} ${response.status} ${ms}ms`);
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, "bad_request", `Invalid request body: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * The `login` command: a live user key gets a token. Runner keys are refused like unknown ones, as on the REST
 * API, and with one message for every failure, so it reveals nothing about the key.
 */
function command(store: Store, body: unknown): JsonResponse {
  const { type } = parse(Command, body);
  if (type !== "login") {
    throw new HttpError(400, "bad_request", `Command type ${JSON.stringify(type)} is not served by the emulator; only "login" is.`);
  }
  const login = parse(LoginCommand, body);
  const key = verifyKey(store.state, login.apiKeyId, login.apiKeySecret);
  if (key === undefined || key.kind !== "user") {
    throw new HttpError(401, "unauthorized", "Login failed: the API key is unknown, revoked, not a user or service-account key, or the secret is wrong.");
  }
  const tokens = tokensOf(store);
  const token = randomBytes(32).toString("base64url");
  tokens.set(token, key.apiKeyId);
  if (tokens.size > MAX_TOKENS) tokens.delete(tokens.keys().next().value as string);
  return ok({ token });
}

/**
 * A query: the token must belong to a key that is still live (revoking a key ends its sessions), else 401, which
 * Soda Core answers by logging in again. `whoAmI` is the only query served.
 */
function query(store: Store, body: unknown): JsonResponse {
  const { type, token } = parse(Query, body);
  if (token === undefined || !liveToken(store, token)) {
    throw new HttpError(401, "unauthorized", "The token is missing, unknown or expired, or its API key was revoked; log in again.");
  }
  if (type !== "whoAmI") {
    throw new HttpError(400, "bad_request", `Query type ${JSON.stringify(type)} is not served by the emulator; only "whoAmI" is.`);
  }
  return ok({ organisationName: store.state.organisationName });
}

function liveToken(store: Store, token: string): boolean {
  const tokens = tokensOf(store);
  const apiKeyId = tokens.get(token);
  if (apiKeyId === undefined) return false;
  if (isLiveUserKey(store.state, apiKeyId)) return true;
  tokens.delete(token);
  return false;
}

function isLiveUserKey(state: Readonly<State>, apiKeyId: string): boolean {
  const key = state.apiKeys.find((k) => k.apiKeyId === apiKeyId);
  return key !== undefined && key.kind === "user" && !key.revoked;
}
