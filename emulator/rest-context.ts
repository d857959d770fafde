import type { Clock } from "../provider/client/clock";
import type { DatasourceOperation, Operation } from "../provider/client/soda-api";
import { HttpError, type JsonResponse } from "./http";
import type { Store, StoredApiKey } from "./store";

/**
 * When a runner counts as "in use", so that Soda refuses to delete it (400). Soda does not say what "in use" means:
 * `scans` reads it as running scans only (the control API's in-use flag); `scans-or-datasources` also counts a
 * runner that data sources are assigned to.
 */
export type RunnerInUseRule = "scans" | "scans-or-datasources";

/** Every REST operation the emulator serves: the ones the provider calls, and the data-source ones. */
export type EmulatedOperation = Operation | DatasourceOperation;

/** What a REST handler gets: the caller is already authenticated (a live user key). */
export interface RestContext {
  store: Store;
  clock: Clock;
  caller: StoredApiKey;
  query: URLSearchParams;
  /** The request's body as JSON, undefined when it had none; a 400 when it is not JSON. */
  jsonBody(): unknown;
  runnerInUse: RunnerInUseRule;
}

/** A matched REST route: its operation (for rate limiting and records) and its handler. */
export interface RestRoute {
  operation: EmulatedOperation;
  handle(ctx: RestContext): JsonResponse;
}

// Spring's page numbers are Java ints.
export const MAX_PAGE = 2_147_483_647;

/** A query parameter that must be an integer in [min, max]; `fallback` when absent; a 400 otherwise. */
export function integerParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new HttpError(400, "bad_request", `Query parameter ${name} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** One page of `items` as Spring's Page serializes it, the shape Soda's paged lists answer with. */
export function pageOf<T>(items: readonly T[], page: number, size: number): object {
  const content = items.slice(page * size, page * size + size);
  const totalPages = Math.ceil(items.length / size);
  return {
    content,
    first: page === 0,
    last: page + 1 >= totalPages,
    number: page,
    size,
    numberOfElements: content.length,
    totalElements: items.length,
    totalPages,
    empty: content.length === 0,
  };
}
