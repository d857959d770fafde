import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot, type ProjectDir } from "../tests/support/project-dir";

/** The agent name the demo's quickstart stack uses. */
export const DEMO_AGENT_NAME = "quickstart-agent";

/**
 * A throwaway copy of this checkout as a developer has it after `npm install`, so that no stack file is ever
 * written into the checkout: the root Pulumi.yaml (main: examples/quickstart/index.ts), package.json,
 * tsconfig.json, the build in dist/, the quickstart, and a link to node_modules. Like the checkout itself, it
 * does not hold the package in any node_modules: the program imports it by its own name, and the provider host,
 * started in examples/quickstart, finds the build by walking up (provider/shim.ts).
 */
export function quickstartProject(): ProjectDir {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "soda-quickstart-")));
  for (const entry of ["Pulumi.yaml", "package.json", "tsconfig.json", "dist", path.join("examples", "quickstart")]) {
    fs.cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
