import { Agent, request, errors as undiciErrors } from "undici";
import { ConnectionError, TimeoutError, type SodaCloudErrorDetails } from "./errors";
import { TRACE_ID_HEADER } from "./soda-api";

/** One HTTP exchange's result: status, trace id and raw body text. */
export interface RawResponse {
  status: number;
  traceId?: string;
  body: string;
}

export interface SendOptions {
  method: "GET" | "POST" | "DELETE";
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  /** Per-attempt time limit, milliseconds. */
  timeoutMs: number;
  /** Aborts the attempt when the operation's deadline passes. */
  signal?: AbortSignal;
  details: Omit<SodaCloudErrorDetails, "status">;
}

/**
 * Error codes that prove the request never reached the server: the connection was never established. Only these
 * make a failed create safe to retry.
 */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** Owns the connection pool of one client. A new pool per client keeps tests parallel-safe (no global dispatcher). */
export class Transport {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });

  async send(options: SendOptions): Promise<RawResponse> {
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort();
    }, options.timeoutMs);
    const onOuterAbort = () => attempt.abort();
    options.signal?.addEventListener("abort", onOuterAbort, { once: true });
    try {
      const response = await request(options.url, {
        method: options.method,
        headers: options.headers,
        dispatcher: this.agent,
        signal: attempt.signal,
      });
      const body = await response.body.text();
      const trace = response.headers[TRACE_ID_HEADER];
      return { status: response.statusCode, traceId: Array.isArray(trace) ? trace[0] : trace, body };
    } catch (error) {
      if (timedOut || options.signal?.aborted) {
        throw new TimeoutError(
          options.details,
          timedOut ? `no response within ${options.timeoutMs} ms` : "the operation's deadline passed",
          "Soda Cloud may be slow or unreachable from here. Check the network, then run the command again; the limits are soda:requestTimeoutMs and soda:operationTimeoutMs.",
        );
      }
      throw connectionError(error, options.details);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onOuterAbort);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** The deepest error `code` in a cause chain (undici wraps socket errors). */
function errorCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string") code = c;
  }
  return code;
}

function connectionError(error: unknown, details: SendOptions["details"]): ConnectionError {
  const code = errorCode(error) ?? (error instanceof undiciErrors.UndiciError ? error.name : "UNKNOWN");
  const notSent = NOT_SENT_CODES.has(code);
  const err = new ConnectionError(
    { ...details, causeCode: code },
    notSent ? "could not connect" : "the connection failed before a response arrived",
    `Check ${details.endpointSource ?? "soda:host (or SODA_HOST)"} and that this machine can reach it, then run the command again.`,
  );
  err.requestSent = !notSent;
  return err;
}
