import { ConnectionError, InternalServerError, RateLimitError, SodaCloudError, TimeoutError } from "./errors";

/** How an operation may be retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The backoff ceiling of the first retry, in milliseconds; it doubles with each retry. */
  baseDelayMs: number;
  /** The largest backoff ceiling, in milliseconds. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * Reads and deletes are idempotent; a create is not: `POST /api/v1/runners` mints a new key every time it is
 * processed, and Soda offers no idempotency key to de-duplicate it.
 */
export type RequestKind = "idempotent" | "create";

/**
 * Should this failure be retried? A 429 means the request was not processed, so it is safe even for a create.
 * A create is otherwise retried only when the request provably never left this machine (connection refused,
 * DNS failure): after a timeout, a reset or a 5xx Soda may have minted a key whose secret nobody received.
 */
export function shouldRetry(kind: RequestKind, error: unknown): boolean {
  if (!(error instanceof SodaCloudError)) return false;
  if (error instanceof RateLimitError) return true;
  if (error instanceof ConnectionError) return kind === "idempotent" || !error.requestSent;
  if (error instanceof TimeoutError || error instanceof InternalServerError) return kind === "idempotent";
  return false;
}

/**
 * Exponential backoff with full jitter: a uniformly random wait between 0 and min(maxDelayMs, baseDelayMs * 2^retry),
 * so that many clients that failed together do not retry together. `retry` counts from 0 for the first retry.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
