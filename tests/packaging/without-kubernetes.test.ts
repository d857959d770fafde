import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packedInstall } from "../support/packed-install";

/**
 * A user who wants only the key resources installs the tarball without @pulumi/kubernetes (24 MB and a provider
 * plugin): the install has no copy of it, every other entry point loads, and the Kubernetes entry point says what
 * to install instead of a bare "Cannot find module".
 */
let nodeModules: string;

beforeAll(() => {
  nodeModules = packedInstall();
}, 600_000);

/** Runs a CommonJS snippet in the user's project, as its program would run, and returns what it prints. */
function inProject(script: string): string {
  return execFileSync(process.execPath, ["-e", script], { cwd: path.dirname(nodeModules), encoding: "utf8", stdio: "pipe" });
}

describe("installed without @pulumi/kubernetes", () => {
  it("installs no copy of it", () => {
    expect(fs.existsSync(path.join(nodeModules, "@pulumi", "kubernetes"))).toBe(false);
  });

  it("loads the key resources, the emulator, the provider and the client", () => {
    const loaded = inProject(`
      const root = require("pulumi-soda-cloud");
      const emulator = require("pulumi-soda-cloud/emulator");
      require("pulumi-soda-cloud/provider");
      require("pulumi-soda-cloud/client");
      console.log([typeof root.SodaAgentKey, typeof root.SodaApiKey, typeof emulator.startEmulator, "SodaAgent" in root].join(" "));
    `);
    expect(loaded.trim()).toBe("function function function false");
  });

  it("refuses pulumi-soda-cloud/kubernetes with the package to install", () => {
    let stderr = "";
    try {
      inProject(`require("pulumi-soda-cloud/kubernetes")`);
    } catch (error) {
      stderr = String((error as { stderr?: string }).stderr);
    }
    expect(stderr).toContain("pulumi-soda-cloud/kubernetes needs @pulumi/kubernetes");
    expect(stderr).toContain("npm install @pulumi/kubernetes");
  });
});
