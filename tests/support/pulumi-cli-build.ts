import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "./project-dir";

/** The script that builds the real Pulumi CLI from Go modules into a cache outside git (see its header). */
export const BUILD_SCRIPT = path.join(repoRoot, "scripts", "pulumi-cli", "build.sh");

/** Whether a command runs (exits 0) here, e.g. `go version`. */
export function commandWorks(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 20_000 });
  return result.error === undefined && result.status === 0;
}

/** Whether Go is on PATH, so the CLI can be built here. */
export function goAvailable(): boolean {
  return commandWorks("go", ["version"]);
}

/**
 * Builds the real `pulumi` CLI (or finds it in the cache, or, without a version, takes a supported one on PATH) and returns the directory holding `pulumi`,
 * `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`. The script's progress goes to our stderr; a cold
 * build takes minutes, a warm one a second.
 */
export function ensurePulumiCli(options: { version?: string } = {}): string {
  const result = spawnSync("bash", [BUILD_SCRIPT, ...(options.version === undefined ? [] : [options.version])], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: 60 * 60_000,
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `Building the Pulumi CLI failed (${result.error?.message ?? `exit ${result.status}`}); see the lines above, and run ${path.relative(repoRoot, BUILD_SCRIPT)} by hand to retry.`,
    );
  }
  const lines = result.stdout.trim().split("\n");
  return lines[lines.length - 1];
}
