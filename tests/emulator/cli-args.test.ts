import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../../emulator/cli-args";

/** The emulator CLI's flags, parsed in-process; the CLI as a process is tested in process/cli.test.ts. */
describe("parseCliArgs", () => {
  it("maps every flag to an option", () => {
    expect(
      parseCliArgs([
        "--port=8080",
        "--host",
        "0.0.0.0",
        "--data-dir",
        "state",
        "--admin-key",
        "a:b",
        "--admin-key",
        "c:d:e",
        "--user-key",
        "u:v",
        "--organisation",
        "Org",
        "--rate-window-ms",
        "600",
      ]),
    ).toEqual({
      action: "run",
      options: {
        port: 8080,
        host: "0.0.0.0",
        dataDir: "state",
        adminKeys: [
          { apiKeyId: "a", apiKeySecret: "b" },
          { apiKeyId: "c", apiKeySecret: "d:e" },
        ],
        userKeys: [{ apiKeyId: "u", apiKeySecret: "v" }],
        organisation: "Org",
        rateWindowMs: 600,
      },
    });
  });

  it("never echoes a key value in an error", () => {
    expect(() => parseCliArgs(["--admin-key", "secret-without-colon"])).toThrow(/^(?!.*secret-without-colon).*$/);
    expect(() => parseCliArgs(["--admin-key", "-secret-without-colon"])).toThrow(/^(?!.*secret-without-colon).*$/);
  });

  it("takes a value that starts with a dash, as secrets and names may", () => {
    expect(parseCliArgs(["--admin-key", "-id:-secret", "--organisation", "-Org"])).toEqual({
      action: "run",
      options: { adminKeys: [{ apiKeyId: "-id", apiKeySecret: "-secret" }], organisation: "-Org" },
    });
  });
});
