import { PulumiCli } from "../tests/support/pulumi-cli";

/** Stack config of the quickstart: the provider's `soda:` keys and the project's own. */
export interface DemoConfig {
  sodaHost: string;
  admin: { apiKeyId: string; apiKeySecret: string };
  apiKey: { apiKeyId: string; apiKeySecret: string };
  agentName: string;
}

/** The quickstart driven by the real `pulumi` CLI, hermetic: its own PULUMI_HOME and file backend in a temp dir. */
export class CliStack {
  /** How this stack is driven, for the story. */
  readonly driver: string;

  private constructor(
    private readonly cli: PulumiCli,
    version: string,
  ) {
    this.driver = `the pulumi CLI ${version} (local file backend in a temp dir)`;
  }

  static async start(binDir: string, projectDir: string, runDir: string, config: DemoConfig): Promise<CliStack> {
    const cli = new PulumiCli(binDir, projectDir, runDir);
    const version = (await cli.run(["version"])).trim();
    await cli.run(["stack", "init", "demo", "--non-interactive"]);
    await cli.setConfig({
      "soda:host": config.sodaHost,
      "soda:apiKeyId": config.admin.apiKeyId,
      "soda:apiKeySecret": { secret: config.admin.apiKeySecret },
      apiKeyId: config.apiKey.apiKeyId,
      apiKeySecret: { secret: config.apiKey.apiKeySecret },
      agentName: config.agentName,
    });
    return new CliStack(cli, version);
  }

  up(): Promise<string[]> {
    return this.step(["up", "--yes", "--skip-preview", "--non-interactive"]);
  }

  refresh(): Promise<string[]> {
    return this.step(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
  }

  destroy(): Promise<string[]> {
    return this.step(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
  }

  /** `pulumi config set` of a project key (plain). */
  async setConfig(key: string, value: string): Promise<void> {
    await this.cli.setConfig({ [key]: value });
  }

  /** The agent key as the stack holds it; the secret is for the simulated agent, never printed. */
  async agentKey(): Promise<{ apiKeyId: string; apiKeySecret: string; registered: boolean; runnerId: string }> {
    // From the resource's state, which refresh updates (stack outputs change only at the next `up`). Secrets are
    // decrypted only so the simulated agent can register with the key; the value is never printed.
    const state = JSON.parse(await this.cli.run(["stack", "export", "--show-secrets"])) as {
      deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] };
    };
    const outputs = state.deployment.resources?.find((r) => r.type === "pulumi-nodejs:dynamic/soda:AgentKey")?.outputs ?? {};
    return {
      apiKeyId: String(outputs.apiKeyId),
      apiKeySecret: String(exportedPlaintext(outputs.apiKeySecret)),
      registered: outputs.registered === true,
      runnerId: String(outputs.runnerId),
    };
  }

  async close(): Promise<void> {
    await this.cli.run(["stack", "rm", "--yes", "--force", "--non-interactive"]).catch(() => undefined);
  }

  /** The CLI's own output, as the user would see it, warnings included. */
  private async step(args: string[]): Promise<string[]> {
    // Without the progress lines ("@ updating....") an interactive terminal would redraw in place.
    return (await this.cli.run(args)).split("\n").filter((line) => line.trim() !== "" && !line.startsWith("@ "));
  }
}

/** A value of `pulumi stack export --show-secrets`: secrets stay wrapped, their JSON value in `plaintext`. */
function exportedPlaintext(value: unknown): unknown {
  const wrapped = value as { plaintext?: unknown } | null;
  return wrapped !== null && typeof wrapped === "object" && typeof wrapped.plaintext === "string" ? JSON.parse(wrapped.plaintext) : value;
}
