import { describe, expect, it } from "vitest";
import { EndpointError } from "../../provider/client/endpoint";
import { SettingsError, missingCredentialsMessage, readStackConfig, resolveSettings } from "../../provider/config/settings";

function stackConfig(values: Record<string, string>) {
  return readStackConfig({ get: (key) => values[key] });
}

describe("settings", () => {
  it("takes stack config before the environment", () => {
    const settings = resolveSettings(stackConfig({ "soda:region": "us", "soda:apiKeyId": "cfg-id", "soda:apiKeySecret": "cfg-secret" }), {
      SODA_HOST: "http://127.0.0.1:1",
      SODA_API_KEY_ID: "env-id",
      SODA_API_KEY_SECRET: "env-secret",
    });
    expect(settings.endpoint).toBe("https://cloud.us.soda.io");
    expect(settings.credentials).toEqual({ apiKeyId: "cfg-id", apiKeySecret: "cfg-secret" });
  });

  it("falls back to SODA_HOST, SODA_CLOUD_HOST and the key variables", () => {
    expect(resolveSettings({}, { SODA_HOST: "cloud.us.soda.io" }).endpoint).toBe("https://cloud.us.soda.io");
    expect(resolveSettings({}, { SODA_CLOUD_HOST: "http://localhost:9" }).endpoint).toBe("http://localhost:9");
    expect(resolveSettings({}, {}).endpoint).toBe("https://cloud.soda.io");
    expect(resolveSettings({}, { SODA_API_KEY_ID: "i", SODA_API_KEY_SECRET: "s" }).credentials).toEqual({ apiKeyId: "i", apiKeySecret: "s" });
    expect(resolveSettings({}, { SODA_API_KEY_ID: "i" }).credentials).toBeUndefined();
  });

  it("names the setting that is wrong", () => {
    expect(() => resolveSettings(stackConfig({ "soda:host": "http://example.com" }), {})).toThrow(EndpointError);
    expect(() => resolveSettings(stackConfig({ "soda:host": "http://example.com" }), {})).toThrow(/soda:host/);
    expect(() => resolveSettings({}, { SODA_HOST: "http://example.com" })).toThrow(/SODA_HOST/);
    expect(() => resolveSettings(stackConfig({ "soda:region": "mars" }), {})).toThrow(/soda:region/);
    expect(() => resolveSettings(stackConfig({ "soda:requestTimeoutMs": "soon" }), {})).toThrow(SettingsError);
  });

  it("says both ways to set missing credentials", () => {
    const message = missingCredentialsMessage("SodaAgentKey");
    expect(message).toContain("soda:apiKeyId");
    expect(message).toContain("soda:apiKeySecret");
    expect(message).toContain("SODA_API_KEY_ID");
    expect(message).toContain("SODA_API_KEY_SECRET");
  });
});
