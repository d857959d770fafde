import { PulumiCli } from "../tests/support/pulumi-cli";
import { stackConfigOf, type DemoConfig, type DemoStack, type StepReport } from "./stack";

/** The quickstart driven by the real `pulumi` CLI, with a local file backend in the demo's temp dir. */
export class CliStack implements DemoStack {
  readonly driver = "the pulumi CLI (local file backend in a temp dir)";

  private constructor(private readonly cli: PulumiCli) {}

  static async start(projectDir: string, stateDir: string, config: DemoConfig): Promise<CliStack> {
    const cli = new PulumiCli(projectDir, stateDir);
    await cli.run(["stack", "init", "demo", "--non-interactive"]);
    await cli.setConfig(stackConfigOf(config));
    return new CliStack(cli);
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
    // Secrets are shown only so the simulated agent can register with the key; the value is never printed.
    const outputs = await this.cli.outputs(true);
    return {
      apiKeyId: String(outputs.agentKeyId),
      apiKeySecret: String(outputs.agentKeySecret),
      registered: outputs.agentRegistered === true,
      runnerId: String(outputs.agentRunnerId),
    };
  }

  async close(): Promise<void> {
    await this.cli.run(["stack", "rm", "--yes", "--force", "--non-interactive"]).catch(() => undefined);
  }

  private async step(args: string[]): Promise<StepReport> {
    const lines = (await this.cli.run([...args, "--color", "never"])).split("\n").filter((line) => line.trim() !== "");
    return { lines, warnings: lines.filter((line) => /\bwarning: /.test(line)).map((line) => line.trim()) };
  }
}
