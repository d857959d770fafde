import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runInProcessGroup } from "./process-group";
import { commandWorks } from "./pulumi-cli-build";
import { repoRoot } from "./project-dir";

/** The script that installs Soda Core from PyPI into a venv in a cache outside git (see its header). */
export const INSTALL_SCRIPT = path.join(repoRoot, "scripts", "soda-core", "install.sh");

/** The Soda Core version the tests prove, from scripts/soda-core/versions.env. */
export const SODA_CORE_VERSION: string = (() => {
  const match = /^SODA_CORE_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(repoRoot, "scripts", "soda-core", "versions.env"), "utf8"));
  if (match === null) throw new Error("scripts/soda-core/versions.env has no SODA_CORE_VERSION line");
  return match[1];
})();

/**
 * Why Soda Core cannot be installed here ("" when it can): the install needs Python 3.10+ with venv. Where it
 * may (PULUMI_SODA_REQUIRE_CLI=1, CI), this is "" and the install itself fails loudly instead.
 */
export function sodaCoreSkipReason(): string {
  if (process.env.PULUMI_SODA_REQUIRE_CLI === "1") return "";
  const python = process.env.PULUMI_SODA_PYTHON || "python3";
  return commandWorks(python, ["-c", "import sys, venv; sys.exit(sys.version_info < (3, 10))"])
    ? ""
    : `no Python 3.10+ with venv (${python}) to install Soda Core into (scripts/soda-core/install.sh)`;
}

let sodaPath: string | undefined;

/**
 * The `soda` of the pinned Soda Core, installed by the script on first use (once per process; cached outside git,
 * so a warm run is offline and takes well under a second). Its progress goes to our stderr.
 */
export function ensureSodaCore(): string {
  if (sodaPath !== undefined) return sodaPath;
  const result = spawnSync("bash", [INSTALL_SCRIPT], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", timeout: 20 * 60_000 });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `Installing Soda Core failed (${result.error?.message ?? `exit ${result.status}`}); see the lines above, and run ${path.relative(repoRoot, INSTALL_SCRIPT)} by hand to retry.`,
    );
  }
  const bin = result.stdout.trim().split("\n").at(-1) ?? "";
  const soda = path.join(bin, "soda");
  if (!fs.existsSync(soda)) throw new Error(`${path.relative(repoRoot, INSTALL_SCRIPT)} printed ${JSON.stringify(bin)}, which holds no soda`);
  sodaPath = soda;
  return soda;
}

/** What one `soda` command printed, and how it ended. */
export interface SodaResult {
  code: number;
  /** stdout then stderr (Soda logs to both; a traceback goes to stderr). */
  output: string;
}

export interface SodaRunOptions {
  /** Variables on top of the hermetic environment, e.g. REQUESTS_CA_BUNDLE or HTTPS_PROXY. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * `soda cloud test` (Soda Core v4's connection test: a login, then the whoAmI query) on a configuration file
 * holding `configuration`.
 */
export function sodaCloudTest(soda: string, configuration: string, options: SodaRunOptions = {}): Promise<SodaResult> {
  return runOnFile(soda, "configuration.yml", configuration, (file) => ["cloud", "test", "-sc", file], options);
}

/** `soda contract test` (Soda Core v4's syntax check of a data contract, no data source needed) on `contract`. */
export function sodaContractTest(soda: string, contract: string, options: SodaRunOptions = {}): Promise<SodaResult> {
  return runOnFile(soda, "contract.yml", contract, (file) => ["contract", "test", "-c", file], options);
}

/** Runs `soda` on a file holding `content`, written to a private temp dir that is removed afterwards. */
async function runOnFile(soda: string, name: string, content: string, args: (file: string) => string[], options: SodaRunOptions): Promise<SodaResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-core-run-"));
  try {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    return await runSoda(soda, args(file), dir, options);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `soda` hermetically: only a PATH, a HOME and what Soda reads, none of this machine's SODA_* or proxy
 * variables; killed with its process group on timeout, so nothing outlives the call.
 */
async function runSoda(soda: string, args: string[], dir: string, options: SodaRunOptions): Promise<SodaResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(soda)}${path.delimiter}/usr/bin${path.delimiter}/bin`,
    HOME: dir,
    LANG: "C.UTF-8",
    PYTHONIOENCODING: "utf-8",
    PYTHONNOUSERSITE: "1",
    // Soda Core sends anonymous usage traces to its collector by default, and waits on retries when it cannot.
    SODA_CORE_TELEMETRY_ENABLED: "false",
    // Soda Core loads a .env found above its own install dir (the cache, then HOME): none may reach the run.
    PYTHON_DOTENV_DISABLED: "1",
    ...options.env,
  };
  const result = await runInProcessGroup(soda, args, { cwd: dir, env, timeoutMs: options.timeoutMs ?? 60_000, label: "soda" });
  return { code: result.code, output: result.output };
}
