import { systemClock, type Clock } from "./clock";
import {
  ConnectionError,
  CreateOutcomeUnknownError,
  TimeoutError,
  InvalidResponseError,
  SodaCloudError,
  errorFromStatus,
  type SodaCloudErrorDetails,
} from "./errors";
import { RateLimitPacer } from "./pacer";
import { DEFAULT_RETRY_POLICY, backoffDelay, shouldRetry, type RequestKind, type RetryPolicy } from "./retry";
import { RUNNER_PAGE_SIZE, scaledRateLimits, type Operation, type RateLimit } from "./soda-api";
import { Transport } from "./transport";
import type * as z from "zod/mini";
import * as wire from "./responses";
import { packageVersion } from "../version";

export interface Credentials {
  apiKeyId: string;
  apiKeySecret: string;
}

export interface SodaCloudClientOptions {
  /** Base URL from `resolveEndpoint`, e.g. https://cloud.soda.io. */
  endpoint: string;
  /** Where the endpoint came from, for messages (`soda:region "us"`). */
  endpointSource?: string;
  credentials: Credentials;
  /** Time limit of one HTTP attempt, in milliseconds. Default 30 000. */
  requestTimeoutMs?: number;
  /** Time limit of a whole operation (pacing waits, retries and backoff included), in milliseconds. Default 600 000. */
  operationTimeoutMs?: number;
  /** Retry attempts and backoff. Default: 6 attempts, 500 ms doubling to at most 20 s, full jitter. */
  retry?: RetryPolicy;
  /**
   * Pacing limits per operation. Default: Soda's documented limits, scaled by `rateWindowMs`. Pass a shared
   * pacer instead (`pacer`) so that several clients of one process share the same budget.
   */
  rateLimits?: Record<Operation, RateLimit>;
  /** Length of the documented 60-second rate-limit windows, in milliseconds (tests scale it). Default 60 000. */
  rateWindowMs?: number;
  /** A pacer shared with other clients of the same endpoint; takes precedence over `rateLimits`. */
  pacer?: RateLimitPacer;
  /** Time source for pacing, backoff and deadlines. Default: the wall clock. */
  clock?: Clock;
  /** Random source in [0, 1) for backoff jitter. Default Math.random. */
  random?: () => number;
}

/** A runner (agent) as the provider uses it. */
export type Runner = wire.Runner;

/**
 * The Soda Cloud REST client: Basic auth, validated responses, typed errors, pacing by the documented rate limits,
 * and retries that never duplicate a key. Methods are named after the operations in `soda-api.ts`.
 */
export class SodaCloudClient {
  readonly endpoint: string;
  private readonly endpointSource?: string;
  private readonly authorization: string;
  private readonly requestTimeoutMs: number;
  private readonly operationTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly pacer: RateLimitPacer;
  private readonly clock: Clock;
  private readonly runnerWriteListeners: (() => void)[] = [];
  private readonly random: () => number;
  private readonly transport = new Transport();

  constructor(options: SodaCloudClientOptions) {
    this.endpoint = options.endpoint;
    this.endpointSource = options.endpointSource;
    // Held only as the header value; never logged, never placed in an error.
    this.authorization = `Basic ${Buffer.from(`${options.credentials.apiKeyId}:${options.credentials.apiKeySecret}`).toString("base64")}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 600_000;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.clock = options.clock ?? systemClock();
    this.random = options.random ?? Math.random;
    this.pacer = options.pacer ?? new RateLimitPacer(options.rateLimits ?? scaledRateLimits(options.rateWindowMs), this.clock);
  }

  /** `GET /api/v1/test-login`: proves the key works and names its organisation. */
  async testLogin(): Promise<wire.TestLoginResponse> {
    return this.call("testLogin", "idempotent", "GET", "/api/v1/test-login", wire.testLoginResponse);
  }

  /**
   * `POST /api/v1/runners`: mints a runner (agent) key. The secret is returned only here, once. Retried only on
   * 429 and on failures that prove the request never left; any other failure is a CreateOutcomeUnknownError.
   */
  async createRunnerKey(): Promise<wire.CreateRunnerKeyResponse> {
    return this.writingRunners(() => this.call("createRunnerKey", "create", "POST", "/api/v1/runners", wire.createRunnerKeyResponse));
  }

  /**
   * Calls `listener` as each write of runners by this client starts and as it ends, whatever its outcome: what a
   * list read before then may no longer be true (the runner directory's snapshot, runner-directory.ts).
   */
  onRunnersWritten(listener: () => void): void {
    this.runnerWriteListeners.push(listener);
  }

  private async writingRunners<T>(write: () => Promise<T>): Promise<T> {
    for (const listener of this.runnerWriteListeners) listener();
    try {
      return await write();
    } finally {
      for (const listener of this.runnerWriteListeners) listener();
    }
  }

  /** `GET /api/v1/runners`, walking every page (largest page size, so one request serves up to 1000 runners). */
  async listRunners(pageSize: number = RUNNER_PAGE_SIZE.max): Promise<Runner[]> {
    const runners: Runner[] = [];
    for (let page = 0; ; page++) {
      const result = await this.call("listRunners", "idempotent", "GET", `/api/v1/runners?page=${page}&size=${pageSize}`, wire.runnerPage);
      runners.push(...result.content);
      // `last` ends the walk; the page count guards against a server that never says so.
      if (result.last || result.content.length === 0 || page + 1 >= result.totalPages) return runners;
    }
  }

  /** `GET /api/v1/runners/{id}`; undefined when Soda answers 404. */
  async getRunner(runnerId: string): Promise<Runner | undefined> {
    try {
      const result = await this.call("getRunner", "idempotent", "GET", `/api/v1/runners/${encodeURIComponent(runnerId)}`, wire.getRunnerResponse);
      return result.runner;
    } catch (error) {
      if (error instanceof SodaCloudError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** `DELETE /api/v1/runners/{id}`: removes the runner and so revokes its key. False when it was already gone (404). */
  async deleteRunner(runnerId: string): Promise<boolean> {
    try {
      await this.writingRunners(() => this.call("deleteRunner", "idempotent", "DELETE", `/api/v1/runners/${encodeURIComponent(runnerId)}`, undefined));
      return true;
    } catch (error) {
      if (error instanceof SodaCloudError && error.status === 404) return false;
      throw error;
    }
  }

  /** The operation's deadline passed while it waited for a rate-limit slot: nothing was sent. */
  private pacingTimeout(details: SodaCloudErrorDetails): TimeoutError {
    const error = new TimeoutError(
      details,
      `the operation's time limit (${this.operationTimeoutMs} ms) passed while it waited for Soda's rate limit, before anything was sent`,
      "Many requests are queued behind Soda Cloud's per-operation rate limits (create and delete: 10 a minute). Raise soda:operationTimeoutMs, or lower `pulumi up --parallel`, and run the command again.",
    );
    error.requestSent = false;
    return error;
  }

  /** Releases the connection pool. */
  close(): Promise<void> {
    return this.transport.close();
  }

  private async call<T>(
    operation: Operation,
    kind: RequestKind,
    method: "GET" | "POST" | "DELETE",
    path: string,
    schema: z.ZodMiniType<T> | undefined,
  ): Promise<T> {
    const details: SodaCloudErrorDetails = { operation, endpoint: this.endpoint, endpointSource: this.endpointSource };
    const deadline = this.clock.now() + this.operationTimeoutMs;
    const deadlineSignal = new AbortController();
    const deadlineTimer = setTimeout(() => deadlineSignal.abort(), this.operationTimeoutMs);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.attempt(operation, method, path, schema, details, deadline, deadlineSignal.signal);
        } catch (error) {
          const delay = backoffDelay(attempt - 1, this.retry, this.random);
          const retry = attempt < this.retry.maxAttempts && shouldRetry(kind, error) && this.clock.now() + delay < deadline;
          const failure = kind === "create" ? outcomeOfFailedCreate(error, details) : error;
          if (!retry) throw failure;
          // The deadline can still pass during the backoff; then the failure that caused it is the answer.
          await this.clock.sleep(delay, deadlineSignal.signal).catch(() => {
            throw failure;
          });
        }
      }
    } finally {
      clearTimeout(deadlineTimer);
    }
  }

  private async attempt<T>(
    operation: Operation,
    method: "GET" | "POST" | "DELETE",
    path: string,
    schema: z.ZodMiniType<T> | undefined,
    details: SodaCloudErrorDetails,
    deadline: number,
    signal: AbortSignal,
  ): Promise<T> {
    const permit = await this.pacer.acquire(operation, signal).catch(() => Promise.reject(this.pacingTimeout(details)));
    let response: Awaited<ReturnType<typeof this.transport.send>> | undefined;
    try {
      response = await this.transport.send({
        method,
        url: `${this.endpoint}${path}`,
        headers: { authorization: this.authorization, "user-agent": `pulumi-soda-cloud/${packageVersion()}`, accept: "application/json" },
        timeoutMs: Math.max(1, Math.min(this.requestTimeoutMs, deadline - this.clock.now())),
        signal,
        details,
      });
    } finally {
      // A 429 tells the pacer that Soda's window is full (someone else shares the limit): it backs off a window.
      permit.release(response?.status === 429);
    }
    const withTrace = { ...details, traceId: response.traceId, status: response.status };
    if (response.status < 200 || response.status >= 300) {
      const body = wire.errorBody.safeParse(parseJson(response.body));
      throw errorFromStatus({ ...withTrace, code: body.data?.code, sodaMessage: body.data?.message });
    }
    if (schema === undefined) return undefined as T;
    const parsed = schema.safeParse(parseJson(response.body));
    if (!parsed.success) {
      const where = parsed.error.issues
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .slice(0, 3)
        .join("; ");
      throw new InvalidResponseError(
        withTrace,
        `the response did not match Soda's documented shape (${where})`,
        "This provider may need an update for a change in Soda Cloud's API; report it with the trace id.",
      );
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A create that failed without a clear "not processed" answer may still have minted a key. Soda returns the secret
 * only in the lost response, so that key cannot be used by anyone; it is never retried, and the user is told.
 */
function outcomeOfFailedCreate(error: unknown, details: SodaCloudErrorDetails): unknown {
  if (!(error instanceof SodaCloudError)) return error;
  if (error.status !== undefined && error.status < 500) return error;
  if (error instanceof CreateOutcomeUnknownError) return error;
  if ((error instanceof ConnectionError || error instanceof TimeoutError) && !error.requestSent) return error;
  return new CreateOutcomeUnknownError(
    { ...details, status: error.status, code: error.code, sodaMessage: error.sodaMessage, traceId: error.traceId, causeCode: error.causeCode ?? error.name },
    "the create failed in a way that does not tell whether Soda minted a key",
    "It was not retried, so at most one key can exist, and its secret reached no one, so it is unusable; no key was recorded in the stack. Run `pulumi up` again to create a new key.",
  );
}
