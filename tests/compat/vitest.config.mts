import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The compatibility job's selection (ci/compat.sh): the tests that drive Pulumi's own provider host, and the real
 * CLI's lifecycle and rotation scenarios, which is where another @pulumi/pulumi or Node version can break the
 * provider. The rest of the suite runs with the main config.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    // Pulumi's runtime fails under worker threads ("Trace events are unavailable").
    pool: "forks",
    include: ["tests/host/**/*.test.ts", "tests/real-cli/lifecycle.test.ts", "tests/real-cli/rotation.test.ts"],
    globalSetup: ["tests/real-cli/global-setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
