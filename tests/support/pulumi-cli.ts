import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Whether a command runs (exits 0) on this machine, e.g. `pulumi version`. */
export function commandWorks(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 20_000 });
  return result.error === undefined && result.status === 0;
}

/** Whether the `pulumi` CLI is on PATH. */
export function pulumiCliAvailable(): boolean {
  return commandWorks("pulumi", ["version"]);
}

/**
 * The real `pulumi` CLI in one project dir, with a local file backend and a throwaway passphrase under `stateDir`,
 * set through environment variables so the user's own `pulumi login` is left untouched.
 */
export class PulumiCli {
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly projectDir: string,
    stateDir: string,
  ) {
    const backend = path.join(stateDir, "backend");
    fs.mkdirSync(backend, { recursive: true });
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: "throwaway-passphrase-for-a-local-backend",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      SODA_API_KEY_ID: undefined,
      SODA_API_KEY_SECRET: undefined,
      SODA_HOST: undefined,
    };
  }

  /** Runs `pulumi <args>` and returns stdout and stderr together; rejects with both on a non-zero exit. */
  async run(args: string[], timeoutMs = 600_000): Promise<string> {
    try {
      const { stdout, stderr } = await execFileAsync("pulumi", [...args], { cwd: this.projectDir, env: this.env, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs });
      return `${stdout}${stderr}`;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`pulumi ${args[0]} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  }

  /** `pulumi config set` for each entry; `{ secret }` values with `--secret`. */
  async setConfig(config: Record<string, string | { secret: string }>): Promise<void> {
    for (const [key, value] of Object.entries(config)) {
      if (typeof value === "string") await this.run(["config", "set", key, value]);
      else await this.run(["config", "set", "--secret", key, value.secret]);
    }
  }

  /** Stack outputs; secrets stay masked unless asked for (never print them). */
  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    return JSON.parse(await this.run(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])])) as Record<string, unknown>;
  }
}
