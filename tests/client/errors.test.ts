import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  SodaCloudError,
  UnexpectedStatusError,
  errorFromStatus,
} from "../../provider/client/errors";

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
    expect(error.message).toContain("Trace id: t-1");
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain("listing agents");
  });

  it("tells what to do on 401 and 403", () => {
    const e401 = errorFromStatus({ operation: "testLogin", endpoint: "https://cloud.soda.io", status: 401 });
    expect(e401.message).toMatch(/revoked/);
    expect(e401.message).toMatch(/region/);
    const e403 = errorFromStatus({ operation: "createRunnerKey", endpoint: "https://cloud.soda.io", status: 403 });
    expect(e403.message).toContain("MANAGE_DATASOURCES_AND_AGENTS");
  });
});
