/**
 * Secret hygiene of the serialized provider: the `__provider` text the engine stores in the state of every key
 * must hold no credential of the environment it was serialized in (a program's, a CI job's). Everything else about
 * secrets on the wire, in the state and in the logs runs through the real CLI: tests/real-cli/secret-hygiene.test.ts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { serializedProviders } from "../support/provider-texts";

const ENV_SECRETS = {
  SODA_API_KEY_SECRET: `canary-env-admin-${randomBytes(9).toString("base64url")}`,
  SODA_API_KEY_ID: randomUUID(),
};

/** The serialized providers, made with the canary credentials in this process's environment. */
async function serializedInEnvironment(): Promise<string[]> {
  const saved = { SODA_API_KEY_SECRET: process.env.SODA_API_KEY_SECRET, SODA_API_KEY_ID: process.env.SODA_API_KEY_ID };
  Object.assign(process.env, ENV_SECRETS);
  try {
    const texts = await serializedProviders();
    return [texts.agentKey, texts.apiKey];
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe("the serialized provider", () => {
  it("holds no credential from the environment it was serialized in", async () => {
    const texts = await serializedInEnvironment();
    expect(texts).toHaveLength(2);
    for (const text of texts) {
      // The shim, which loads the implementation by package name: the text the engine stores in state.
      expect(text).toContain("pulumi-soda-cloud/provider");
      for (const [name, secret] of Object.entries(ENV_SECRETS)) expect(text.includes(secret), name).toBe(false);
    }
  }, 60_000);
});
