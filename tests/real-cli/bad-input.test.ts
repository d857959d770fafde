/**
 * The bad-input cases marked `program` (tests/hardening/bad-input-cases.ts) as a user meets them: a program that
 * builds one key from stack config, and `pulumi up` through the real CLI. Each must fail with ONE error, reported
 * against the resource, naming the property or setting and saying what to do, and no canary may show in what the
 * engine recorded of the run (engine-records.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import {
  CASES,
  KEY_IDS,
  SECRETS,
  canariesIn,
  caseArgs,
  caseConfig,
  closedPortUrl,
  expectNames,
  type CaseEndpoints,
  type ConfigValue,
} from "../hardening/bad-input-cases";
import { diagnostics, engineRecordLeaks, lifecycleCalls, plainByProtocol, recordedRun } from "./engine-records";
import { TSCONFIG, UP, pulumiYaml, realStack, skipReason } from "./real-stack";

const PROGRAM_FILES = {
  "Pulumi.yaml": pulumiYaml("bad-input"),
  "tsconfig.json": TSCONFIG,
  "index.ts": [
    'import * as pulumi from "@pulumi/pulumi";',
    'import { SodaAgentKey, SodaApiKey } from "pulumi-soda-cloud";',
    "",
    "// `args` is the resource's arguments as JSON, wrong ones included; a SodaApiKey's secret comes from secret config.",
    "const config = new pulumi.Config();",
    'const args = JSON.parse(config.require("args"));',
    'if (config.require("resource") === "apiKey") {',
    '  new SodaApiKey("bad-input", { ...args, apiKeySecret: config.requireSecret("apiKeySecret") });',
    "} else {",
    '  new SodaAgentKey("bad-input", args);',
    "}",
    "",
  ].join("\n"),
};

/** `text` as a regular expression that matches it literally. */
function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

let soda: EmulatorFixture;
let endpoints: CaseEndpoints;

beforeAll(async () => {
  if (skipReason) return;
  soda = await emulatorFixture({
    adminKeys: [{ apiKeyId: KEY_IDS.admin, apiKeySecret: SECRETS.admin }],
    userKeys: [{ apiKeyId: KEY_IDS.user, apiKeySecret: SECRETS.user }],
  });
  endpoints = { url: soda.url, closedPortUrl: await closedPortUrl() };
});

afterAll(async () => {
  await soda?.close();
});

describe.skipIf(skipReason)("bad input through a Pulumi program and the real CLI", () => {
  const programCases = CASES.filter((c) => c.program);

  it("covers a Check failure, a config error and an API error", () => {
    expect(programCases.length).toBeGreaterThanOrEqual(6);
    expect(programCases.some((c) => c.stage === "check")).toBe(true);
    expect(programCases.some((c) => c.config !== undefined && !c.emulatorDown)).toBe(true);
    expect(programCases.some((c) => c.name.includes("(401)"))).toBe(true);
  });

  for (const c of programCases) {
    it(`${c.name}: pulumi up fails with one error naming ${String(c.names)}`, async () => {
      const args = caseArgs(c);
      const { apiKeySecret, ...plainArgs } = args as { apiKeySecret?: unknown };
      const config: Record<string, ConfigValue> = {
        ...caseConfig(c, endpoints),
        resource: c.resource,
        args: JSON.stringify(c.resource === "apiKey" ? plainArgs : args),
      };
      if (c.resource === "apiKey") config.apiKeySecret = { secret: String(apiKeySecret) };
      // realStack's own emulator is left idle: the config points at this file's, which knows the cases' keys.
      const stack = await realStack({ files: PROGRAM_FILES, config });
      // realStack sets a working stack's soda:host and admin key first: a case without them takes them out again.
      for (const [key, value] of Object.entries(c.config ?? {})) if (value === null) await stack.cli.run(["config", "rm", key]);

      const run = await recordedRun(stack, UP);
      const account = run.output
        .split("\n")
        .filter((line) => canariesIn(line).length === 0)
        .join("\n");
      // Failed, not killed by the timeout.
      expect(run.code, account).toBeGreaterThan(0);
      // One error, against the resource; besides it, at most the engine's own "update failed" on the stack.
      const errors = diagnostics(run).filter((d) => d.severity === "error" && !(d.urn === "" && d.message.trim() === "update failed"));
      expect(
        errors.map((d) => d.urn.split("::").pop()),
        account,
      ).toEqual(["bad-input"]);
      const error = errors[0].message.trim();
      // A Check failure in the engine's words, which name the property and show its value (a secret's masked); a
      // setting's, of the resource as a whole.
      if (c.stage === "check")
        expect(error).toMatch(new RegExp(`^\\S+ resource 'bad-input': property ${escaped(String(c.names))} value \\{.*\\} has a problem: `));
      else if (c.stage === "settings") expect(error).toMatch(/^\S+ resource 'bad-input' has a problem: /);
      // The value shown is the argument's own, never `{<nil>}` for an argument that was given.
      if (c.stage === "check" && String(c.names) in args) expect(error).not.toContain("<nil>");
      if (c.stage !== "check") expectNames(error, c.names);
      expect(error).toMatch(c.fix);
      // Nowhere a JavaScript stack frame: a thrown check error reached the output with the provider host's stack.
      expect(run.output, account).not.toMatch(/^\s*at .*:\d+:\d+\)?$/m);

      // The provider's answer behind it: one Check failure (of a property, or of the resource for a setting), or
      // one failed Create for Soda's answer.
      const failed = lifecycleCalls(run).filter((call) => call.error !== undefined);
      if (c.stage === "create") {
        expect(failed.map((call) => call.method)).toEqual(["Create"]);
      } else {
        expect(failed.map((call) => call.method)).toEqual([]);
        const failures = lifecycleCalls(run).find((call) => call.method === "Check")?.call.response?.failures as { property: string }[];
        expect(failures).toHaveLength(1);
        // The record leaves out a field at its default, so an empty property shows as absent.
        if (c.stage === "settings") expect(failures[0].property ?? "").toBe("");
      }

      // No canary anywhere a user or a log could see, though the records hold the case's secret config where the
      // protocol carries it in plain text: a leak would have been seen.
      const secretSlots = canariesIn(
        Object.values(config)
          .map((value) => (typeof value === "string" ? "" : value.secret))
          .join("\n"),
      );
      expect(canariesIn(plainByProtocol(run))).toEqual(expect.arrayContaining(secretSlots));
      expect(engineRecordLeaks(run, new Map(Object.entries(SECRETS).map(([slot, secret]) => [`${slot} canary`, secret])))).toEqual([]);
    });
  }
});
