import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { DemoConfig, DemoStack, StepReport } from "./stack";

const run = promisify(execFile);

/** Whether the `pulumi` CLI is on PATH. */
export async function pulumiCliAvailable(): Promise<boolean> {
  try {
    await run("pulumi", ["version"], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The quickstart driven by the real `pulumi` CLI: a local file backend and a throwaway passphrase in the temp dir,
 * set through environment variables so the user's own `pulumi login` is left untouched.
 */
export class CliStack implements DemoStack {
  readonly driver = "the pulumi CLI (local file backend in a temp dir)";

  private constructor(
    private readonly projectDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(projectDir: string, stateDir: string, config: DemoConfig): Promise<CliStack> {
    const backend = path.join(stateDir, "backend");
    fs.mkdirSync(backend, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: "demo-passphrase-not-a-secret",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      SODA_API_KEY_ID: undefined,
      SODA_API_KEY_SECRET: undefined,
      SODA_HOST: undefined,
    };
    const stack = new CliStack(projectDir, env);
    await stack.pulumi(["stack", "init", "demo", "--non-interactive"]);
    await stack.pulumi(["config", "set", "soda:host", config.sodaHost]);
    await stack.pulumi(["config", "set", "soda:apiKeyId", config.admin.apiKeyId]);
    await stack.pulumi(["config", "set", "--secret", "soda:apiKeySecret", config.admin.apiKeySecret]);
    await stack.pulumi(["config", "set", "apiKeyId", config.apiKey.apiKeyId]);
    await stack.pulumi(["config", "set", "--secret", "apiKeySecret", config.apiKey.apiKeySecret]);
    await stack.pulumi(["config", "set", "agentName", config.agentName]);
    return stack;
  }

  up(): Promise<StepReport> {
    return this.step(["up", "--yes", "--skip-preview", "--non-interactive"]);
  }

  refresh(): Promise<StepReport> {
    return this.step(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
  }

  destroy(): Promise<StepReport> {
    return this.step(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
  }

  async setConfig(key: string, value: string): Promise<void> {
    await this.pulumi(["config", "set", key, value]);
  }

  async agentKey() {
    // --show-secrets only so the simulated agent can register with the key; the value is never printed.
    const outputs = JSON.parse(await this.pulumi(["stack", "output", "--json", "--show-secrets"])) as Record<string, unknown>;
    return {
      apiKeyId: String(outputs.agentKeyId),
      apiKeySecret: String(outputs.agentKeySecret),
      registered: outputs.agentRegistered === true,
      runnerId: String(outputs.agentRunnerId),
    };
  }

  async close(): Promise<void> {
    await this.pulumi(["stack", "rm", "--yes", "--force", "--non-interactive"]).catch(() => undefined);
  }

  private async step(args: string[]): Promise<StepReport> {
    const output = await this.pulumi([...args, "--color", "never"]);
    const lines = output.split("\n").filter((line) => line.trim() !== "");
    return { lines, warnings: lines.filter((line) => /\bwarning: /.test(line)).map((line) => line.trim()) };
  }

  private async pulumi(args: string[]): Promise<string> {
    const { stdout, stderr } = await run("pulumi", args, { cwd: this.projectDir, env: this.env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    return `${stdout}${stderr}`;
  }
}
