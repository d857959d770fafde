/** What the demo needs from a Pulumi stack, whether the real CLI or the stand-in engine drives it. */
export interface DemoStack {
  /** How this stack is driven, for the story. */
  readonly driver: string;
  up(): Promise<StepReport>;
  refresh(): Promise<StepReport>;
  destroy(): Promise<StepReport>;
  /** `pulumi config set` of a project key (plain). */
  setConfig(key: string, value: string): Promise<void>;
  /** The agent key as the stack holds it; the secret is for the simulated agent, never printed. */
  agentKey(): Promise<{ apiKeyId: string; apiKeySecret: string; registered: boolean; runnerId: string }>;
  close(): Promise<void>;
}

/** What a command did, ready to print. */
export interface StepReport {
  /** What happened, one line each (resources changed, outputs with secrets masked). */
  lines: string[];
  /** Warnings the provider gave, as the user sees them. */
  warnings: string[];
}

/** Stack config of the quickstart: the provider's `soda:` keys and the project's own. */
export interface DemoConfig {
  sodaHost: string;
  admin: { apiKeyId: string; apiKeySecret: string };
  apiKey: { apiKeyId: string; apiKeySecret: string };
  agentName: string;
}

/** The quickstart's stack config: `soda:` keys for the provider, the rest for the program. */
export function stackConfigOf(config: DemoConfig): Record<string, string | { secret: string }> {
  return {
    "soda:host": config.sodaHost,
    "soda:apiKeyId": config.admin.apiKeyId,
    "soda:apiKeySecret": { secret: config.admin.apiKeySecret },
    apiKeyId: config.apiKey.apiKeyId,
    apiKeySecret: { secret: config.apiKey.apiKeySecret },
    agentName: config.agentName,
  };
}
