import { describe, expect, it } from "vitest";
import { imagePullSecretName, keySecretName, keySecretNameLifecycle } from "../../provider/resources/key-secret-name";
import { UNKNOWN } from "../../provider/engine/unknowns";

/** The key Secret's name: a function of the key id, changed by an update and never by a replacement. */
describe("key Secret name", () => {
  const lifecycle = keySecretNameLifecycle();

  it("is a DNS-1123 name per key", () => {
    expect(keySecretName("3F2A9C4E-0B1D-4C6E-9A7F-2D8E5B1C0A93")).toBe("soda-agent-apikey-3f2a9c4e0b1d");
    expect(imagePullSecretName("3F2A9C4E-0B1D-4C6E-9A7F-2D8E5B1C0A93")).toBe("soda-agent-registry-3f2a9c4e0b1d");
  });

  it("reports a new key, known or not yet known, as an update, so the engine never deletes the Secret before the key", async () => {
    const olds = { apiKeyId: "k1", secretName: keySecretName("k1") };
    expect(await lifecycle.diff("n", olds, { apiKeyId: "k2" })).toEqual({ changes: true, replaces: [] });
    expect(await lifecycle.diff("n", olds, { apiKeyId: UNKNOWN })).toEqual({ changes: true, replaces: [] });
    expect(await lifecycle.diff("n", olds, { apiKeyId: "k1" })).toEqual({ changes: false, replaces: [] });
    expect(await lifecycle.update("n", olds, { apiKeyId: "k2" })).toEqual({ outs: { apiKeyId: "k2", secretName: keySecretName("k2") } });
  });

  it("refuses a missing key id, naming the property", async () => {
    expect((await lifecycle.check({}, { apiKeyId: 3 })).failures).toEqual([{ property: "apiKeyId", reason: "must be a string" }]);
  });
});
