// The program runner: flags and environment as the Node.js language host passes
// them, timeouts, and failing programs. Plain JavaScript programs keep this fast.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { readPulumiProject } from "../support/program-runner";
import { prepareProjectDir, type ProjectDir } from "../support/project-dir";
import { StandInEngine, assertSucceeded } from "../support/stand-in-engine";

const PULUMI_YAML = `name: runner-fixture
runtime:
  name: nodejs
  options:
    typescript: false
    nodeargs: --no-warnings
`;

const INDEX_JS = `
const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config();
const other = new pulumi.Config("other");
module.exports = {
  project: pulumi.getProject(),
  stack: pulumi.getStack(),
  organization: pulumi.getOrganization(),
  rootDirectory: pulumi.getRootDirectory(),
  dryRun: pulumi.runtime.isDryRun(),
  label: config.get("label"),
  otherKey: other.get("key"),
  seedIsSecret: pulumi.runtime.isConfigSecret("runner-fixture:seed"),
  labelIsSecret: pulumi.runtime.isConfigSecret("runner-fixture:label"),
  typescript: process.env.PULUMI_NODEJS_TYPESCRIPT || "unset",
  cwd: process.cwd(),
  extra: process.env.RUNNER_EXTRA || "unset",
};
`;

let project: ProjectDir;
let engine: StandInEngine;

beforeAll(async () => {
  project = prepareProjectDir({
    files: {
      "Pulumi.yaml": PULUMI_YAML,
      "package.json": JSON.stringify({ name: "runner-fixture", private: true }),
      "index.js": INDEX_JS,
      "hang.js": "setInterval(() => {}, 1000);\n",
      "throw.js": 'throw new Error("kaboom from the program");\n',
    },
  });
  engine = await StandInEngine.start({
    projectDir: project.dir,
    config: { label: "x", seed: { secret: "y" }, "other:key": "z" },
    programEnv: { RUNNER_EXTRA: "yes" },
  });
});

afterAll(async () => {
  await engine?.close();
  project?.cleanup();
});

describe("readPulumiProject", () => {
  it("reads the name and the runtime options the language host uses", () => {
    expect(readPulumiProject(project.dir)).toEqual({
      name: "runner-fixture",
      main: undefined,
      typescript: false,
      tsconfig: undefined,
      nodeargs: ["--no-warnings"],
    });
  });
});

describe("runProgram", () => {
  it("passes the engine's flags and the stack config as the language host does", async () => {
    const result = await engine.up();
    assertSucceeded(result);
    expect(result.stackOutputs).toEqual({
      project: "runner-fixture",
      stack: "dev",
      organization: "organization",
      rootDirectory: project.dir,
      dryRun: false,
      label: "x",
      otherKey: "z",
      seedIsSecret: true,
      labelIsSecret: false,
      typescript: "unset",
      cwd: project.dir,
      extra: "yes",
    });
    expect(result.program?.args).toContain("--no-warnings");
  });

  it("runs previews with --dry-run=true", async () => {
    const result = await engine.preview();
    assertSucceeded(result);
    expect(result.stackOutputs?.dryRun).toBe(true);
  });

  it("kills a program that runs past its timeout", async () => {
    const result = await engine.up({ program: "hang.js", timeoutMs: 1_500 });
    expect(result.ok).toBe(false);
    expect(result.program).toMatchObject({ timedOut: true, exitCode: null, signal: "SIGKILL" });
    expect(result.errors[0]).toMatch(/^program timed out after \d+ ms$/);
  });

  // Without --stack-trace-limit=0 the exit takes 15-30 s on Node 20.20 (see program-runner's header).
  it("reports a program that throws, through the program's own error log", async () => {
    const result = await engine.up({ program: "throw.js", nodeArgs: ["--stack-trace-limit=0"] });
    expect(result.ok).toBe(false);
    expect(result.program?.exitCode).toBe(32);
    const errors = result.diagnostics.filter((d) => d.source === "program" && d.severity === "error");
    expect(errors.map((d) => d.message).join("\n")).toContain("kaboom from the program");
  });
});
