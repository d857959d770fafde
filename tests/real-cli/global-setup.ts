import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import { commandWorks, ensurePulumiCli, goAvailable } from "../support/pulumi-cli-build";
import { installedVersion, packedInstall } from "../support/packed-install";

declare module "vitest" {
  export interface ProvidedContext {
    /** The directory of the real `pulumi` CLI, or "" when it cannot be had here (see `realCliSkipReason`). */
    pulumiBin: string;
    /** Why the real-CLI tier cannot run here; "" when it can. */
    realCliSkipReason: string;
    /** `node_modules` of a project that installed this package from its packed tarball. */
    userNodeModules: string;
    /** The CLI's version, without the "v" ("" when skipped). */
    pulumiVersion: string;
    /** The version of @pulumi/pulumi in the packed install ("" when skipped). */
    pulumiSdkVersion: string;
  }
}

/**
 * Once per run of the real-CLI tier: build the Pulumi CLI from Go modules (cached; minutes cold, a second warm)
 * (or take a supported one on PATH) and install this package from its packed tarball. With neither Go nor a
 * CLI the tier is skipped, saying why, unless
 * PULUMI_SODA_REQUIRE_CLI=1 (CI), where a CLI that cannot be built fails the run.
 */
export default function setup(project: TestProject): void {
  const required = process.env.PULUMI_SODA_REQUIRE_CLI === "1";
  if (!goAvailable() && !commandWorks("pulumi", ["version"]) && !required) {
    const reason = "neither a pulumi CLI on PATH nor Go to build one (scripts/pulumi-cli/build.sh) is here";
    process.stderr.write(`real-cli: skipped: ${reason}\n`);
    project.provide("pulumiBin", "");
    project.provide("realCliSkipReason", reason);
    project.provide("userNodeModules", "");
    project.provide("pulumiVersion", "");
    project.provide("pulumiSdkVersion", "");
    return;
  }
  const started = Date.now();
  // PULUMI_SODA_CLI_VERSION picks another pinned CLI (ci/compat.sh runs this tier with the oldest supported).
  const bin = ensurePulumiCli({ version: process.env.PULUMI_SODA_CLI_VERSION || undefined });
  const nodeModules = packedInstall();
  process.stderr.write(`real-cli: CLI in ${bin}, package installed from its tarball (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  project.provide("pulumiBin", bin);
  project.provide("realCliSkipReason", "");
  project.provide("userNodeModules", nodeModules);
  project.provide("pulumiSdkVersion", installedVersion("@pulumi/pulumi"));
  project.provide("pulumiVersion", execFileSync(path.join(bin, "pulumi"), ["version"], { encoding: "utf8" }).trim().replace(/^v/, ""));
}
