import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareProjectDir, repoRoot, type ProjectDir } from "../support/project-dir";

/**
 * `npm run demo` where no pulumi CLI can be had: the demo compiled as `npm run demo` compiles it, run with a PATH
 * that holds neither a `pulumi` nor Go. (The demo itself runs through the real CLI: tests/real-cli/demo.test.ts.)
 */
let build: ProjectDir;
let emptyBin: string;

beforeAll(() => {
  // A project dir, so that the compiled demo finds this package (its emulator) by name, as in the checkout.
  build = prepareProjectDir({ prefix: "soda-demo-build-" });
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const compiled = spawnSync(process.execPath, [tsc, "-p", path.join(repoRoot, "tsconfig.demo.json"), "--outDir", build.dir], { encoding: "utf8" });
  expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);
  emptyBin = fs.mkdtempSync(path.join(os.tmpdir(), "soda-demo-empty-path-"));
}, 120_000);

afterAll(() => {
  build?.cleanup();
  if (emptyBin !== undefined) fs.rmSync(emptyBin, { recursive: true, force: true });
});

describe("npm run demo without a pulumi CLI or Go", () => {
  it("says in one line what to install, and exits non-zero before starting anything", () => {
    const tempBefore = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("soda-demo-state-") || name.startsWith("soda-quickstart-"));
    const run = spawnSync(process.execPath, [path.join(build.dir, "demo", "run.js")], {
      env: { ...process.env, PATH: emptyBin },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/install Go 1\.25 or newer .*so that scripts\/pulumi-cli\/build\.sh can build it, or put a pulumi 3\.139\.0 or newer on PATH/);
    // Nothing was started, so no temp dir was made either.
    expect(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("soda-demo-state-") || name.startsWith("soda-quickstart-"))).toEqual(tempBefore);
  });
});
