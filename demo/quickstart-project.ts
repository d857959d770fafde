import * as fs from "node:fs";
import * as path from "node:path";
import { prepareProjectDir, repoRoot, type ProjectDir } from "../tests/support/project-dir";

/** The agent name the demo's quickstart stack uses. */
export const DEMO_AGENT_NAME = "quickstart-agent";

/**
 * A throwaway copy of the quickstart project (the root Pulumi.yaml and examples/quickstart), whose node_modules
 * links this package, so that no stack file is ever written into the checkout.
 */
export function quickstartProject(): ProjectDir {
  return prepareProjectDir({
    prefix: "soda-demo-",
    files: {
      "Pulumi.yaml": fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"),
      "examples/quickstart/index.ts": fs.readFileSync(path.join(repoRoot, "examples", "quickstart", "index.ts"), "utf8"),
      "package.json": JSON.stringify({ name: "soda-cloud-quickstart", private: true, main: "examples/quickstart/index.ts" }),
      "tsconfig.json": JSON.stringify({
        compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", rootDir: ".", strict: true, skipLibCheck: true },
        files: ["examples/quickstart/index.ts"],
      }),
    },
  });
}
