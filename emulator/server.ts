import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { authenticateUser } from "./auth";
import { CONTROL_PREFIX, handleControl, type ControlContext } from "./control-api";
import type { FaultRule } from "./faults";
import { HttpError, errorCodeForStatus, errorResponse, newTraceId, parseJsonBody, readBody, sendJson, setTraceId, type JsonResponse } from "./http";
import type { RequestRecord } from "./request-log";
import { resolveRestRoute, type RestRoute } from "./rest-api";
import type { RunnerInUseRule } from "./rest-context";
import { handleSodaCore, isSodaCorePath } from "./soda-core-api";

/** Everything the server needs; built once by startEmulator. */
export interface ServerContext extends ControlContext {
  log?: (line: string) => void;
  /** What makes a runner "in use", so that its delete is refused. */
  runnerInUse: RunnerInUseRule;
  /** Aborted by close(), so injected latency does not hold the server open. */
  closing: AbortSignal;
}

/** The emulator's HTTP server: control API under CONTROL_PREFIX, Soda's REST API everywhere else. */
export function createEmulatorServer(ctx: ServerContext): Server {
  return createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, errorResponse(error));
      else if (!res.writableEnded) res.destroy();
    });
  });
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  setTraceId(res, newTraceId());
  const method = req.method ?? "GET";
  // Concatenated rather than resolved against a base, so a path such as `//host/x` stays a path.
  const url = new URL(`http://emulator.invalid${req.url?.startsWith("/") ? req.url : "/"}`);
  if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
    let response: JsonResponse;
    try {
      response = await handleControl(ctx, req, method, url.pathname);
    } catch (error) {
      response = errorResponse(error);
    }
    req.resume();
    sendJson(res, response);
    return;
  }
  // Soda Core authenticates with a login command and a token in the body, not Basic auth: its own dispatch.
  if (isSodaCorePath(url.pathname)) return handleSodaCore(ctx, req, res, method, url);
  await handleRest(ctx, req, res, method, url);
}

/**
 * One REST request, in this order: route -> faults -> rate limit -> auth -> handler.
 * - Route first: an unknown path or method is a 404/405 that no fault or limit applies to.
 * - Faults before the rate limit: an injected error or reset stands in for a failure in front of Soda's
 *   API (proxy, network), so the request never reached the limiter and is not counted.
 * - Rate limit before auth: a 429 must not depend on the key, and a rejected request is not processed at all.
 */
async function handleRest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
  const started = performance.now();
  const path = url.pathname;

  let route: RestRoute | undefined;
  let rule: FaultRule | undefined;
  const finish = (status: number, response?: JsonResponse): void => {
    if (response === undefined) res.destroy();
    else sendJson(res, response);
    const record: RequestRecord = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      operation: route?.operation ?? null,
      status,
      ms: Math.round(performance.now() - started),
    };
    if (rule !== undefined) record.faultRuleId = rule.id;
    ctx.requests.add(record);
    const fault = rule === undefined ? "" : ` fault=${rule.id}`;
    ctx.log?.(`${method} ${path} ${status === 0 ? "dropped" : status} ${record.ms}ms${fault}`);
  };

  // Refused before routing, as Soda's gateway refuses it before its API sees it; only data-source writes read it.
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    const response = errorResponse(error);
    return finish(response.status, response);
  }

  try {
    route = resolveRestRoute(method, path);
  } catch (error) {
    const response = errorResponse(error);
    return finish(response.status, response);
  }

  rule = ctx.faults.take(method, path);
  if (rule?.latencyMs !== undefined && rule.latencyMs > 0) {
    try {
      await delay(rule.latencyMs, undefined, { signal: ctx.closing });
    } catch {
      return finish(0);
    }
  }
  if (rule?.status !== undefined) {
    const status = rule.status;
    return finish(status, new HttpError(status, errorCodeForStatus(status), `Fault injected by emulator rule ${rule.id}.`).toResponse());
  }
  if (rule?.reset === true) return finish(0);

  let response: JsonResponse;
  if (!ctx.limiter.tryAcquire(route.operation)) {
    response = new HttpError(429, "rate_limited", `Rate limit exceeded for ${route.operation}; slow down and retry later.`).toResponse();
  } else {
    try {
      const caller = authenticateUser(ctx.store.state, req.headers.authorization);
      response = route.handle({
        store: ctx.store,
        clock: ctx.clock,
        caller,
        query: url.searchParams,
        jsonBody: () => parseJsonBody(body),
        runnerInUse: ctx.runnerInUse,
      });
    } catch (error) {
      response = errorResponse(error);
    }
  }
  if (rule?.dropAfterApply === true) return finish(0);
  return finish(response.status, response);
}
