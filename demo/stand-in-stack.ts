import { isSecretWrapped, unwrapSecrets } from "../tests/support/pulumi-grpc";
import { StandInEngine, describeResult, type ConfigValue, type OperationResult } from "../tests/support/stand-in-engine";
import { masked, short } from "./narrator";
import { stackConfigOf, type DemoConfig, type DemoStack, type StepReport } from "./stack";

const TYPE_NAMES: Record<string, string> = {
  "pulumi-nodejs:dynamic/soda:AgentKey": "SodaAgentKey",
  "pulumi-nodejs:dynamic/soda:ApiKey": "SodaApiKey",
};

/**
 * The quickstart driven by this project's stand-in engine: Pulumi's own language runtime runs the program and
 * Pulumi's own provider host runs the provider, but the engine in between is a test harness, not the CLI.
 */
export class StandInStack implements DemoStack {
  readonly driver = "Pulumi's language runtime and provider host under the stand-in engine";

  private constructor(
    private readonly engine: StandInEngine,
    private config: Record<string, ConfigValue>,
  ) {}

  static async start(projectDir: string, config: DemoConfig): Promise<StandInStack> {
    const stackConfig = stackConfigOf(config);
    // A failing program exits at once instead of spending seconds formatting a deep stack (Node 20).
    const engine = await StandInEngine.start({ projectDir, stack: "demo", config: stackConfig, programNodeArgs: ["--stack-trace-limit=0"] });
    return new StandInStack(engine, stackConfig);
  }

  async up(): Promise<StepReport> {
    return this.report(await this.engine.up());
  }

  async refresh(): Promise<StepReport> {
    return this.report(await this.engine.refresh());
  }

  async destroy(): Promise<StepReport> {
    return this.report(await this.engine.destroy());
  }

  async setConfig(key: string, value: string): Promise<void> {
    this.config = { ...this.config, [key]: value };
    this.engine.setConfig(this.config);
  }

  async agentKey() {
    const state = this.engine.find("agent-key", "pulumi-nodejs:dynamic/soda:AgentKey");
    if (state === undefined) throw new Error("the stack has no agent key");
    const outputs = unwrapSecrets(state.outputs) as Record<string, unknown>;
    return {
      apiKeyId: String(outputs.apiKeyId),
      apiKeySecret: String(outputs.apiKeySecret),
      registered: outputs.registered === true,
      runnerId: String(outputs.runnerId),
    };
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  private report(result: OperationResult): StepReport {
    if (!result.ok) throw new Error(`the stand-in engine's ${result.kind} failed:\n${describeResult(result)}`);
    const lines: string[] = [];
    for (const op of result.operations) {
      const type = TYPE_NAMES[op.type] ?? op.type;
      if (op.op === "same" || op.op === "replace") continue;
      const verb = op.op === "refresh" ? `refreshed (${op.change})` : op.reason === "replace" ? `${op.op}d as part of a replacement` : `${op.op}d`;
      lines.push(`${type} ${op.name}: ${verb}${op.id ? `, id ${short(op.id)}` : ""}`);
    }
    for (const [name, value] of Object.entries(result.stackOutputs ?? {})) {
      lines.push(`output ${name} = ${isSecretWrapped(value) ? masked(unwrapSecrets(value)) : JSON.stringify(value)}`);
    }
    const warnings = result.diagnostics.filter((d) => d.severity === "warning").map((d) => `warning: ${d.message}`);
    return { lines, warnings };
  }
}
