import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The compatibility job's selection (ci/compat.sh): the tests that drive Pulumi's own provider host and language
 * runtime, which is where another @pulumi/pulumi or Node version can break the provider. The rest of the suite runs
 * with the main config.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    // Pulumi's runtime fails under worker threads ("Trace events are unavailable").
    pool: "forks",
    include: ["tests/host/**/*.test.ts", "tests/program/quickstart.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
