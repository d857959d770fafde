import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runInProcessGroup, type GroupRunResult } from "./process-group";

/** What one `pulumi` command printed, and how it ended. */
export type CliResult = GroupRunResult;

/** The environment variables of this machine that must not reach a hermetic run (the user's own Pulumi and Soda). */
const USER_VARIABLES = /^(PULUMI_|SODA_)/;

/**
 * The real `pulumi` CLI in one project dir, hermetic: the binaries of `binDir` first on PATH, its own
 * `PULUMI_HOME`, a file backend and the passphrase secrets provider under `runDir`, no update check, no plugin
 * download, and none of the user's PULUMI_* or SODA_* variables.
 */
export class PulumiCli {
  readonly env: NodeJS.ProcessEnv;
  readonly backendDir: string;

  constructor(
    readonly binDir: string,
    readonly projectDir: string,
    runDir: string,
  ) {
    this.backendDir = path.join(runDir, "backend");
    const home = path.join(runDir, "home");
    fs.mkdirSync(this.backendDir, { recursive: true });
    fs.mkdirSync(home, { recursive: true });
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !USER_VARIABLES.test(key)));
    this.env = {
      ...inherited,
      PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: home,
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: "throwaway-passphrase-for-a-local-backend",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
    };
  }

  /**
   * Runs `pulumi <args>`; resolves with what it printed whatever the exit code. The CLI leads its own process
   * group, which is killed once it has exited (or timed out), so no plugin it started outlives the command.
   */
  exec(args: string[], timeoutMs = 300_000, onSpawn?: (child: ChildProcess) => void): Promise<CliResult> {
    return runInProcessGroup(path.join(this.binDir, "pulumi"), args, { cwd: this.projectDir, env: this.env, timeoutMs, label: `pulumi ${args[0]}`, onSpawn });
  }

  /**
   * Starts `pulumi <args>` and returns at once: `interrupt()` is Ctrl-C in a terminal, SIGINT to the CLI's process
   * group (the CLI and every plugin it started in it); `output()` is its stdout so far; `result` resolves as `exec`
   * does.
   */
  start(args: string[], timeoutMs = 300_000): { interrupt(): void; output(): string; result: Promise<CliResult> } {
    let pid: number | undefined;
    let output = "";
    const result = this.exec(args, timeoutMs, (child) => {
      pid = child.pid;
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    });
    const interrupt = () => {
      if (pid !== undefined) process.kill(-pid, "SIGINT");
    };
    return { interrupt, output: () => output, result };
  }

  /** Runs `pulumi <args>` and returns stdout and stderr together; rejects with both on a non-zero exit. */
  async run(args: string[], timeoutMs?: number): Promise<string> {
    const result = await this.exec(args, timeoutMs);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${result.output}`);
    return result.output;
  }

  /** Runs `pulumi <args>` that must fail; returns what it printed. */
  async fail(args: string[], timeoutMs?: number): Promise<string> {
    const result = await this.exec(args, timeoutMs);
    if (result.code === 0) throw new Error(`pulumi ${args.join(" ")} succeeded, but it should have failed:\n${result.output}`);
    return result.output;
  }

  /** Sets every entry in one `pulumi config set-all` (a CLI start per key costs up to 0.4 s); `{ secret }` values with `--secret`. */
  async setConfig(config: Record<string, string | { secret: string }>): Promise<void> {
    const args = Object.entries(config).flatMap(([key, value]) =>
      typeof value === "string" ? ["--plaintext", `${key}=${value}`] : ["--secret", `${key}=${value.secret}`],
    );
    if (args.length > 0) await this.run(["config", "set-all", ...args]);
  }

  /** Stack outputs; secrets stay masked unless asked for (never print them). */
  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    return JSON.parse(await this.run(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])])) as Record<string, unknown>;
  }

  /** The stack's state as `pulumi stack export` gives it (secrets encrypted). */
  async exportState(): Promise<StackExport> {
    return JSON.parse(await this.run(["stack", "export"])) as StackExport;
  }

  /** Replaces the stack's state with `pulumi stack import`. */
  async importState(state: StackExport): Promise<void> {
    const file = path.join(this.backendDir, `import-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(state));
    try {
      await this.run(["stack", "import", "--file", file]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
}

/** The parts of `pulumi stack export` the tests read. */
export interface StackExport {
  version: number;
  deployment: { resources?: ExportedResource[]; [key: string]: unknown };
}

export interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [key: string]: unknown;
}
