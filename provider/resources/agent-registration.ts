import type { Runner, SodaCloudClient } from "../client/soda-cloud-client";
import type { ProviderContext } from "../config/context";
import { usingAdminCredentials } from "../config/settings";
import { AGENT_REGISTRATION, REGISTRATION_TIMEOUT_SECONDS } from "../spec/agent-registration";
import { argumentsThat, CURRENT_STATE_VERSION, type StateOf } from "../spec/derive";
import { readState } from "../spec/state";
import { isUnknown } from "../engine/unknowns";
import { checkInputs, parseInputs } from "./validation";
import { agentWaitedMessage, agentWaitMessage } from "../engine/wait-progress";
import { changedUpdatable, updatedOutputs, type Lifecycle } from "./lifecycle";
import { definedOnly } from "./outputs";

const RESOURCE = AGENT_REGISTRATION.className;

type AgentRegistrationState = StateOf<typeof AGENT_REGISTRATION>;
const readAgentRegistrationState = (props: Record<string, unknown>): AgentRegistrationState => readState(AGENT_REGISTRATION, props);

/**
 * How often the wait looks at the runner list. Listing is limited to 60 requests a minute per operation, shared with
 * every other read of the stack, so a wait takes at most 12 of them.
 */
export const REGISTRATION_POLL_MS = 5_000;

/**
 * Waiting until a deployed Soda Agent has registered with Soda Cloud under its name, with its key: the runner online.
 *
 * Soda Cloud returns no runner when it mints a key, and a runner carries no key id. A key is only minted while its
 * name is free (agent-key.ts), so the runner that then appears under the name is the key's, unless another key of
 * this stack claims it (runner-ownership.ts). Nothing remote is created: delete is a no-op, and revoking stays the
 * key's job. A new key (a rotation) replaces this resource, so every `up` that deploys a key waits for its agent.
 */
export function agentRegistrationLifecycle(ctx: ProviderContext): Lifecycle {
  return {
    async check(_olds, news) {
      const { failure } = await ctx.checkedSettings(RESOURCE, true);
      return { inputs: news, failures: failure === undefined ? checkInputs(AGENT_REGISTRATION, news) : [failure] };
    },

    async diff(_id, olds, news) {
      const old = readAgentRegistrationState(olds);
      const replaces = argumentsThat(AGENT_REGISTRATION, "replace").filter((p) => isUnknown(news[p]) || news[p] !== old[p]);
      return { replaces, updates: changedUpdatable(AGENT_REGISTRATION, old, news), deleteBeforeReplace: false };
    },

    async create(inputs) {
      const args = parseInputs(AGENT_REGISTRATION, inputs);
      const client = ctx.adminClient(RESOURCE, { endpoint: args.endpoint });
      const runner = await usingAdminCredentials(RESOURCE, () => waitForRunner(ctx, client, args));
      const state: AgentRegistrationState = {
        stateVersion: CURRENT_STATE_VERSION,
        ...args,
        runnerId: runner.id,
        registeredAt: new Date(ctx.clock.now()).toISOString(),
      };
      return { id: `${args.apiKeyId}/${runner.id}`, outs: definedOnly(state) };
    },

    async read(id, props) {
      const state = readAgentRegistrationState(props);
      const client = ctx.adminClient(RESOURCE, state);
      return usingAdminCredentials(
        RESOURCE,
        async () => {
          const snapshot = await ctx.runnerDirectory(client).snapshot();
          const runner = snapshot.byId(state.runnerId) ?? (await client.getRunner(state.runnerId));
          // Gone: the key's own refresh says so, and removes the key; the next `up` deploys a new one and waits again.
          return runner === undefined ? {} : { id, props: state };
        },
        "lastUp",
      );
    },

    // Only the timeout and the namespace named in messages can change without a replacement; neither is remote.
    async update(_id, olds, news) {
      const old = readAgentRegistrationState(olds);
      return { outs: definedOnly(updatedOutputs(AGENT_REGISTRATION, old, parseInputs(AGENT_REGISTRATION, news))) };
    },

    async delete() {
      // Nothing to do: the runner belongs to the key, whose delete revokes it.
    },
  };
}

type WaitArgs = Pick<AgentRegistrationState, "agentName" | "apiKeyId" | "endpoint" | "timeoutSeconds" | "namespace">;

/**
 * Polls the runner list until the key's runner is online, or fails at once when the name is someone else's. After
 * each look that did not find it online, the resource's status line says so, with the time waited and allowed;
 * once it is online after such a look, how long it took.
 */
async function waitForRunner(ctx: ProviderContext, client: SodaCloudClient, args: WaitArgs): Promise<Runner> {
  const timeoutSeconds = args.timeoutSeconds ?? REGISTRATION_TIMEOUT_SECONDS.default;
  const startedAt = ctx.clock.now();
  const deadline = startedAt + timeoutSeconds * 1000;
  const key = { apiKeyId: args.apiKeyId, agentName: args.agentName, runnerId: "" };
  ctx.ownership.noteKey(key);
  let offline: Runner | undefined;
  let said = false;
  for (;;) {
    const runner = (await client.listRunners()).find((r) => r.name === args.agentName);
    if (runner !== undefined) {
      const tie = ctx.ownership.tie(key, runner);
      if (!tie.tied) throw new Error(heldByAnotherMessage(args, runner, tie.reason));
      if (runner.isOnline) {
        if (said) ctx.status(agentWaitedMessage(args.agentName, ctx.clock.now() - startedAt, offline !== undefined));
        return runner;
      }
      offline = runner;
    }
    const now = ctx.clock.now();
    const left = deadline - now;
    if (left <= 0) throw new Error(timeoutMessage(args, timeoutSeconds, offline));
    ctx.status(agentWaitMessage(args.agentName, now - startedAt, timeoutSeconds, offline !== undefined));
    said = true;
    await ctx.clock.sleep(Math.min(REGISTRATION_POLL_MS, left));
  }
}

/** Where to look, named once: the pods of the agent's namespace, when known. */
function podsHint(namespace: string | undefined): string {
  const ns = namespace === undefined ? "" : ` -n ${namespace}`;
  return `\`kubectl get pods${ns}\` and \`kubectl logs${ns} <pod>\``;
}

function timeoutMessage(args: WaitArgs, timeoutSeconds: number, offline: Runner | undefined): string {
  const happened =
    offline === undefined
      ? `No agent registered with Soda Cloud (${args.endpoint}) as "${args.agentName}" with key ${args.apiKeyId} within ${timeoutSeconds} s.`
      : `Agent "${args.agentName}" (runner ${offline.id}) registered with Soda Cloud but was not online within ${timeoutSeconds} s.`;
  return (
    `${happened} Look at the agent's pods: ${podsHint(args.namespace)}. ` +
    `"already registered" there means another agent holds the name; a 401 or connection error, a soda.cloud endpoint or region other than ${args.endpoint}; ` +
    "a pending pod, a slow image pull (raise the timeout). The key stays deployed: the next `pulumi up` waits again."
  );
}

function heldByAnotherMessage(args: WaitArgs, runner: Runner, reason: string): string {
  return (
    `The agent name "${args.agentName}" is held in Soda Cloud by runner ${runner.id}, not by an agent with key ${args.apiKeyId} (${reason}), ` +
    `so this agent cannot register: its pods will report "already registered". Give it another agentName, or delete that runner in Soda Cloud (Agents page) if it is unused.`
  );
}
