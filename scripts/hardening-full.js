#!/usr/bin/env node
/**
 * Runs a hardening test at its full count, with the same test file `npm test` runs at a smaller one:
 *   node scripts/hardening-full.js load    # 200 agent keys through one provider host (LOAD_KEYS)
 *   node scripts/hardening-full.js crash   # 25 SIGKILLs of the emulator CLI (CRASH_KILLS)
 * A count or seed already set in the environment wins. Expects a build (`npm run build`).
 */
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const RUNS = {
  load: { file: "tests/hardening/load.test.ts", env: { LOAD_KEYS: "200" } },
  crash: { file: "tests/hardening/emulator-crash.test.ts", env: { CRASH_KILLS: "25" } },
};

const run = RUNS[process.argv[2]];
if (run === undefined) {
  process.stderr.write(`usage: node scripts/hardening-full.js ${Object.keys(RUNS).join("|")}\n`);
  process.exit(2);
}
const root = path.resolve(__dirname, "..");
const vitest = path.join(path.dirname(require.resolve("vitest/package.json", { paths: [root] })), "vitest.mjs");
const result = spawnSync(process.execPath, [vitest, "run", run.file], { cwd: root, stdio: "inherit", env: { ...run.env, ...process.env } });
process.exit(result.status ?? 1);
