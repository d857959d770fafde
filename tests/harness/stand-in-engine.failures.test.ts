// How the stand-in engine reports failures: Check failures, provider errors,
// partially created resources, and what a failed run does to state.
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { StandInEngine, assertSucceeded, describeResult } from "../support/stand-in-engine";

const TOKEN = "pulumi-nodejs:dynamic/harness:Token";

let project: ProjectDir;
let engine: StandInEngine;
let mainUrn: string;

beforeAll(async () => {
  project = prepareProjectDir({ source: path.join(__dirname, "fixtures", "token-program") });
  engine = await StandInEngine.start({ projectDir: project.dir, stack: "failures" });
  mainUrn = engine.urn(TOKEN, "main");
});

afterAll(async () => {
  await engine?.close();
  project?.cleanup();
});

describe("stand-in engine failures", () => {
  it("fails the run on Check failures and reports each one", async () => {
    engine.setConfig({ label: "", seed: { secret: "x" } });
    const result = await engine.up();

    expect(result.ok).toBe(false);
    expect(result.program?.cancelled).toBe(true);
    expect(result.errors.join("\n")).toContain(`${TOKEN} resource 'main': property label has a problem: label must not be empty`);
    const registration = result.registrations.find((r) => r.urn === mainUrn);
    expect(registration?.error).toContain("label must not be empty");
    expect(result.providerCalls.some((c) => c.method === "create")).toBe(false);
    expect(engine.state[mainUrn]).toBeUndefined();
    expect(describeResult(result)).toContain("FAILED");
  });

  it("reports a Create error against the resource and cancels the program", async () => {
    engine.setConfig({ label: "boom", seed: { secret: "x" } });
    const result = await engine.up();

    expect(result.ok).toBe(false);
    const create = result.operations.find((o) => o.urn === mainUrn && o.op === "create");
    expect(create?.failed).toBe("harness-token: cannot create boom");
    const call = result.providerCalls.find((c) => c.method === "create");
    expect(call?.error).toEqual({ message: "harness-token: cannot create boom", code: 2 });
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ source: "engine", severity: "error", urn: mainUrn, message: "harness-token: cannot create boom" }),
    );
    expect(result.program?.cancelled).toBe(true);
    expect(engine.state[mainUrn]).toBeUndefined();
  });

  it("keeps a created-but-failed-to-initialise resource in state, then deletes it when replaced", async () => {
    engine.setConfig({ label: "half", seed: { secret: "x" } });
    const failed = await engine.up();
    expect(failed.ok).toBe(false);
    expect(engine.state[mainUrn]).toMatchObject({ id: "half-1", outputs: { label: "half" } });

    engine.setConfig({ label: "whole", mode: "replace", seed: { secret: "x" } });
    const fixed = await engine.up();
    assertSucceeded(fixed);
    expect(fixed.operations.filter((o) => o.urn === mainUrn).map((o) => o.op)).toEqual(["create", "replace", "delete"]);
    expect(fixed.providerStderr).toContain("harness-token: deleting half-1\n");
  });

  it("deletes nothing when the program fails, and leaves untouched resources in state", async () => {
    const before = engine.state[mainUrn];
    engine.setConfig({ label: "", seed: { secret: "x" } });
    const result = await engine.up();

    expect(result.ok).toBe(false);
    expect(result.providerCalls.some((c) => c.method === "delete")).toBe(false);
    expect(engine.state[mainUrn]).toEqual(before);
  });

  it("keeps the old instance of a replacement pending when the run fails, and deletes it first next time", async () => {
    const oldId = engine.state[mainUrn].id;
    engine.setConfig({ label: "next", mode: "replace", seed: { secret: "x" }, derivedLabel: "" });
    const failed = await engine.up();

    expect(failed.ok).toBe(false);
    expect(failed.operations.filter((o) => o.urn === mainUrn).map((o) => o.op)).toEqual(["create", "replace"]);
    expect(engine.pendingDeletes.map((r) => r.id)).toEqual([oldId]);
    expect(engine.state[mainUrn].id).toMatch(/^next-/);

    engine.setConfig({ label: "next", mode: "replace", seed: { secret: "x" } });
    const retried = await engine.up();
    assertSucceeded(retried);
    expect(retried.operations[0]).toMatchObject({ op: "delete", urn: mainUrn, id: oldId, reason: "pending" });
    expect(engine.pendingDeletes).toEqual([]);
  });

  it("destroys what is left", async () => {
    const result = await engine.destroy();
    assertSucceeded(result);
    expect(engine.state).toEqual({});
  });
});
