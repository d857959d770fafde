// The stand-in engine driving a real program through a stack's life:
// preview -> up -> up (no change) -> update -> replace (both orders) -> drop a
// resource -> refresh -> destroy. The tests share one engine and run in order.
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { UNKNOWN, isSecretWrapped, wrapSecret } from "../support/pulumi-grpc";
import {
  StandInEngine,
  assertSucceeded,
  type OperationResult,
  type ResourceState,
} from "../support/stand-in-engine";

const TOKEN = "pulumi-nodejs:dynamic/harness:Token";
const GROUP = "harness:index:Group";

let project: ProjectDir;
let engine: StandInEngine;
let mainUrn: string;
let derivedUrn: string;

function opsFor(result: OperationResult, urn: string): string[] {
  return result.operations.filter((o) => o.urn === urn).map((o) => (o.reason ? `${o.op}(${o.reason})` : o.op));
}

function mutatingCalls(result: OperationResult): string[] {
  return result.providerCalls.filter((c) => ["create", "update", "delete"].includes(c.method)).map((c) => c.method);
}

function stateOf(urn: string): ResourceState {
  const res = engine.state[urn];
  if (!res) {
    throw new Error(`${urn} is not in state: ${Object.keys(engine.state).join(", ")}`);
  }
  return res;
}

beforeAll(async () => {
  project = prepareProjectDir({ source: path.join(__dirname, "fixtures", "token-program") });
  engine = await StandInEngine.start({
    projectDir: project.dir,
    config: { label: "a", seed: { secret: "s3cret" } },
  });
  mainUrn = engine.urn(TOKEN, "main");
  derivedUrn = engine.urn(TOKEN, "derived", engine.urn(GROUP, "group"));
});

afterAll(async () => {
  await engine?.close();
  project?.cleanup();
});

describe("stand-in engine over a stack's life", () => {
  it("previews an empty stack with Check only, unknown inputs arriving as the sentinel", async () => {
    const result = await engine.preview();
    assertSucceeded(result);

    expect(opsFor(result, mainUrn)).toEqual(["create"]);
    expect(opsFor(result, derivedUrn)).toEqual(["create"]);
    expect(result.operations.every((o) => o.preview)).toBe(true);
    expect(new Set(result.providerCalls.map((c) => c.method))).toEqual(new Set(["configure", "check"]));

    const derived = result.registrations.find((r) => r.urn === derivedUrn);
    expect(derived?.object.label).toBe(UNKNOWN);
    const derivedCheck = result.providerCalls.find((c) => c.method === "check" && c.urn === derivedUrn);
    expect((derivedCheck?.request.news as Record<string, unknown>).label).toBe(UNKNOWN);

    // The program sends the secret wrapped; the host (acceptSecrets=false) gets it plain.
    const main = result.registrations.find((r) => r.urn === mainUrn);
    expect(main?.object.seed).toEqual(wrapSecret("s3cret"));
    const mainCheck = result.providerCalls.find((c) => c.method === "check" && c.urn === mainUrn);
    expect((mainCheck?.request.news as Record<string, unknown>).seed).toBe("s3cret");

    expect(engine.state).toEqual({});
  });

  it("creates both resources on up and keeps secret outputs secret on the way back", async () => {
    const result = await engine.up();
    assertSucceeded(result);

    expect(opsFor(result, mainUrn)).toEqual(["create"]);
    expect(opsFor(result, derivedUrn)).toEqual(["create"]);

    const configure = result.providerCalls.find((c) => c.method === "configure");
    expect(configure?.request.args).toEqual({
      "harness-token:label": "a",
      "harness-token:seed": wrapSecret("s3cret"),
    });

    const main = stateOf(mainUrn);
    expect(main.id).toMatch(/^a-/);
    expect(main.outputs.token).toEqual(wrapSecret("token-a-6")); // additionalSecretOutputs
    expect(main.outputs.seed).toEqual(wrapSecret("s3cret")); // same name as a secret input
    expect(main.outputs.greeting).toBe("hello a");
    expect(main.inputs.seed).toEqual(wrapSecret("s3cret"));

    const response = result.registrations.find((r) => r.urn === mainUrn)?.response;
    expect(response?.id).toBe(main.id);
    expect(isSecretWrapped(response?.object.token)).toBe(true);
    expect(isSecretWrapped(response?.object.seed)).toBe(true);
    expect(response?.object.greeting).toBe("hello a");

    expect(result.stackOutputs).toMatchObject({
      greeting: "hello a",
      mainId: main.id,
      token: wrapSecret("token-a-6"),
      tokenIsSecret: true,
    });

    const derived = stateOf(derivedUrn);
    expect(derived.parent).toBe(engine.urn(GROUP, "group"));
    expect(derived.outputs.label).toBe("hello a");
    expect(derived.outputs.seed).toBe("plain-seed");
    expect(stateOf(engine.stackUrn).outputs.greeting).toBe("hello a");
  });

  it("leaves unchanged resources alone on a second up", async () => {
    const before = engine.state;
    const result = await engine.up();
    assertSucceeded(result);

    expect(opsFor(result, mainUrn)).toEqual(["same"]);
    expect(opsFor(result, derivedUrn)).toEqual(["same"]);
    expect(mutatingCalls(result)).toEqual([]);
    expect(stateOf(mainUrn).id).toBe(before[mainUrn].id);
  });

  it("updates in place when Diff reports changes without replacements", async () => {
    const id = stateOf(mainUrn).id;
    engine.setConfig({ label: "b", seed: { secret: "s3cret" } });
    const result = await engine.up();
    assertSucceeded(result);

    expect(opsFor(result, mainUrn)).toEqual(["update"]);
    expect(opsFor(result, derivedUrn)).toEqual(["update"]);
    const main = stateOf(mainUrn);
    expect(main.id).toBe(id);
    expect(main.outputs.updated).toBe(true);
    expect(main.outputs.token).toEqual(wrapSecret("token-b-6"));
    expect(result.stackOutputs?.greeting).toBe("hello b");
  });

  it("replaces create-before-delete, deleting the old instance after the program", async () => {
    const oldId = stateOf(mainUrn).id;
    engine.setConfig({ label: "c", mode: "replace", seed: { secret: "s3cret" } });
    const result = await engine.up();
    assertSucceeded(result);

    expect(opsFor(result, mainUrn)).toEqual(["create(replace)", "replace", "delete(replaced)"]);
    const newId = stateOf(mainUrn).id;
    expect(newId).toMatch(/^c-/);
    const replace = result.operations.find((o) => o.urn === mainUrn && o.op === "replace");
    expect(replace).toMatchObject({ oldId, id: newId, deleteBeforeReplace: false });
    const deleted = result.operations.find((o) => o.urn === mainUrn && o.op === "delete");
    expect(deleted?.id).toBe(oldId);
    expect(result.providerStderr).toContain(`harness-token: deleting ${oldId}\n`);
    expect(engine.pendingDeletes).toEqual([]);
  });

  it("replaces delete-before-create when Diff asks for it", async () => {
    const oldId = stateOf(mainUrn).id;
    engine.setConfig({ label: "d", mode: "replace-dbr", seed: { secret: "s3cret" } });
    const result = await engine.up();
    assertSucceeded(result);

    expect(opsFor(result, mainUrn)).toEqual(["delete(replace)", "create(replace)", "replace"]);
    const calls = result.providerCalls.filter((c) => c.urn === mainUrn && (c.method === "delete" || c.method === "create"));
    expect(calls.map((c) => [c.method, c.id ?? ""])).toEqual([
      ["delete", oldId],
      ["create", ""],
    ]);
    expect(stateOf(mainUrn).id).toMatch(/^d-/);
  });

  it("deletes a resource the program no longer registers", async () => {
    const derivedId = stateOf(derivedUrn).id;
    engine.setConfig({ label: "d", mode: "replace-dbr", seed: { secret: "s3cret" }, withDerived: "false" });
    const result = await engine.up();
    assertSucceeded(result);

    expect(opsFor(result, mainUrn)).toEqual(["same"]);
    expect(opsFor(result, derivedUrn)).toEqual(["delete(unregistered)"]);
    expect(result.providerStderr).toContain(`harness-token: deleting ${derivedId}\n`);
    expect(engine.state[derivedUrn]).toBeUndefined();
    expect(engine.state[engine.urn(GROUP, "group")]).toBeDefined();
  });

  it("refreshes through Read, keeping secrets and recording drift", async () => {
    const result = await engine.refresh();
    assertSucceeded(result);

    expect(result.providerCalls.map((c) => c.method)).toEqual(["configure", "read"]);
    expect(result.operations.map((o) => [o.op, o.urn, o.change])).toEqual([["refresh", mainUrn, "updated"]]);
    const main = stateOf(mainUrn);
    expect(main.outputs.observed).toBe("read");
    expect(main.outputs.token).toEqual(wrapSecret("token-d-6"));
    expect(main.outputs.seed).toEqual(wrapSecret("s3cret"));
  });

  it("drops a resource from state when Read reports it gone", async () => {
    const before = engine.state;
    const result = await engine.refresh({ providerEnv: { HARNESS_TOKEN_GONE: "d" } });
    assertSucceeded(result);

    expect(result.operations.map((o) => [o.op, o.change])).toEqual([["refresh", "deleted"]]);
    expect(engine.state[mainUrn]).toBeUndefined();

    // Bring it back for destroy: the next up creates it again.
    engine.setConfig({ label: "e", seed: { secret: "s3cret" }, withDerived: "false" });
    const up = await engine.up();
    assertSucceeded(up);
    expect(opsFor(up, mainUrn)).toEqual(["create"]);
    expect(stateOf(mainUrn).id).not.toBe(before[mainUrn].id);
  });

  it("destroys every resource, capturing the host's stderr", async () => {
    const id = stateOf(mainUrn).id;
    const result = await engine.destroy();
    assertSucceeded(result);

    expect(result.operations.map((o) => [o.op, o.urn, o.id, o.reason])).toEqual([["delete", mainUrn, id, "destroy"]]);
    expect(result.providerStderr).toContain(`harness-token: deleting ${id}\n`);
    expect(engine.providerStderr()).toContain(`harness-token: deleting ${id}\n`);
    expect(engine.state).toEqual({});
    expect(engine.history.map((r) => r.kind)).toEqual([
      "preview",
      "up",
      "up",
      "up",
      "up",
      "up",
      "up",
      "refresh",
      "refresh",
      "up",
      "destroy",
    ]);
  });
});
