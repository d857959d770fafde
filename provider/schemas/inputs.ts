import { number, record, string, strictObject, type Infer } from "./shape";
import { rotationPeriodProblem } from "../rotation";

/**
 * Resource inputs, strict: an argument we do not know is an error (it is most likely misspelled), and every
 * failure names the property. Validation of values not known yet (preview) is skipped by `checkInputs`.
 */

/** Undocumented by Soda; our assumption for a name that is safe in Helm values, logs and the Soda Cloud UI. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?$/;

const agentName = string("must be a string")
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(AGENT_NAME_PATTERN, "may contain only letters, digits, spaces, '.', '_' and '-', and must start and end with a letter or digit");

const rotationTriggers = record(string("must be a string"), "must be a map of strings to strings");

const rotationPeriod = string("must be a string").check(rotationPeriodProblem);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const agentKeyInputs = strictObject({
  agentName,
  rotationTriggers: rotationTriggers.optional(),
  rotationPeriod: rotationPeriod.optional(),
});

export const apiKeyInputs = strictObject({
  apiKeyId: string("must be a string").regex(UUID_PATTERN, "must be a Soda Cloud API key id, a UUID such as 3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93 (Soda Cloud: Profile > API Keys)"),
  apiKeySecret: string("must be a string")
    .min(1, "must not be empty")
    .regex(/^\S+$/, "must not contain spaces or line breaks (check for a stray newline when pasting)"),
  rotationTriggers: rotationTriggers.optional(),
});

/** How long a SodaAgentRegistration waits, in seconds: at most a day, as no deployment takes longer to start. */
export const REGISTRATION_TIMEOUT_SECONDS = { default: 300, max: 86_400 } as const;

export const agentRegistrationInputs = strictObject({
  agentName,
  apiKeyId: string("must be a string").min(1, "must not be empty"),
  endpoint: string("must be a string").min(1, "must not be empty"),
  timeoutSeconds: number()
    .check((n) => (Number.isInteger(n) && n >= 1 && n <= REGISTRATION_TIMEOUT_SECONDS.max ? undefined : `must be a whole number of seconds from 1 to ${REGISTRATION_TIMEOUT_SECONDS.max}, not ${n}`))
    .optional(),
  namespace: string("must be a string").optional(),
});

export type AgentKeyInputs = Infer<typeof agentKeyInputs>;
export type ApiKeyInputs = Infer<typeof apiKeyInputs>;
export type AgentRegistrationInputs = Infer<typeof agentRegistrationInputs>;
