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
});
