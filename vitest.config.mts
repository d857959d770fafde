import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * The fast tier: tests that run in this process only (the client, the lifecycles against the in-process emulator
 * with a fake clock, schemas, the SDK under mocks, the emulator's API, the plugin's protocol served in-process).
 * No CLI, no `npm pack`, no `tsc`, no child process. `npm run test:fast`. The emulator's CLI, run as a process, is
 * in `tests/emulator/process/`, outside these globs.
 */
const FAST = ["tests/client/*.test.ts", "tests/emulator/*.test.ts", "tests/provider/*.test.ts", "tests/sdk/*.test.ts", "tests/plugin/*.test.ts"];
const REAL_CLI = ["tests/real-cli/**/*.test.ts"];

export default defineConfig({
  test: {
    // Pulumi's runtime fails under worker threads ("Trace events are unavailable").
    pool: "forks",
    // Most files wait on processes (the CLI, provider hosts, an API server) more than they compute, so more files
    // run at once than vitest's default of one per core less one (a single worker on 2 cores).
    maxWorkers: Number(process.env.PULUMI_SODA_TEST_WORKERS ?? Math.max(availableParallelism() * 2, 2)),
    projects: [
      { extends: true, test: { name: "fast", include: FAST, testTimeout: 30_000, hookTimeout: 30_000 } },
      {
        // Everything else that is not the real CLI: tests that start processes (Pulumi's provider host, the packed
        // package and tsc, the emulator's CLI, load and crash tests, the demo, the benchmarks at tiny counts).
        extends: true,
        test: {
          name: "processes",
          include: ["tests/**/*.test.ts"],
          exclude: [...FAST, ...REAL_CLI, "node_modules/**"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The reference tier: the real Pulumi CLI, built from Go modules on first use (tests/real-cli/global-setup.ts).
        extends: true,
        test: { name: "real-cli", include: REAL_CLI, globalSetup: ["tests/real-cli/global-setup.ts"], testTimeout: 600_000, hookTimeout: 120_000 },
      },
    ],
  },
});
