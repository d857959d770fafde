import { describe, expect, it } from "vitest";
import { sodaCloudConfigYaml } from "../../provider/resources/soda-core-config";

describe("sodaCloudConfigYaml", () => {
  it("writes a bare host for Soda Cloud", () => {
    expect(sodaCloudConfigYaml("https://cloud.us.soda.io", { apiKeyId: "id", apiKeySecret: "s3cr:et" })).toBe(
      'soda_cloud:\n  host: "cloud.us.soda.io"\n  api_key_id: "id"\n  api_key_secret: "s3cr:et"\n',
    );
  });

  it("adds scheme and port for the emulator", () => {
    expect(sodaCloudConfigYaml("http://127.0.0.1:4567", { apiKeyId: "id", apiKeySecret: "s" })).toBe(
      'soda_cloud:\n  host: "127.0.0.1"\n  scheme: "http"\n  port: "4567"\n  api_key_id: "id"\n  api_key_secret: "s"\n',
    );
  });

  // Soda Core reads `port` as a string only: given a YAML int it logs an error and falls back to the scheme's port
  // (seen with 4.28.0), so the port stays quoted; https is Soda Core's default scheme, so it is left out.
  it("writes an https port as a string and no scheme", () => {
    expect(sodaCloudConfigYaml("https://localhost:8443", { apiKeyId: "id", apiKeySecret: "s" })).toBe(
      'soda_cloud:\n  host: "localhost"\n  port: "8443"\n  api_key_id: "id"\n  api_key_secret: "s"\n',
    );
  });
});
