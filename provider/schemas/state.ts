import { z } from "zod";

/**
 * Resource state (the outputs Pulumi stores). Every version of this provider must read the state written by
 * every earlier one, because changing provider code never replaces a resource. `stateVersion` says which shape a
 * state has; `migrate*` lifts older shapes to the current one. Version 1 is the first.
 */
export const CURRENT_STATE_VERSION = 1;

const stateVersion = z.number().int().min(1);

export const agentKeyState = z.looseObject({
  stateVersion,
  agentName: z.string(),
  rotationTriggers: z.record(z.string(), z.string()).optional(),
  rotationPeriod: z.string().optional(),
  apiKeyId: z.string(),
  apiKeySecret: z.string(),
  endpoint: z.string(),
  createdAt: z.string(),
  runnerId: z.string(),
  registered: z.boolean(),
});

export const apiKeyState = z.looseObject({
  stateVersion,
  apiKeyId: z.string(),
  apiKeySecret: z.string(),
  rotationTriggers: z.record(z.string(), z.string()).optional(),
  organisationName: z.string(),
  endpoint: z.string(),
  verifiedAt: z.string(),
  sodaCloudConfig: z.string(),
});

export type AgentKeyState = z.infer<typeof agentKeyState>;
export type ApiKeyState = z.infer<typeof apiKeyState>;

/** Thrown when stored state cannot be read; it says which version wrote it and what to do. */
export class StateError extends Error {
  constructor(resourceType: string, problem: string) {
    super(`The stored state of this ${resourceType} ${problem}.`);
    this.name = "StateError";
  }
}

function readState<S extends z.ZodType>(resourceType: string, schema: S, props: Record<string, unknown>): z.infer<S> {
  const version = props.stateVersion;
  if (typeof version === "number" && version > CURRENT_STATE_VERSION) {
    throw new StateError(resourceType, `was written by a newer pulumi-soda-cloud (state version ${version}, this one reads up to ${CURRENT_STATE_VERSION}); upgrade the pulumi-soda-cloud package in this project`);
  }
  const parsed = schema.safeParse(props);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", ");
    throw new StateError(resourceType, `is not readable (fields: ${fields}); run \`pulumi refresh\`, or remove it with \`pulumi state delete <urn>\` and run \`pulumi up\` to create a new key (dynamic resources cannot be imported)`);
  }
  return parsed.data;
}

/** Reads a SodaAgentKey's stored outputs, of any state version this provider has written. */
export function readAgentKeyState(props: Record<string, unknown>): AgentKeyState {
  return readState("SodaAgentKey", agentKeyState, props);
}

/** Reads a SodaApiKey's stored outputs, of any state version this provider has written. */
export function readApiKeyState(props: Record<string, unknown>): ApiKeyState {
  return readState("SodaApiKey", apiKeyState, props);
}
