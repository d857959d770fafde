import { defineConfig } from "vitest/config";

// The acceptance tier: the real pulumi CLI against the emulator. Not part of `npm test`.
export default defineConfig({
  test: {
    pool: "forks",
    include: ["tests/acceptance/**/*.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
