/**
 * A stack of the benchmark program run by the real `pulumi` CLI against the bench emulator: a user's project that
 * installed this package from its packed tarball, a file backend of its own, and one stack. Each kind (ours, the
 * trivial provider) gets its own project dir, so that its provider host is found by its cwd (bench/host-memory.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { prepareProjectDir, type ProjectDir } from "../tests/support/project-dir";
import { PulumiCli } from "../tests/support/pulumi-cli";
import { commandWorks, ensurePulumiCli, goAvailable } from "../tests/support/pulumi-cli-build";
import { packedInstall } from "../tests/support/packed-install";
import { startBenchEmulator, type BenchEmulator } from "./harness";
import { programFiles, type ProgramKind } from "./real-engine-program";
import type { Command } from "./real-engine-minimum";

/** The flags of each timed command: no preview, no prompt, as in CI. */
export const COMMAND_ARGS: Record<Command, string[]> = {
  up: ["up", "--yes", "--skip-preview", "--non-interactive"],
  refresh: ["refresh", "--yes", "--skip-preview", "--non-interactive"],
  destroy: ["destroy", "--yes", "--skip-preview", "--non-interactive"],
};

/** A command of 1000 keys at the scaled limits takes minutes; a hung one must still end. */
const COMMAND_TIMEOUT_MS = 20 * 60_000;

/**
 * Why the real CLI cannot be had here ("" when it can): as the real-CLI test tier decides, it needs Go to build it
 * (scripts/pulumi-cli/build.sh) or a `pulumi` on PATH.
 */
export function realCliSkipReason(): string {
  if (goAvailable() || commandWorks("pulumi", ["version"])) return "";
  return "neither a pulumi CLI on PATH nor Go to build one (scripts/pulumi-cli/build.sh) is here";
}

/** The CLI's directory and the packed install's node_modules, each made once per process (both are cached on disk too). */
let setup: { bin: string; nodeModules: string } | undefined;
export function realCliSetup(): { bin: string; nodeModules: string } {
  setup ??= { bin: ensurePulumiCli({ version: process.env.PULUMI_SODA_CLI_VERSION || undefined }), nodeModules: packedInstall() };
  return setup;
}

/** The engine's `--parallel` default as this CLI states it in `pulumi up --help`. */
export async function parallelDefault(cli: PulumiCli): Promise<number> {
  const help = await cli.run(["up", "--help"]);
  const match = /--parallel\b.*\(default (\d+)\)/.exec(help);
  if (match === null) throw new Error("`pulumi up --help` does not state the --parallel default");
  return Number(match[1]);
}

export interface BenchStack {
  kind: ProgramKind;
  cli: PulumiCli;
  project: ProjectDir;
  /** Sets the number of resources the program declares. */
  setKeys(keys: number): Promise<void>;
  /** Runs a command and returns its wall time, milliseconds; throws with the CLI's output when it fails. */
  timed(command: Command): Promise<number>;
  /** The stack's agent keys with their secrets (the `keys` output), to register simulated agents. */
  agentKeys(): Promise<{ name: string; apiKeyId: string; apiKeySecret: string }[]>;
  /** Removes the project dir and the backend. */
  close(): void;
}

/** Makes the project and its stack `bench`, configured against the emulator with the scaled windows. */
export async function openBenchStack(kind: ProgramKind, emulator: BenchEmulator, rateWindowMs: number): Promise<BenchStack> {
  const { bin, nodeModules } = realCliSetup();
  const project = prepareProjectDir({ files: programFiles(), prefix: `soda-bench-${kind}-`, nodeModules });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-bench-run-"));
  const close = () => {
    project.cleanup();
    fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const cli = new PulumiCli(bin, project.dir, runDir);
    await cli.run(["stack", "init", "bench", "--non-interactive"]);
    await cli.setConfig({
      kind,
      keys: "1",
      "soda:host": emulator.url,
      "soda:apiKeyId": emulator.admin.apiKeyId,
      "soda:apiKeySecret": { secret: emulator.admin.apiKeySecret },
      "soda:rateWindowMs": String(rateWindowMs),
    });
    return {
      kind,
      cli,
      project,
      setKeys: (keys) => cli.setConfig({ keys: String(keys) }),
      async timed(command) {
        const started = performance.now();
        const result = await cli.exec(COMMAND_ARGS[command], COMMAND_TIMEOUT_MS);
        const ms = performance.now() - started;
        if (result.code !== 0) throw new Error(`pulumi ${command} of the ${kind} stack exited ${result.code}:\n${result.output.slice(-4000)}`);
        return ms;
      },
      async agentKeys() {
        return JSON.parse(await cli.run(["stack", "output", "keys", "--json", "--show-secrets"])) as { name: string; apiKeyId: string; apiKeySecret: string }[];
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * Runs `body` with an emulator and two stacks against it, ours and the trivial provider's (the engine's own cost),
 * and removes all three afterwards, whether it succeeded or not.
 */
export async function withBenchStacks<T>(
  options: { rateWindowMs: number; latencyMs: number },
  body: (emulator: BenchEmulator, ours: BenchStack, trivial: BenchStack) => Promise<T>,
): Promise<T> {
  const emulator = await startBenchEmulator({ rateWindowMs: options.rateWindowMs, latencyMs: options.latencyMs });
  const stacks: BenchStack[] = [];
  try {
    const ours = await openBenchStack("soda", emulator, options.rateWindowMs);
    stacks.push(ours);
    const trivial = await openBenchStack("trivial", emulator, options.rateWindowMs);
    stacks.push(trivial);
    return await body(emulator, ours, trivial);
  } finally {
    for (const stack of stacks) stack.close();
    await emulator.close();
  }
}
