import { BadRequestError } from "../client/errors";
import type { Runner, SodaCloudClient } from "../client/soda-cloud-client";
import type { ProviderContext } from "../config/context";
import { isRotationDue } from "./rotation";
import { usingAdminCredentials } from "../config/settings";
import { AGENT_KEY } from "../spec/agent-key";
import { CURRENT_STATE_VERSION, type StateOf } from "../spec/derive";
import { readState } from "../spec/state";
import {
  AGENT_NAME_TAKEN_BY_INPUT,
  CHECKED_AT_INPUT,
  ENDPOINT_INPUT,
  REPLACE_REQUESTED_AT_INPUT,
  replaceOnChangesInput,
  stampedEndpoint,
  stampedTime,
} from "./internal-inputs";
import { isUnknown } from "../engine/unknowns";
import { checkInputs, parseInputs } from "./validation";
import { definedOnly } from "./outputs";
import { changedUpdatable, updatedOutputs, type Lifecycle } from "./lifecycle";
import { triggersChanged } from "./triggers";

const RESOURCE = AGENT_KEY.className;

type AgentKeyState = StateOf<typeof AGENT_KEY>;
const readAgentKeyState = (props: Record<string, unknown>): AgentKeyState => readState(AGENT_KEY, props);

/**
 * The lifecycle of a Soda Agent (runner) key.
 *
 * Soda Cloud mints a runner key with `POST /api/v1/runners` and returns no runner: the runner appears only when an
 * agent registers with the key under its configured name. So the key is identified by its key id; a runner under
 * its name is recorded as its own only when it can be tied to the key (runner-ownership.ts), and deleting that
 * runner is the only revocation. Every operation on an existing key goes to the endpoint it was created at.
 */
export function agentKeyLifecycle(ctx: ProviderContext): Lifecycle {
  return {
    async check(olds, news) {
      const { settings, failure } = await ctx.checkedSettings(RESOURCE, true, stampedEndpoint(olds));
      if (failure !== undefined) return { inputs: news, failures: [failure] };
      const now = new Date(ctx.clock.now()).toISOString();
      const stamps: Record<string, string> = { [ENDPOINT_INPUT]: settings.endpoint };
      if (typeof news.rotationPeriod === "string") stamps[CHECKED_AT_INPUT] = now;
      const isUpdate = olds.agentName !== undefined;
      if (isUpdate && replaceOnChangesInput(news).includes("rotationPeriod") && olds.rotationPeriod !== news.rotationPeriod) {
        stamps[REPLACE_REQUESTED_AT_INPUT] = now;
      }
      const failures = checkInputs(AGENT_KEY, news);
      const holder = news[AGENT_NAME_TAKEN_BY_INPUT];
      // Not known during a preview where agentName is not known yet: nothing to say then.
      if (typeof holder === "string" && !isUnknown(holder)) {
        failures.push({
          property: "agentName",
          reason: `is also the agentName of SodaAgentKey "${holder}" in this stack. Agent names are unique in a Soda Cloud organisation, so only one of the keys could ever be used: give each SodaAgentKey (or SodaAgent) its own agentName`,
        });
      }
      return { inputs: { ...news, ...stamps }, failures };
    },

    // No network here: diff runs during preview, and must be quick and side-effect free. It also runs during
    // `pulumi refresh`, on the stored inputs of the last `up`.
    async diff(_id, olds, news) {
      const old = readAgentKeyState(olds);
      const configured = stampedEndpoint(news);
      if (configured !== undefined && configured !== old.endpoint) throw new Error(endpointMovedMessage(old, configured, ctx.settings().endpointSource));
      const replaces: string[] = [];
      if (isUnknown(news.agentName) || news.agentName !== old.agentName) replaces.push("agentName");
      if (triggersChanged(old.rotationTriggers, news.rotationTriggers)) replaces.push("rotationTriggers");
      const period = news.rotationPeriod;
      if (isUnknown(period) || (typeof period === "string" && isRotationDue(old.createdAt, period, stampedTime(news, CHECKED_AT_INPUT) ?? ctx.clock.now()))) {
        replaces.push("rotationPeriod");
      } else if ((stampedTime(news, REPLACE_REQUESTED_AT_INPUT) ?? 0) > Date.parse(old.createdAt)) {
        replaces.push("rotationPeriod");
      }
      // A new period that is not due changes nothing remote: an update of what is stored.
      const updates = changedUpdatable(AGENT_KEY, old, news).filter((name) => !replaces.includes(name));
      // Two runners cannot share a name, so the old runner always goes first (the SDK also sets the resource option,
      // which covers the replacements the engine forces without asking this diff).
      return { replaces, updates, deleteBeforeReplace: true };
    },

    async create(inputs) {
      const args = parseInputs(AGENT_KEY, inputs);
      const client = ctx.adminClient(RESOURCE);
      return usingAdminCredentials(RESOURCE, async () => {
        const clash = await findRunnerByName(client, args.agentName);
        if (clash !== undefined) {
          throw new Error(
            `An agent named "${args.agentName}" is already registered in Soda Cloud (runner ${clash.id}), and agent names are unique, so a new key could never register under it. ` +
              "Choose another agentName, or delete that agent in Soda Cloud (Agents page) if it is unused, then run `pulumi up` again.",
          );
        }
        const key = await client.createRunnerKey();
        const state: AgentKeyState = {
          stateVersion: CURRENT_STATE_VERSION,
          ...args,
          apiKeyId: key.apiKeyId,
          apiKeySecret: key.apiKeySecret,
          endpoint: client.endpoint,
          createdAt: new Date(ctx.clock.now()).toISOString(),
          runnerId: "",
          registered: false,
        };
        ctx.ownership.noteKey(state);
        return { id: key.apiKeyId, outs: definedOnly(state) };
      });
    },

    async read(id, props) {
      const state = readAgentKeyState(props);
      const client = ctx.adminClient(RESOURCE, state);
      return usingAdminCredentials(
        RESOURCE,
        async () => {
          ctx.ownership.noteKey(state);
          // Served from the list walk all reads of this process share (runner-directory.ts): one request per 1000
          // runners for a whole refresh, instead of one per key.
          const snapshot = await ctx.runnerDirectory(client).snapshot();
          if (state.runnerId !== "") {
            // Absent from the list means gone, but dropping a key from the stack is consequential: its own GET
            // confirms it first (a walk is not atomic, and the snapshot may be a second old).
            const runner = snapshot.byId(state.runnerId) ?? (await client.getRunner(state.runnerId));
            if (runner === undefined) {
              ctx.ownership.forgetKey(state);
              await ctx.warn(
                `${describeKey(state)}: its agent (runner ${state.runnerId}) was deleted in Soda Cloud, which revoked the key, so refresh removed the key from the stack. ` +
                  "The next `pulumi up` creates a new key; the agent needs it to run again.",
              );
              return {};
            }
            if (runner.name !== state.agentName) await ctx.warn(renamedMessage(state, runner));
            return { id, props: state };
          }
          // Not registered yet (or not seen): a runner under the name is recorded only when it can be tied to the key.
          // One missed here (registered within the snapshot's second) is found by the next refresh.
          const runner = snapshot.byName(state.agentName);
          if (runner === undefined) return { id, props: state };
          const tie = ctx.ownership.tie(state, runner);
          if (!tie.tied) {
            await ctx.warn(leftAloneMessage(state, runner, tie.reason));
            return { id, props: state };
          }
          return { id, props: { ...state, runnerId: runner.id, registered: true } };
        },
        "lastUp",
        configuredElsewhere(ctx, state),
      );
    },

    // Every argument that changes the key replaces it: an update only stores a new rotationPeriod.
    async update(_id, olds, news) {
      return { outs: definedOnly(updatedOutputs(AGENT_KEY, readAgentKeyState(olds), news)) };
    },

    async delete(_id, props) {
      const state = readAgentKeyState(props);
      const client = ctx.adminClient(RESOURCE, state);
      await usingAdminCredentials(
        RESOURCE,
        async () => {
          ctx.ownership.noteKey(state);
          const runner = await ownRunnerToDelete(ctx, client, state);
          if (runner === undefined) return;
          try {
            await client.deleteRunner(runner.id);
            // Revoked: the key claims nothing any more. A key that left a runner alone stays noted for the rest of
            // the process, so that a second key of the same name cannot then take that runner as its own.
            ctx.ownership.forgetKey(state);
          } catch (error) {
            if (error instanceof BadRequestError) {
              // eslint-disable-next-line preserve-caught-error -- the message carries Soda's detail; a cause would print it again where Pulumi shows the error.
              throw new Error(runnerInUseMessage(state.agentName, runner.id, error.detail));
            }
            throw error;
          }
        },
        "lastUp",
        configuredElsewhere(ctx, state),
      );
    },
  };
}

/**
 * Soda refuses to delete a runner "in use" (400) without saying what that means: scans running on it, or data
 * sources assigned to it. Both readings, and the way out of each, so that neither sends the user the wrong way.
 */
export function runnerInUseMessage(agentName: string, runnerId: string, detail: string): string {
  return (
    `Soda Cloud refused to delete agent "${agentName}" (runner ${runnerId}), which would revoke its key: it is in use, and Soda does not say how. ` +
    "Nothing changed; the old key stays live. If scans are running on it, wait for running scans to finish; if data sources are assigned to it, " +
    `assign them to another agent in Soda Cloud. Then run the command again. ${detail}`
  );
}

/** The endpoint the config points at, when it is not the one the key was created at. */
function configuredElsewhere(ctx: ProviderContext, state: AgentKeyState): string | undefined {
  const configured = ctx.settings().endpoint;
  return configured === state.endpoint ? undefined : configured;
}

/**
 * The runner a delete may remove: the one the key recorded, while it still has the key's agent name, or else one
 * under that name that can be tied to the key now. Anything else is left alone, with a warning saying so.
 * Always from a request of its own, never from the reads' shared snapshot: a delete acts on what it finds.
 */
async function ownRunnerToDelete(ctx: ProviderContext, client: SodaCloudClient, state: AgentKeyState): Promise<Runner | undefined> {
  if (state.runnerId !== "") {
    const runner = await client.getRunner(state.runnerId);
    // Gone already: deleted out of band, which revoked the key.
    if (runner === undefined) return undefined;
    if (runner.name === state.agentName) return runner;
    await ctx.warn(renamedMessage(state, runner));
    return undefined;
  }
  const runner = await findRunnerByName(client, state.agentName);
  if (runner === undefined) {
    await ctx.warn(
      `${describeKey(state)} never registered an agent, and Soda Cloud has no API to revoke such a key, so it stays valid. ` +
        "Its secret was only in this stack's state; if it may have leaked, ask Soda support to revoke it.",
    );
    return undefined;
  }
  const tie = ctx.ownership.tie(state, runner);
  if (tie.tied) return runner;
  await ctx.warn(leftAloneMessage(state, runner, tie.reason));
  return undefined;
}

/** A fresh walk of the list: for a create's name check and a delete, which act on what they find. */
async function findRunnerByName(client: SodaCloudClient, agentName: string): Promise<Runner | undefined> {
  return (await client.listRunners()).find((runner) => runner.name === agentName);
}

/** How warnings name a key: by its agent name and key id (a dynamic provider is not told the resource's name). */
function describeKey(state: AgentKeyState): string {
  return `SodaAgentKey "${state.agentName}" (key ${state.apiKeyId})`;
}

function leftAloneMessage(state: AgentKeyState, runner: Runner, reason: string): string {
  return (
    `${describeKey(state)}: agent "${runner.name}" (runner ${runner.id}) was left alone because ${reason}. ` +
    "If that agent runs with this key, delete it in Soda Cloud (Agents page) when you want the key revoked."
  );
}

function renamedMessage(state: AgentKeyState, runner: Runner): string {
  return (
    `${describeKey(state)}: its agent (runner ${runner.id}) is now named "${runner.name}", so destroy and rotation leave it alone and the key stays valid. ` +
    "Rename the agent back, or delete it in Soda Cloud (Agents page) to revoke the key."
  );
}

function endpointMovedMessage(state: AgentKeyState, configured: string, source: string): string {
  return (
    `${describeKey(state)} was created at ${state.endpoint}, but ${source} now points at ${configured}. A key lives where it was created. ` +
    "Set the old endpoint back, or move the key: `pulumi destroy --target <urn> --run-program` with the old endpoint and admin key, then `pulumi up` with the new."
  );
}
