// startProviderHost driving Pulumi's dynamic provider host directly, with a tiny provider of its own
// (fixtures/token-provider.js).
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startProviderHost, type ProviderCallError, type ProviderHost } from "../support/provider-host";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { makeUrn, wrapSecret } from "../support/pulumi-grpc";

const urn = makeUrn("dev", "harness-token", "pulumi-nodejs:dynamic/harness:Token", "main");
/**
 * The `__provider` text the host loads: a shim that requires the fixture provider by path, the way this package's
 * own shim requires its implementation (provider/shim.ts).
 */
const providerText = `exports.handler = () => require(${JSON.stringify(path.join(__dirname, "fixtures", "token-provider.js"))});\n`;

let project: ProjectDir;
let host: ProviderHost;

function inputs(label: string, mode = "update"): Record<string, unknown> {
  return { __provider: providerText, label, seed: "s3cret", mode };
}

beforeAll(async () => {
  project = prepareProjectDir();
  host = await startProviderHost({ cwd: project.dir, env: { HARNESS_TOKEN_GONE: "gone" } });
});

afterAll(async () => {
  await host?.close();
  project?.cleanup();
});

describe("startProviderHost", () => {
  it("configures, answering acceptSecrets=false as the engine relies on", async () => {
    const result = await host.configure({ "harness-token:label": "a", "harness-token:seed": wrapSecret("s") });
    expect(result).toEqual({ acceptSecrets: false, acceptResources: false, acceptOutputs: false, supportsPreview: false });
  });

  it("checks inputs and reports failures", async () => {
    const ok = await host.check(urn, {}, inputs("a"));
    expect(ok).toEqual({ inputs: inputs("a"), failures: [] });

    const bad = await host.check(urn, {}, inputs(""));
    expect(bad.failures).toEqual([{ property: "label", reason: "label must not be empty" }]);
  });

  it("sends secret wrappers as given: the provider sees them", async () => {
    const news = { ...inputs("a"), seed: wrapSecret("s3cret") };
    const result = await host.check(urn, {}, news);
    expect(result.inputs.seed).toEqual(wrapSecret("s3cret"));
  });

  it("creates, diffs, reads, updates and deletes", async () => {
    const created = await host.create(urn, inputs("a"));
    expect(created.id).toMatch(/^a-/);
    expect(created.properties).toEqual({
      label: "a",
      seed: "s3cret",
      mode: "update",
      token: "token-a-6",
      greeting: "hello a",
      __provider: providerText,
    });

    const none = await host.diff(created.id, urn, created.properties, inputs("a"), inputs("a"));
    expect(none).toMatchObject({ changes: "none", replaces: [], deleteBeforeReplace: false });
    const replace = await host.diff(created.id, urn, created.properties, inputs("b", "replace-dbr"), inputs("a"));
    expect(replace).toMatchObject({ changes: "some", replaces: ["label"], deleteBeforeReplace: true });

    const read = await host.read(created.id, urn, created.properties, inputs("a"));
    expect(read).toEqual({ id: created.id, properties: { ...created.properties, observed: "read" }, inputs: undefined });
    const gone = await host.read("nothing", urn, { ...created.properties, label: "gone" });
    expect(gone.id).toBe("");

    const updated = await host.update(created.id, urn, created.properties, inputs("b"), inputs("a"));
    expect(updated.properties).toMatchObject({ label: "b", greeting: "hello b", updated: true, __provider: providerText });

    await host.delete(created.id, urn, updated.properties, inputs("b"));
    await expect(host.waitForStderr(`harness-token: deleting ${created.id}\n`)).resolves.toContain("deleting");
  });

  it("rejects with the provider's own message and the gRPC code", async () => {
    const error = (await host.create(urn, inputs("boom")).catch((e: unknown) => e)) as ProviderCallError;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("harness-token: cannot create boom");
    expect(error.code).toBe(2);
    expect(error.method).toBe("create");
    expect(error.initFailure).toBeUndefined();
  });

  it("decodes 'created but failed to initialise' details", async () => {
    const error = (await host.create(urn, inputs("half")).catch((e: unknown) => e)) as ProviderCallError;
    expect(error.message).toBe("harness-token: half created");
    expect(error.initFailure).toEqual({
      id: "half-1",
      properties: expect.objectContaining({ label: "half", __provider: providerText }),
      reasons: ["half"],
    });
  });

  it("closes idempotently and leaves no process behind", async () => {
    const other = await startProviderHost({ cwd: project.dir });
    expect(other.stdout()).toBe(`${other.port}\n`);
    await Promise.all([other.close(), other.close()]);
    await other.close();
    expect(() => process.kill(other.pid, 0)).toThrow();
    await expect(other.waitForStderr("never printed", 100)).rejects.toThrow("did not show never printed");
    await expect(other.check(urn, {}, inputs("a"))).rejects.toMatchObject({
      message: "provider host is closed; cannot call check",
      method: "check",
    });
  });
});
