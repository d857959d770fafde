import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import { commandWorks, ensurePulumiCli, goAvailable } from "../support/pulumi-cli-build";
import { installedVersion, packedInstall } from "../support/packed-install";
import { ensureKubernetesBins } from "../support/kubernetes-build";

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
    /** The directory of etcd, kube-apiserver, kube-controller-manager and pulumi-resource-kubernetes ("" when skipped). */
    kubernetesBin: string;
    /** Why the tests that need a Kubernetes API server cannot run here; "" when they can. */
    kubernetesSkipReason: string;
    /** `node_modules` of a project that installed the packed tarball with @pulumi/kubernetes ("" when skipped). */
    kubernetesNodeModules: string;
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
    provideKubernetes(project, "", reason, "");
    return;
  }
  const started = Date.now();
  // PULUMI_SODA_CLI_VERSION picks another pinned CLI (.ci/compat.sh runs this tier with the oldest supported).
  const bin = ensurePulumiCli({ version: process.env.PULUMI_SODA_CLI_VERSION || undefined });
  const nodeModules = packedInstall();
  process.stderr.write(`real-cli: CLI in ${bin}, package installed from its tarball (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  project.provide("pulumiBin", bin);
  project.provide("realCliSkipReason", "");
  project.provide("userNodeModules", nodeModules);
  project.provide("pulumiSdkVersion", installedVersion("@pulumi/pulumi"));
  project.provide("pulumiVersion", execFileSync(path.join(bin, "pulumi"), ["version"], { encoding: "utf8" }).trim().replace(/^v/, ""));
  setupKubernetes(project, required);
}

function provideKubernetes(project: TestProject, bin: string, skipReason: string, nodeModules: string): void {
  project.provide("kubernetesBin", bin);
  project.provide("kubernetesSkipReason", skipReason);
  project.provide("kubernetesNodeModules", nodeModules);
}

/**
 * The Kubernetes pieces, built from Go modules on first use (cached; many minutes cold, a second warm), and a
 * packed install with @pulumi/kubernetes for the programs that use it. Without Go the tests that need them skip,
 * saying why; with PULUMI_SODA_REQUIRE_CLI=1 a failed build fails the run.
 */
function setupKubernetes(project: TestProject, required: boolean): void {
  const started = Date.now();
  let bin: string;
  try {
    // Tried even without Go: a filled cache needs none.
    bin = ensureKubernetesBins();
  } catch (error) {
    if (required) throw error;
    const reason = goAvailable()
      ? `building the Kubernetes pieces failed: ${(error as Error).message}`
      : "Go, needed to build etcd, kube-apiserver and the Kubernetes provider (scripts/kubernetes/build.sh), is not here";
    process.stderr.write(`real-cli: Kubernetes tests skipped: ${reason}\n`);
    provideKubernetes(project, "", reason, "");
    return;
  }
  const nodeModules = packedInstall(["@pulumi/kubernetes"]);
  process.stderr.write(`real-cli: Kubernetes pieces in ${bin}, package installed with @pulumi/kubernetes (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  provideKubernetes(project, bin, "", nodeModules);
}
