import { boolean, looseObject, number, record, string, type Infer, type Schema } from "./shape";

/**
 * Resource state (the outputs Pulumi stores). Every version of this provider must read the state written by
 * every earlier one, because changing provider code never replaces a resource. `stateVersion` says which shape a
 * state has; `migrate*` lifts older shapes to the current one. Version 1 is the first.
 */
export const CURRENT_STATE_VERSION = 1;

const stateVersion = number().int().min(1);

export const agentKeyState = looseObject({
  stateVersion,
  agentName: string(),
  rotationTriggers: record(string()).optional(),
  rotationPeriod: string().optional(),
  apiKeyId: string(),
  apiKeySecret: string(),
  endpoint: string(),
  createdAt: string(),
  runnerId: string(),
  registered: boolean(),
});

export const apiKeyState = looseObject({
  stateVersion,
  apiKeyId: string(),
  apiKeySecret: string(),
  rotationTriggers: record(string()).optional(),
  organisationName: string(),
  endpoint: string(),
  verifiedAt: string(),
  sodaCloudConfig: string(),
});

export const agentRegistrationState = looseObject({
  stateVersion,
  agentName: string(),
  apiKeyId: string(),
  endpoint: string(),
  timeoutSeconds: number().optional(),
  namespace: string().optional(),
  runnerId: string(),
  registeredAt: string(),
});

export type AgentKeyState = Infer<typeof agentKeyState>;
export type ApiKeyState = Infer<typeof apiKeyState>;
export type AgentRegistrationState = Infer<typeof agentRegistrationState>;

/** Thrown when stored state cannot be read; it says which version wrote it and what to do. */
export class StateError extends Error {
  constructor(resourceType: string, problem: string) {
    super(`The stored state of this ${resourceType} ${problem}.`);
    this.name = "StateError";
  }
}

function readState<T>(resourceType: string, schema: Schema<T>, props: Record<string, unknown>): T {
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

/** Reads a SodaAgentRegistration's stored outputs, of any state version this provider has written. */
export function readAgentRegistrationState(props: Record<string, unknown>): AgentRegistrationState {
  return readState("SodaAgentRegistration", agentRegistrationState, props);
}
