import type { Operation } from "./soda-api";

/** What the caller was doing, in words a user recognises; used at the start of every error message. */
const OPERATION_DESCRIPTIONS: Record<Operation, string> = {
  testLogin: "verifying the API key (GET /api/v1/test-login)",
  createRunnerKey: "creating an agent key (POST /api/v1/runners)",
  listRunners: "listing agents (GET /api/v1/runners)",
  getRunner: "reading an agent (GET /api/v1/runners/{id})",
  deleteRunner: "deleting an agent (DELETE /api/v1/runners/{id})",
};

export interface SodaCloudErrorDetails {
  operation: Operation;
  /** The endpoint the request went to, e.g. https://cloud.soda.io. */
  endpoint: string;
  /** Where that endpoint came from, in words for messages (`soda:region "us"`); see Settings.endpointSource. */
  endpointSource?: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Soda's error `code`, when the body had one. */
  code?: string;
  /** Soda's error `message`, when the body had one. */
  sodaMessage?: string;
  /** The `X-Soda-Trace-Id` response header: quote it to Soda support. */
  traceId?: string;
  /** The low-level error code (e.g. ECONNREFUSED) for connection failures. */
  causeCode?: string;
}

/**
 * Base of every error the client raises. Messages read "what happened -> what to do -> the detail" (Soda's own
 * words, the low-level cause, the trace id), and
 * never contain a key secret or an Authorization header: the client never puts them in, and never attaches
 * lower-level error objects (which can hold request options) as `cause`.
 */
export class SodaCloudError extends Error {
  readonly operation: Operation;
  readonly endpoint: string;
  readonly status?: number;
  readonly code?: string;
  readonly sodaMessage?: string;
  readonly traceId?: string;
  readonly causeCode?: string;
  /**
   * The request and the detail ("Detail: listing agents (GET /api/v1/runners): HTTP 401 …; trace id …."), for
   * messages that explain the error in their own words.
   */
  readonly detail: string;

  constructor(details: SodaCloudErrorDetails, happened: string, whatToDo: string) {
    super(composeMessage(details, happened, whatToDo));
    const detail = detailOf(details);
    this.detail = `Detail: ${OPERATION_DESCRIPTIONS[details.operation]}${detail === "" ? "." : `: ${detail.slice("Detail: ".length)}`}`;
    this.name = new.target.name;
    this.operation = details.operation;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.code = details.code;
    this.sodaMessage = details.sodaMessage;
    this.traceId = details.traceId;
    this.causeCode = details.causeCode;
  }
}

function composeMessage(d: SodaCloudErrorDetails, happened: string, whatToDo: string): string {
  const what = `${happened.charAt(0).toUpperCase()}${happened.slice(1)} while ${OPERATION_DESCRIPTIONS[d.operation]} at ${d.endpoint}.`;
  return [what, whatToDo, detailOf(d)].filter((p) => p !== "").join(" ");
}

/** "Detail: HTTP 401 unauthorized "Bad credentials"; cause ECONNREFUSED; trace id abc." or "" when there is none. */
export function detailOf(d: Pick<SodaCloudErrorDetails, "status" | "code" | "sodaMessage" | "causeCode" | "traceId">): string {
  const said = [
    d.status !== undefined ? `HTTP ${d.status}` : undefined,
    d.code,
    d.sodaMessage !== undefined ? JSON.stringify(d.sodaMessage.replace(/\.+$/, "")) : undefined,
  ];
  const parts = [
    said.filter((s) => s !== undefined && s !== "").join(" "),
    d.causeCode !== undefined ? `cause ${d.causeCode}` : "",
    d.traceId !== undefined ? `trace id ${d.traceId}` : "",
  ].filter((p) => p !== "");
  return parts.length > 0 ? `Detail: ${parts.join("; ")}.` : "";
}

/** 400: Soda refused the request as malformed, or (for a runner delete) because the runner is in use. */
export class BadRequestError extends SodaCloudError {}
/** 401: the key is unknown, revoked, of the other region, or not allowed to call the REST API. */
export class AuthenticationError extends SodaCloudError {}
/** 403: the key is valid but lacks the permission the operation needs. */
export class PermissionDeniedError extends SodaCloudError {}
/** 404: the addressed object (a runner) does not exist. */
export class NotFoundError extends SodaCloudError {}
/** 409: the request conflicts with existing state. */
export class ConflictError extends SodaCloudError {}
/** 429: the operation's rate limit was hit even after pacing and retries; the request was not processed. */
export class RateLimitError extends SodaCloudError {}
/** 5xx: Soda Cloud failed; for a create, the key may or may not exist. */
export class InternalServerError extends SodaCloudError {}
/** Any other unexpected status. */
export class UnexpectedStatusError extends SodaCloudError {}
/** The response arrived but its body is not what Soda documents. */
export class InvalidResponseError extends SodaCloudError {}
/** No usable response: the connection failed. `requestSent` is false only when the request provably never left. */
export class ConnectionError extends SodaCloudError {
  requestSent = true;
}
/**
 * An attempt or the whole operation ran out of time. `requestSent` is false when the time ran out before a request
 * left (waiting for a rate-limit slot), which makes even a create safe to run again.
 */
export class TimeoutError extends SodaCloudError {
  requestSent = true;
}
/**
 * A create failed in a way that does not tell whether Soda minted a key (timeout, dropped connection, 5xx, or an
 * unreadable response). It is never retried, because a retry could mint a second key.
 */
export class CreateOutcomeUnknownError extends SodaCloudError {}

/** Maps an HTTP error status to its error class, with advice on what to do. One place, table-tested. */
export function errorFromStatus(details: SodaCloudErrorDetails & { status: number }): SodaCloudError {
  const { status } = details;
  switch (status) {
    case 400:
      return new BadRequestError(details, "the request was refused", "");
    case 401:
      return new AuthenticationError(
        details,
        "Soda Cloud did not accept the key",
        "Check the key id and secret, that the key is not revoked, and that it belongs to this region (EU keys work only on cloud.soda.io, US keys only on cloud.us.soda.io). Agent keys cannot call the API: use a personal or service-account API key.",
      );
    case 403:
      return new PermissionDeniedError(
        details,
        "the key lacks the permission for this",
        "Use a key whose user or service account has the MANAGE_DATASOURCES_AND_AGENTS permission (Soda Cloud: Organization Settings > Roles).",
      );
    case 404:
      return new NotFoundError(details, "not found", "");
    case 409:
      return new ConflictError(details, "the request conflicts with existing state", "");
    case 429:
      return new RateLimitError(
        details,
        "the rate limit was still exceeded after pacing and retries",
        "Something else may be using the same organisation heavily. Wait a minute and run the command again, or lower `--parallel`.",
      );
    default:
      if (status >= 500) {
        return new InternalServerError(
          details,
          "Soda Cloud failed with an internal error",
          "This is usually temporary: run the command again in a few minutes. If it persists, contact Soda support with the trace id.",
        );
      }
      return new UnexpectedStatusError(details, `unexpected HTTP ${status}`, "");
  }
}
