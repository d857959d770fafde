import { RUNNER_PAGE_SIZE } from "../provider/client/soda-api";
import { requireAgentPermission } from "./auth";
import { createDatasource, getDatasource, listDatasources, updateDatasource } from "./datasource-api";
import { HttpError, decodeSegment, ok, type JsonResponse } from "./http";
import { generateKeyPair, hashSecret } from "./keys";
import { integerParam, MAX_PAGE, pageOf, type RestContext, type RestRoute } from "./rest-context";
import type { StoredRunner } from "./store";

export type { RestContext, RestRoute } from "./rest-context";

/** Soda's Runner, exactly: no key id, no in-use flag. */
export interface WireRunner {
  id: string;
  name: string;
  label: string;
  isOnline: boolean;
  lastSeenTimestamp: string;
  type: StoredRunner["type"];
  versions: { agent: string; library: string; runner: string };
}

/** Strips what Soda never shows from a stored runner. */
export function toWireRunner(runner: StoredRunner): WireRunner {
  const { id, name, label, isOnline, lastSeenTimestamp, type, versions } = runner;
  return { id, name, label, isOnline, lastSeenTimestamp, type, versions: { ...versions } };
}

const RUNNER_PATH = /^\/api\/v1\/runners\/([^/]+)$/;
const DATASOURCE_PATH = /^\/api\/v1\/datasources\/([^/]+)$/;

/** Maps a method and path to a route; throws 404 for an unknown path and 405 for a known path's wrong method. */
export function resolveRestRoute(method: string, path: string): RestRoute {
  if (path === "/api/v1/test-login") {
    return pick(method, { GET: { operation: "testLogin", handle: testLogin } });
  }
  if (path === "/api/v1/runners") {
    return pick(method, {
      POST: { operation: "createRunnerKey", handle: createRunnerKey },
      GET: { operation: "listRunners", handle: listRunners },
    });
  }
  const match = RUNNER_PATH.exec(path);
  if (match !== null) {
    const runnerId = decodeSegment(match[1]);
    return pick(method, {
      GET: { operation: "getRunner", handle: (ctx) => getRunner(ctx, runnerId) },
      DELETE: { operation: "deleteRunner", handle: (ctx) => deleteRunner(ctx, runnerId) },
    });
  }
  if (path === "/api/v1/datasources") {
    return pick(method, {
      POST: { operation: "createDatasource", handle: createDatasource },
      GET: { operation: "listDatasources", handle: listDatasources },
    });
  }
  const datasource = DATASOURCE_PATH.exec(path);
  if (datasource !== null) {
    const id = decodeSegment(datasource[1]);
    return pick(method, {
      GET: { operation: "getDatasource", handle: (ctx) => getDatasource(ctx, id) },
      POST: { operation: "updateDatasource", handle: (ctx) => updateDatasource(ctx, id) },
    });
  }
  throw new HttpError(404, "not_found", `No such endpoint: ${path}`);
}

function pick(method: string, routes: Record<string, RestRoute>): RestRoute {
  const route = routes[method];
  if (route !== undefined) return route;
  const allowed = Object.keys(routes).join(", ");
  throw new HttpError(405, "method_not_allowed", `Method ${method} is not allowed here; use ${allowed}.`, { allow: allowed });
}

function testLogin(ctx: RestContext): JsonResponse {
  return ok({ organisationName: ctx.store.state.organisationName });
}

/** Mints a runner key. No runner exists until an agent registers with it, so no runner id is returned. */
function createRunnerKey(ctx: RestContext): JsonResponse {
  requireAgentPermission(ctx.caller);
  const key = generateKeyPair();
  ctx.store.mutate((draft) => {
    draft.apiKeys.push({
      apiKeyId: key.apiKeyId,
      secretSha256: hashSecret(key.apiKeySecret),
      kind: "runner",
      permissions: [],
      revoked: false,
      runnerId: null,
      createdAt: new Date(ctx.clock.now()).toISOString(),
    });
  });
  return ok({ apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret });
}

function listRunners(ctx: RestContext): JsonResponse {
  const size = integerParam(ctx.query, "size", RUNNER_PAGE_SIZE.default, RUNNER_PAGE_SIZE.min, RUNNER_PAGE_SIZE.max);
  const page = integerParam(ctx.query, "page", 0, 0, MAX_PAGE);
  return ok(pageOf(ctx.store.state.runners.map(toWireRunner), page, size));
}

function getRunner(ctx: RestContext, runnerId: string): JsonResponse {
  return ok({ runner: toWireRunner(findRunner(ctx, runnerId)) });
}

/** Deleting a runner is the only way its key is revoked. */
function deleteRunner(ctx: RestContext, runnerId: string): JsonResponse {
  requireAgentPermission(ctx.caller);
  const runner = findRunner(ctx, runnerId);
  if (runner.type === "SODA_HOSTED") {
    throw new HttpError(400, "bad_request", `Runner ${runnerId} is hosted by Soda and cannot be deleted.`);
  }
  if (runner.inUse || (ctx.runnerInUse === "scans-or-datasources" && ctx.store.state.datasources.some((d) => d.runnerId === runnerId))) {
    throw new HttpError(400, "bad_request", `Runner ${runnerId} is in use and cannot be deleted.`);
  }
  ctx.store.mutate((draft) => {
    draft.runners = draft.runners.filter((r) => r.id !== runnerId);
    const key = draft.apiKeys.find((k) => k.apiKeyId === runner.apiKeyId);
    if (key !== undefined) key.revoked = true;
  });
  return ok({});
}

function findRunner(ctx: RestContext, runnerId: string): StoredRunner {
  const runner = ctx.store.state.runners.find((r) => r.id === runnerId);
  if (runner === undefined) throw new HttpError(404, "not_found", `Runner ${runnerId} not found.`);
  return runner;
}
