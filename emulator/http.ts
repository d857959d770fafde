import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { TRACE_ID_HEADER } from "../provider/client/soda-api";

/** The machine-readable `code` values of error bodies; Soda does not catalogue its own, these are stable. */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "client_error"
  | "internal_error";

const CODE_FOR_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  429: "rate_limited",
};

/** The error code an arbitrary status maps to (used for injected faults). */
export function errorCodeForStatus(status: number): ErrorCode {
  return CODE_FOR_STATUS[status] ?? (status >= 500 ? "internal_error" : "client_error");
}

/** Soda's error body. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** A response decided by a handler but not yet written, so a fault can still swallow it after it was applied. */
export interface JsonResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Thrown by handlers; the server turns it into an error response. Messages must never carry a secret. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HttpError";
  }

  /** The error as a response with Soda's `{code, message}` body. */
  toResponse(): JsonResponse {
    const body: ErrorBody = { code: this.code, message: this.message };
    return { status: this.status, body, headers: this.headers };
  }
}

/** A JSON response with a 200 status. */
export function ok(body: unknown): JsonResponse {
  return { status: 200, body };
}

/** Any thrown value as a response; anything but an HttpError is an emulator bug and becomes a 500. */
export function errorResponse(error: unknown): JsonResponse {
  if (error instanceof HttpError) return error.toResponse();
  const detail = error instanceof Error ? error.message : String(error);
  return new HttpError(500, "internal_error", `Internal emulator error: ${detail}`).toResponse();
}

/** A fresh trace id, as random as Soda's look. */
export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}

/** Writes a JSON response; the trace id header is set by the server before any handler runs. */
export function sendJson(res: ServerResponse, response: JsonResponse): void {
  const payload = JSON.stringify(response.body);
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", Buffer.byteLength(payload));
  res.end(payload);
}

/** Sets the trace id header on a response. */
export function setTraceId(res: ServerResponse, traceId: string): void {
  res.setHeader(TRACE_ID_HEADER, traceId);
}

/**
 * The largest request body any endpoint takes. Soda documents no limit; its API gateway refuses large bodies, and
 * no request of its API comes near 1 MiB (POST /api/v1/runners has none at all).
 */
export const MAX_BODY_BYTES = 1024 * 1024;

function bodyTooLarge(): HttpError {
  return new HttpError(413, "payload_too_large", `Request body exceeds ${MAX_BODY_BYTES} bytes.`);
}

/**
 * Reads a request body, refusing one over MAX_BODY_BYTES with 413. A declared Content-Length over the limit is
 * refused before anything is read; a chunked body is read to its end without keeping the excess, because a
 * request abandoned mid-stream is destroyed and the client would see a reset connection instead of the 413.
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return Promise.reject(bodyTooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => (size > MAX_BODY_BYTES ? reject(bodyTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
    req.on("close", () => reject(new HttpError(400, "bad_request", "The request body ended early.")));
  });
}

/** Reads a JSON body (see readBody); an empty body is `undefined` so optional bodies stay optional. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return parseJsonBody(await readBody(req));
}

/** A body read with readBody as JSON: undefined when empty, a 400 when it is not JSON. */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "bad_request", "Request body is not valid JSON.");
  }
}

/** Decodes one path segment; a malformed escape is the client's error, not a crash. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, "bad_request", "Malformed percent-encoding in the request path.");
  }
}
