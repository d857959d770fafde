import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emulatorFixture, type EmulatorFixture } from "./emulator-fixture";
import { repoRoot } from "./project-dir";
import { PulumiCli } from "./pulumi-cli";
import { goAvailable } from "./pulumi-cli-build";
import { filesUnder, plaintextStrings } from "./secret-scan";

/** The script that builds a language host (yaml, python) into the cache outside git (see its header). */
export const LANGUAGE_HOST_SCRIPT = path.join(repoRoot, "scripts", "language-hosts", "build.sh");

/** The `pulumi-resource-soda` executable of this checkout (it runs this checkout's `dist`: build first). */
export const PLUGIN_BIN_DIR = path.join(repoRoot, "bin");

export type LanguageHost = "yaml" | "python" | "go";

/** A reason to skip, or with PULUMI_SODA_REQUIRE_CLI=1 (CI) an error: there the tier must run. */
function skipUnlessRequired(reason: string): { skip: string } {
  if (process.env.PULUMI_SODA_REQUIRE_CLI === "1") throw new Error(`${reason}, and PULUMI_SODA_REQUIRE_CLI=1 requires the plugin tests to run`);
  return { skip: reason };
}

/**
 * Builds a language host on first use (or finds it in the cache) and returns its bin directory; the reason to skip
 * instead when it cannot be had here. A cold build takes a minute or more: call from `beforeAll`.
 */
export function ensureLanguageHost(language: LanguageHost): { bin: string } | { skip: string } {
  if (!goAvailable())
    return skipUnlessRequired(`Go, needed to build pulumi-language-${language} (${path.relative(repoRoot, LANGUAGE_HOST_SCRIPT)}), is not here`);
  const result = spawnSync("bash", [LANGUAGE_HOST_SCRIPT, language], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: 30 * 60_000,
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `Building pulumi-language-${language} failed (${result.error?.message ?? `exit ${result.status}`}); see the lines above, and run ${path.relative(repoRoot, LANGUAGE_HOST_SCRIPT)} ${language} by hand to retry.`,
    );
  }
  const lines = result.stdout.trim().split("\n");
  return { bin: lines[lines.length - 1] };
}

/** A stack of a program in another language, using the plugin, against its own emulator. */
export interface PluginStack {
  cli: PulumiCli;
  soda: EmulatorFixture;
  projectDir: string;
  emulatorLog: string[];
  /** Everything every command printed, for the secret scans. */
  printed: string[];
  run(args: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface PluginStackOptions {
  /** `pulumi` and the language host, in this order on PATH. */
  cliBin: string;
  hostBin: string;
  /** The example directory to copy. */
  source: string;
  /** Files written over the copy. */
  files?: Record<string, string>;
  config?: Record<string, string | { secret: string }>;
  /**
   * The packed install of this package (the real-CLI tier's `userNodeModules`): used when it ships the plugin, as
   * a user's `npm install` would, and immune to a rebuild of this checkout's `dist` while a test runs.
   */
  nodeModules?: string;
}

/** Whether a packed install ships the plugin (package.json `files` lists `bin/`). */
export function shipsPlugin(nodeModules: string | undefined): nodeModules is string {
  return nodeModules !== undefined && nodeModules !== "" && fs.existsSync(path.join(nodeModules, "pulumi-soda-cloud", "bin", "pulumi-resource-soda"));
}

/**
 * Copies an example into a temporary project whose `node_modules` holds the plugin as `npm install
 * pulumi-soda-cloud` would make it (the packed install when it ships the plugin, else this checkout), starts an
 * emulator, and inits a stack configured for it.
 */
export async function pluginStack(options: PluginStackOptions): Promise<PluginStack> {
  const emulatorLog: string[] = [];
  const soda = await emulatorFixture({ log: (line) => emulatorLog.push(line) });
  const projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-plugin-project-"));
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-plugin-run-"));
  const close = async () => {
    await soda.close();
    fs.rmSync(projectDir, { recursive: true, force: true });
    fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    fs.cpSync(options.source, projectDir, { recursive: true, filter: (src) => !/(node_modules|\.venv|__pycache__|sdks)$/.test(src) });
    for (const [name, text] of Object.entries(options.files ?? {})) fs.writeFileSync(path.join(projectDir, name), text);
    if (shipsPlugin(options.nodeModules)) {
      fs.symlinkSync(options.nodeModules, path.join(projectDir, "node_modules"), "dir");
    } else {
      fs.mkdirSync(path.join(projectDir, "node_modules"));
      fs.symlinkSync(repoRoot, path.join(projectDir, "node_modules", "pulumi-soda-cloud"), "dir");
    }
    const cli = new PulumiCli(options.cliBin, projectDir, runDir);
    cli.env.PATH = [options.cliBin, options.hostBin, process.env.PATH ?? ""].join(path.delimiter);
    const printed: string[] = [];
    const run = async (args: string[]) => {
      const output = await cli.run(args);
      printed.push(output);
      return output;
    };
    await run(["stack", "init", "test", "--non-interactive"]);
    await cli.setConfig({
      "soda:host": soda.url,
      "soda:apiKeyId": soda.admin.apiKeyId,
      "soda:apiKeySecret": { secret: soda.admin.apiKeySecret },
      ...options.config,
    });
    return { cli, soda, projectDir, emulatorLog, printed, run, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Where a secret shows in plain text: anything a command printed, the state outside secret wrappers, or any file
 * of the backend. Returns the places, empty when there are none (a secret is named by its first characters only).
 */
export async function pluginSecretLeaks(stack: PluginStack, secrets: string[]): Promise<string[]> {
  const state = await stack.cli.exportState();
  const stateStrings = plaintextStrings(state.deployment);
  const backendText = filesUnder(stack.cli.backendDir).map((file) => fs.readFileSync(file, "utf8"));
  const leaks: string[] = [];
  for (const secret of secrets) {
    const name = `${secret.slice(0, 6)}…`;
    if (stack.printed.some((text) => text.includes(secret))) leaks.push(`command output contains ${name}`);
    if (stateStrings.some((text) => text.includes(secret))) leaks.push(`state contains ${name} outside a secret`);
    if (backendText.some((text) => text.includes(secret))) leaks.push(`backend files contain ${name}`);
  }
  return leaks;
}

/** The emulator's runners and runner keys. */
export async function emulatorView(
  soda: EmulatorFixture,
): Promise<{ runners: { id: string; name: string }[]; runnerKeys: { apiKeyId: string; revoked: boolean; runnerId: string | null }[] }> {
  const state = await soda.state();
  return { runners: state.runners, runnerKeys: state.apiKeys.filter((k: { kind: string }) => k.kind === "runner") };
}

/** Runs one of our cache scripts and returns its last stdout line (a directory). */
function cachedBuild(script: string, args: string[]): string {
  const result = spawnSync("bash", [path.join(repoRoot, "scripts", "language-hosts", script), ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: 30 * 60_000,
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `scripts/language-hosts/${script} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`}); see the lines above, and run it by hand to retry.`,
    );
  }
  const lines = result.stdout.trim().split("\n");
  return lines[lines.length - 1];
}

/** What a Python program of the plugin needs here: the language host, Pulumi's Python SDK, and our SDK generator. */
export interface PythonTooling {
  hostBin: string;
  /** A venv holding `pulumi` from PyPI (shared, never written to by tests). */
  sdkVenv: string;
  /** Directory of `sdk-gen` (scripts/language-hosts/sdk-gen). */
  sdkGenBin: string;
}

/** Builds or finds the Python tooling; the reason to skip when it cannot be had here. Call from `beforeAll`. */
export function ensurePythonTooling(): PythonTooling | { skip: string } {
  const host = ensureLanguageHost("python");
  if ("skip" in host) return host;
  if (spawnSync("python3", ["-c", "import sys, venv; sys.exit(sys.version_info < (3, 9))"]).status !== 0)
    return skipUnlessRequired("Python 3.9 or newer with the venv module, needed for Pulumi's Python SDK, is not here");
  return { hostBin: host.bin, sdkVenv: cachedBuild("python-venv.sh", []), sdkGenBin: cachedBuild("build.sh", ["sdk-gen"]) };
}

/**
 * Generates the `pulumi_soda` SDK from the plugin's schema (as `pulumi package add` does with a newer Python host)
 * and gives the project a venv of its own holding it, that sees the shared SDK venv without copying it.
 */
export async function preparePythonProject(stack: PluginStack, tooling: PythonTooling): Promise<void> {
  const sdkDir = await generateSdk(stack, tooling.sdkGenBin, "python");
  const venv = path.join(stack.projectDir, "venv");
  const made = spawnSync("python3", ["-m", "venv", "--without-pip", venv], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`);
  const sitePackages = (dir: string) => {
    const lib = path.join(dir, "lib");
    const python = fs.readdirSync(lib).find((name) => name.startsWith("python"));
    if (python === undefined) throw new Error(`no lib/python* in ${dir}`);
    return path.join(lib, python, "site-packages");
  };
  // A .pth file puts the shared SDK venv on the project venv's path; the generated SDK is installed into the
  // project venv (it reads its own version from its package metadata), offline, by the shared venv's pip.
  fs.writeFileSync(path.join(sitePackages(venv), "soda-test-paths.pth"), `${sitePackages(tooling.sdkVenv)}\n`);
  const installed = spawnSync(
    path.join(tooling.sdkVenv, "bin", "python"),
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--no-deps",
      "--no-index",
      "--no-build-isolation",
      "--target",
      sitePackages(venv),
      sdkDir,
    ],
    { encoding: "utf8" },
  );
  if (installed.status !== 0) throw new Error(`installing the generated SDK failed: ${installed.stderr}`);
  // The Python host of sdk v3.68.0 reads `virtualenv` from a command-line flag, which CLIs since pass in the run
  // request instead, so it runs the first python on PATH: the venv's, as when a user has activated it.
  stack.cli.env.PATH = [path.join(venv, "bin"), stack.cli.env.PATH].join(path.delimiter);
  stack.cli.env.VIRTUAL_ENV = venv;
}

/**
 * Generates the soda SDK for `language` into the project's `sdks/soda` from the schema the plugin serves, as
 * `pulumi package add` does with a language host that can (see scripts/language-hosts/sdk-gen). Returns the dir.
 */
async function generateSdk(stack: PluginStack, sdkGenBin: string, language: "python" | "go"): Promise<string> {
  const schema = await stack.run(["package", "get-schema", "./node_modules/pulumi-soda-cloud/bin/pulumi-resource-soda"]);
  const schemaFile = path.join(stack.projectDir, "soda-schema.json");
  fs.writeFileSync(schemaFile, schema.slice(schema.indexOf("{")));
  const sdkDir = path.join(stack.projectDir, "sdks", "soda");
  const generated = spawnSync(path.join(sdkGenBin, "sdk-gen"), [language, schemaFile, sdkDir], { encoding: "utf8" });
  if (generated.status !== 0) throw new Error(`sdk-gen ${language} failed: ${generated.stderr}`);
  return sdkDir;
}

/** What a Go program of the plugin needs here: the language host and our SDK generator (Go itself is on PATH). */
export interface GoTooling {
  hostBin: string;
  sdkGenBin: string;
}

/** Builds or finds the Go tooling; the reason to skip when it cannot be had here. Call from `beforeAll`. */
export function ensureGoTooling(): GoTooling | { skip: string } {
  const host = ensureLanguageHost("go");
  if ("skip" in host) return host;
  return { hostBin: host.bin, sdkGenBin: cachedBuild("build.sh", ["sdk-gen"]) };
}

/**
 * Generates the Go SDK into `sdks/soda`, where the example's go.mod `replace` points, and resolves the program's
 * modules (`go mod tidy`: from Go's module cache once the CLI build has filled it).
 */
export async function prepareGoProject(stack: PluginStack, tooling: GoTooling): Promise<void> {
  await generateSdk(stack, tooling.sdkGenBin, "go");
  const tidy = spawnSync("go", ["mod", "tidy"], { cwd: stack.projectDir, encoding: "utf8", timeout: 10 * 60_000 });
  if (tidy.status !== 0) throw new Error(`go mod tidy failed: ${tidy.stderr}`);
  // The Go language host compiles the program with this same command at every `pulumi` run. Run once here, the first
  // compile of Pulumi's Go SDK (minutes on a cold Go build cache, more beside other tests) is not charged to the
  // first `pulumi preview`'s time limit; the host's own compile then finds the cache warm.
  const build = spawnSync("go", ["build", "-o", path.join(os.tmpdir(), `soda-go-program-${process.pid}`)], {
    cwd: stack.projectDir,
    encoding: "utf8",
    timeout: GO_COLD_BUILD_MS,
  });
  fs.rmSync(path.join(os.tmpdir(), `soda-go-program-${process.pid}`), { force: true });
  if (build.status !== 0) throw new Error(`go build of the program failed: ${build.stderr || build.error?.message}`);
}

/** Time for a compile of a Go program with Pulumi's Go SDK on a cold Go build cache, beside other tests. */
export const GO_COLD_BUILD_MS = 20 * 60_000;
