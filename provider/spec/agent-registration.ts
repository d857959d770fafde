import { AGENT_NAME_ARGUMENT } from "./agent-key";
import { notEmpty, numberInput, stringInput, type ResourceSpec } from "./property";

/** How long a SodaAgentRegistration waits, in seconds: at most a day, as no deployment takes longer to start. */
export const REGISTRATION_TIMEOUT_SECONDS = { default: 300, max: 86_400 } as const;

/** The wait for a deployed agent to register: `SodaAgentRegistration` (TypeScript only, a child of `SodaAgent`). */
export const AGENT_REGISTRATION = {
  className: "SodaAgentRegistration",
  description:
    "Waits, during `pulumi up`, until a deployed Soda Agent has registered with Soda Cloud under its name and is online, and fails with what to look at when it does not within the timeout. Creates nothing in Soda Cloud.",
  arguments: {
    agentName: {
      ...AGENT_NAME_ARGUMENT,
      description: "The agent name to wait for (the key's `agentName`).",
    },
    apiKeyId: {
      type: "string",
      required: true,
      onChange: "replace",
      check: stringInput(notEmpty),
      description: "The key the agent was deployed with: a new key replaces this resource, so the next `up` waits again.",
    },
    endpoint: {
      type: "string",
      required: true,
      onChange: "replace",
      check: stringInput(notEmpty),
      description: "The Soda Cloud endpoint the key lives at (the key's `endpoint`).",
    },
    timeoutSeconds: {
      type: "number",
      onChange: "update",
      check: numberInput((n) =>
        Number.isInteger(n) && n >= 1 && n <= REGISTRATION_TIMEOUT_SECONDS.max
          ? undefined
          : `must be a whole number of seconds from 1 to ${REGISTRATION_TIMEOUT_SECONDS.max}, not ${n}`,
      ),
      description: `How long to wait, in seconds, from 1 to ${REGISTRATION_TIMEOUT_SECONDS.max}. Default ${REGISTRATION_TIMEOUT_SECONDS.default}.`,
    },
    namespace: {
      type: "string",
      onChange: "update",
      check: stringInput(),
      description: "The Kubernetes namespace the agent runs in, named in the message when it does not register.",
    },
  },
  outputs: {
    runnerId: { type: "string", description: "The runner the agent registered as." },
    registeredAt: { type: "string", description: "When the wait saw the agent online, ISO 8601." },
  },
} as const satisfies ResourceSpec;
