import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConnectionError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
} from "../../provider/client/errors";
import { DEFAULT_RETRY_POLICY, backoffDelay, shouldRetry, type RequestKind } from "../../provider/client/retry";

const details = { operation: "createRunnerKey" as const, endpoint: "https://cloud.soda.io" };
function connection(requestSent: boolean) {
  const e = new ConnectionError(details, "x", "");
  e.requestSent = requestSent;
  return e;
}

describe("shouldRetry", () => {
  it.each<[string, unknown, RequestKind, boolean]>([
    ["429", new RateLimitError({ ...details, status: 429 }, "x", ""), "create", true],
    ["429", new RateLimitError({ ...details, status: 429 }, "x", ""), "idempotent", true],
    ["refused", connection(false), "create", true],
    ["reset after send", connection(true), "create", false],
    ["reset after send", connection(true), "idempotent", true],
    ["timeout", new TimeoutError(details, "x", ""), "create", false],
    ["timeout", new TimeoutError(details, "x", ""), "idempotent", true],
    ["500", new InternalServerError({ ...details, status: 500 }, "x", ""), "create", false],
    ["500", new InternalServerError({ ...details, status: 500 }, "x", ""), "idempotent", true],
    ["401", new AuthenticationError({ ...details, status: 401 }, "x", ""), "idempotent", false],
    ["404", new NotFoundError({ ...details, status: 404 }, "x", ""), "idempotent", false],
    ["invalid body", new InvalidResponseError(details, "x", ""), "idempotent", false],
    ["foreign error", new Error("boom"), "idempotent", false],
  ])("%s, %s request -> %s", (_label, error, kind, expected) => {
    expect(shouldRetry(kind, error)).toBe(expected);
  });
});

describe("backoffDelay", () => {
  it("uses full jitter under an exponential, capped ceiling", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(799);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(10, policy, () => 0)).toBe(0);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(200);
  });
});
