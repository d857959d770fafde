import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Pulumi's runtime fails under worker threads ("Trace events are unavailable").
    pool: "forks",
    include: ["tests/**/*.test.ts"],
    exclude: ["tests/acceptance/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
