import { PulumiCli } from "../tests/support/pulumi-cli";
import { stackConfigOf, type DemoConfig, type DemoStack, type StepReport } from "./stack";

/** The quickstart driven by the real `pulumi` CLI, hermetic: its own PULUMI_HOME and file backend in a temp dir. */
export class CliStack implements DemoStack {
  readonly driver: string;

  private constructor(private readonly cli: PulumiCli, version: string) {
    this.driver = `the pulumi CLI ${version} (local file backend in a temp dir)`;
  }

  static async start(binDir: string, projectDir: string, runDir: string, config: DemoConfig): Promise<CliStack> {
    const cli = new PulumiCli(binDir, projectDir, runDir);
    const version = (await cli.run(["version"])).trim();
    await cli.run(["stack", "init", "demo", "--non-interactive"]);
    await cli.setConfig(stackConfigOf(config));
    return new CliStack(cli, version);
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
    await this.cli.setConfig({ [key]: value });
  }

  async agentKey() {
    // From the resource's state, which refresh updates (stack outputs change only at the next `up`). Secrets are
    // decrypted only so the simulated agent can register with the key; the value is never printed.
    const state = JSON.parse(await this.cli.run(["stack", "export", "--show-secrets"])) as { deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } };
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

  /** The CLI's own output, as the user would see it; warnings are the lines the engine printed as such. */
  private async step(args: string[]): Promise<StepReport> {
    // Without the progress lines ("@ updating....") an interactive terminal would redraw in place.
    const lines = (await this.cli.run(args)).split("\n").filter((line) => line.trim() !== "" && !line.startsWith("@ "));
    return { lines, warnings: [] };
  }
}

/** A value of `pulumi stack export --show-secrets`: secrets stay wrapped, their JSON value in `plaintext`. */
function exportedPlaintext(value: unknown): unknown {
  const wrapped = value as { plaintext?: unknown } | null;
  return wrapped !== null && typeof wrapped === "object" && typeof wrapped.plaintext === "string" ? JSON.parse(wrapped.plaintext) : value;
}
