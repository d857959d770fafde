import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  SodaCloudError,
  UnexpectedStatusError,
  errorFromStatus,
} from "../../provider/client/errors";
import { Transport } from "../../provider/client/transport";

describe("errorFromStatus", () => {
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [418, UnexpectedStatusError],
  ])("HTTP %i -> %o", (status, errorClass) => {
    const error = errorFromStatus({ operation: "listRunners", endpoint: "https://cloud.soda.io", status, code: "c", sodaMessage: "m", traceId: "t-1" });
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(SodaCloudError);
    expect(error.name).toBe(errorClass.name);
    expect(error.status).toBe(status);
    expect(error.code).toBe("c");
    expect(error.traceId).toBe("t-1");
    expect(error.operation).toBe("listRunners");
    expect(error.message).toContain("trace id t-1");
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain("listing agents (GET /api/v1/runners) at https://cloud.soda.io.");
    // What happened and what to do come first, in under 400 characters; the detail follows.
    expect(error.message.indexOf("Detail: ")).toBeGreaterThan(0);
    expect(error.message.indexOf("Detail: ")).toBeLessThan(400);
    expect(error.message.endsWith(` Detail: HTTP ${status} c "m"; trace id t-1.`)).toBe(true);
    // What wrappers that explain the error in their own words append: the request, then the same detail.
    expect(error.detail).toBe(`Detail: listing agents (GET /api/v1/runners): HTTP ${status} c "m"; trace id t-1.`);
    // The endpoint is named once.
    expect(error.message.split("https://cloud.soda.io").length - 1).toBe(1);
  });

  it("names the setting an unreachable endpoint came from (soda:region, not only soda:host)", async () => {
    const transport = new Transport();
    try {
      const error = await transport
        .send({
          method: "GET",
          url: "http://127.0.0.1:1/api/v1/test-login",
          headers: {},
          timeoutMs: 5_000,
          details: { operation: "testLogin", endpoint: "http://127.0.0.1:1", endpointSource: 'soda:region "us"' },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(
        /^Could not connect while verifying the API key \(GET \/api\/v1\/test-login\) at http:\/\/127\.0\.0\.1:1\. Check soda:region "us" and that this machine can reach it/,
      );
    } finally {
      await transport.close();
    }
  });

  it("tells what to do on 401 and 403", () => {
    const e401 = errorFromStatus({ operation: "testLogin", endpoint: "https://cloud.soda.io", status: 401 });
    expect(e401.message).toMatch(/revoked/);
    expect(e401.message).toMatch(/region/);
    const e403 = errorFromStatus({ operation: "createRunnerKey", endpoint: "https://cloud.soda.io", status: 403 });
    expect(e403.message).toContain("MANAGE_DATASOURCES_AND_AGENTS");
  });
});
