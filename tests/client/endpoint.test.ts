import { describe, expect, it } from "vitest";
import { EndpointError, resolveEndpoint, resolveEndpointWithSource } from "../../provider/client/endpoint";

describe("resolveEndpoint", () => {
  it.each([
    [{}, "https://cloud.soda.io"],
    [{ region: "eu" }, "https://cloud.soda.io"],
    [{ region: "US" }, "https://cloud.us.soda.io"],
    [{ host: "cloud.us.soda.io" }, "https://cloud.us.soda.io"],
    [{ host: "https://cloud.soda.io/" }, "https://cloud.soda.io"],
    [{ host: "http://127.0.0.1:8123" }, "http://127.0.0.1:8123"],
    [{ host: "http://localhost:8123" }, "http://localhost:8123"],
    [{ host: "http://[::1]:8123" }, "http://[::1]:8123"],
    [{ host: "https://cloud.soda.io", region: "us" }, "https://cloud.soda.io"],
  ])("%j -> %s", (settings, expected) => {
    expect(resolveEndpoint(settings)).toBe(expected);
  });

  it.each([
    [
      { host: "http://cloud.soda.io", hostSettingName: "soda:host" },
      "soda:host",
      /plain http to a host that is not loopback.*opt in with allowInsecureHttp: true\./,
    ],
    [{ host: "http://10.0.0.5:8080" }, "host", /plain http/],
    [{ host: "ftp://cloud.soda.io" }, "host", /https/],
    [{ host: "https://cloud.soda.io/api/v1" }, "host", /bare host/],
    [{ host: "https://user:pw@cloud.soda.io" }, "host", /without a path, query or credentials/],
    [{ region: "asia", regionSettingName: "soda:region" }, "soda:region", /"eu".*"us"/],
  ])("refuses %j naming %s", (settings, setting, message) => {
    let caught: unknown;
    try {
      resolveEndpoint(settings);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EndpointError);
    expect((caught as EndpointError).setting).toBe(setting);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain(setting);
  });

  it("accepts plain http to another host only through the explicit opt-in, and says where each endpoint came from", () => {
    const settings = { host: "http://soda-emulator:8080", hostSettingName: "soda:host", insecureHttpOptIn: "soda:allowInsecureHttp" };
    expect(() => resolveEndpointWithSource(settings)).toThrow(/opt in with soda:allowInsecureHttp\./);
    expect(resolveEndpointWithSource({ ...settings, allowInsecureHttp: true })).toEqual({
      endpoint: "http://soda-emulator:8080",
      source: "soda:host",
      insecure: true,
      defaulted: false,
    });
    expect(resolveEndpointWithSource({ host: "http://127.0.0.1:9", hostSettingName: "soda:host" }).insecure).toBe(false);
    expect(resolveEndpointWithSource({ region: "us", regionSettingName: "soda:region" }).source).toBe('soda:region "us"');
    expect(resolveEndpointWithSource({ regionSettingName: "soda:region", hostSettingName: "soda:host" }).source).toMatch(
      /default region \(neither soda:host nor soda:region is set\)/,
    );
    // Only the default is flagged as such: a missing setting must not read as a decision (see checkedSettings).
    expect(resolveEndpointWithSource({}).defaulted).toBe(true);
    expect(resolveEndpointWithSource({ region: "eu" }).defaulted).toBe(false);
  });

  it("does not echo credentials embedded in a refused host", () => {
    expect(() => resolveEndpoint({ host: "https://user:hunter2@cloud.soda.io" })).toThrow(EndpointError);
  });
});
