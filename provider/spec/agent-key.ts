import { rotationPeriodProblem } from "../resources/rotation";
import { notEmpty, stringInput, stringMapInput, type ResourceSpec } from "./property";

/** Undocumented by Soda; our assumption for a name that is safe in Helm values, logs and the Soda Cloud UI. */
const AGENT_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?$/;

/** An agent name's check. */
const agentNameCheck = stringInput(
  notEmpty,
  (name) => (name.length > 100 ? "must be at most 100 characters" : undefined),
  (name) =>
    AGENT_NAME_PATTERN.test(name) ? undefined : "may contain only letters, digits, spaces, '.', '_' and '-', and must start and end with a letter or digit",
);

/** An agent name argument, as every resource that takes one has it; each says in its own words what it is for. */
export const AGENT_NAME_ARGUMENT = { type: "string", required: true, onChange: "replace", check: agentNameCheck } as const;

/** A Soda Agent (runner) key: `SodaAgentKey`, and the plugin's `soda:index:AgentKey`. */
export const AGENT_KEY = {
  className: "SodaAgentKey",
  pluginToken: "soda:index:AgentKey",
  description:
    "A Soda Agent (runner) key, created through the Soda Cloud API with the admin credentials of the provider (`soda:apiKeyId`, `soda:apiKeySecret`, or `SODA_API_KEY_ID` / `SODA_API_KEY_SECRET`).\n\n" +
    "Deleting it deletes the agent's runner, which revokes the key. Every replacement the provider decides deletes the old runner before creating the new key, because two runners cannot share a name; " +
    "for replacements the engine forces without asking the provider (`pulumi up --replace`, `replacementTrigger`) set the resource option `deleteBeforeReplace: true`. " +
    "Refresh records the runner once an agent has registered with the key, and notices when it was deleted out of band. " +
    '`replaceOnChanges: ["rotationPeriod"]` makes a change of the period rotate the key; every other argument already does. The key cannot be imported: Soda Cloud shows its secret only at creation.',
  arguments: {
    agentName: {
      ...AGENT_NAME_ARGUMENT,
      description:
        "The name the Soda Agent registers under (Helm value `soda.agent.name`), unique in the Soda Cloud organisation: 1 to 100 letters, digits, spaces, `.`, `_` or `-`, starting and ending with a letter or digit. Changing it replaces the key.",
    },
    rotationTriggers: {
      type: "stringMap",
      onChange: "replace",
      check: stringMapInput(),
      description: "Arbitrary values; any change to them creates a new key (and revokes the old one).",
    },
    rotationPeriod: {
      type: "string",
      // A new period alone mints nothing: the key is replaced once the period is due (diff), or when
      // `replaceOnChanges` names the property.
      onChange: "update",
      check: stringInput(rotationPeriodProblem),
      description:
        'Rotate once this much time has passed since the key was created: a whole number from 1 to 999999 followed by `d`, `h` or `m` (`"90d"`, `"12h"`, `"30m"`). The replacement shows in `pulumi preview` once it is due. Changing the period alone keeps the key, unless `replaceOnChanges` names it.',
    },
  },
  outputs: {
    apiKeyId: { type: "string", description: "The key id (Helm `soda.apikey.id`); also the resource id." },
    apiKeySecret: { type: "string", secret: true, description: "The key secret (Helm `soda.apikey.secret`); always a Pulumi secret." },
    endpoint: { type: "string", description: "The Soda Cloud endpoint the key belongs to (Helm `soda.cloud.endpoint`)." },
    createdAt: { type: "string", description: "When the key was created, ISO 8601; rotation periods count from here." },
    runnerId: { type: "string", description: 'The id of the runner the agent registered as; `""` until an agent has registered (seen on refresh).' },
    registered: { type: "boolean", description: "Whether an agent has registered with this key (seen on refresh)." },
  },
} as const satisfies ResourceSpec;
