import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Pulumi's runtime fails under worker threads ("Trace events are unavailable").
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["tests/**/*.test.ts"],
          exclude: ["tests/real-cli/**", "tests/acceptance/**", "node_modules/**"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The reference tier: the real Pulumi CLI, built from Go modules on first use (tests/real-cli/global-setup.ts).
        extends: true,
        test: {
          name: "real-cli",
          include: ["tests/real-cli/**/*.test.ts"],
          globalSetup: ["tests/real-cli/global-setup.ts"],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
