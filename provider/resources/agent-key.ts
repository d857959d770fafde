import type * as dynamic from "@pulumi/pulumi/dynamic";
import { BadRequestError } from "../client/errors";
import type { Runner, SodaCloudClient } from "../client/soda-cloud-client";
import type { ProviderContext } from "../context";
import { isRotationDue } from "../rotation";
import { usingAdminCredentials } from "../settings";
import { agentKeyInputs } from "../schemas/inputs";
import { CURRENT_STATE_VERSION, readAgentKeyState, type AgentKeyState } from "../schemas/state";
import { AGENT_NAME_TAKEN_BY_INPUT, CHECKED_AT_INPUT, REPLACE_REQUESTED_AT_INPUT, replaceOnChangesInput, stampedTime } from "../internal-inputs";
import { isUnknown } from "../unknowns";
import { checkInputs, parseInputs } from "../validation";
import { definedOnly } from "./outputs";
import { triggersChanged } from "./triggers";

const RESOURCE = "SodaAgentKey";

/**
 * The lifecycle of a Soda Agent (runner) key.
 *
 * Soda Cloud mints a runner key with `POST /api/v1/runners` and returns no runner: the runner appears only when an
 * agent registers with the key under its configured name. So the key is identified by its key id, the runner is
 * found by name until it has registered and by id after that, and deleting the runner is the only revocation.
 */
export function agentKeyLifecycle(ctx: ProviderContext): Required<Omit<dynamic.ResourceProvider, "configure">> {
  return {
    async check(olds, news) {
      const now = new Date(ctx.clock.now()).toISOString();
      const stamps: Record<string, string> = {};
      if (typeof news.rotationPeriod === "string") stamps[CHECKED_AT_INPUT] = now;
      const isUpdate = olds.agentName !== undefined;
      if (isUpdate && replaceOnChangesInput(news).includes("rotationPeriod") && olds.rotationPeriod !== news.rotationPeriod) {
        stamps[REPLACE_REQUESTED_AT_INPUT] = now;
      }
      const failures = checkInputs(agentKeyInputs, news);
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
      const replaces: string[] = [];
      if (isUnknown(news.agentName) || news.agentName !== old.agentName) replaces.push("agentName");
      if (triggersChanged(old.rotationTriggers, news.rotationTriggers)) replaces.push("rotationTriggers");
      const period = news.rotationPeriod;
      if (isUnknown(period) || (typeof period === "string" && isRotationDue(old.createdAt, period, stampedTime(news, CHECKED_AT_INPUT) ?? ctx.clock.now()))) {
        replaces.push("rotationPeriod");
      } else if ((stampedTime(news, REPLACE_REQUESTED_AT_INPUT) ?? 0) > Date.parse(old.createdAt)) {
        replaces.push("rotationPeriod");
      }
      // A new period alone changes nothing remote, so it is no change at all: reported as an update, the engine's
      // preview would show every output of the key, and everything built from them, as changing.
      // Two runners cannot share a name, so the old runner always goes first (the SDK also sets the resource option,
      // which covers the replacements the engine forces without asking this diff).
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },

    async create(inputs) {
      const args = parseInputs(RESOURCE, agentKeyInputs, inputs);
      const client = ctx.adminClient(RESOURCE);
      return usingAdminCredentials(RESOURCE, async () => {
        const clash = await findRunnerByName(client, args.agentName);
        if (clash !== undefined) {
          throw new Error(
            `An agent named "${args.agentName}" is already registered in Soda Cloud (runner id ${clash.id}), and agent names are unique. ` +
              `A SodaAgentKey creates the key its agent registers with, so it cannot adopt an agent that registered with another key. ` +
              `Choose another agentName, or delete that agent in Soda Cloud (Agents page) if it is no longer used, then run \`pulumi up\` again.`,
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
        return { id: key.apiKeyId, outs: definedOnly(state) };
      });
    },

    async read(id, props) {
      const state = readAgentKeyState(props);
      const client = ctx.adminClient(RESOURCE);
      const runner = await usingAdminCredentials(RESOURCE, () =>
        state.runnerId !== "" ? client.getRunner(state.runnerId) : findRunnerByName(client, state.agentName),
      "lastUp");
      if (runner === undefined) {
        // A runner that registered and is gone took its key with it: report the key gone so `up` makes a new one.
        // A key that never registered has nothing to find yet, and stays.
        return state.registered ? {} : { id, props: state };
      }
      // The secret cannot be read back from Soda; it is carried forward from state.
      return { id, props: { ...state, runnerId: runner.id, registered: true } };
    },

    // Every argument that changes the key forces replacement, and a new rotationPeriod alone is no change (see
    // diff), so the engine has nothing to update: the stored outputs stay as they are.
    async update(_id, olds) {
      return { outs: readAgentKeyState(olds) };
    },

    async delete(_id, props) {
      const state = readAgentKeyState(props);
      const client = ctx.adminClient(RESOURCE);
      await usingAdminCredentials(RESOURCE, async () => {
        const runnerId = state.runnerId !== "" ? state.runnerId : (await findRunnerByName(client, state.agentName))?.id;
        if (runnerId === undefined) {
          await ctx.warn(
            `${RESOURCE} "${state.agentName}": key ${state.apiKeyId} never registered an agent, and Soda Cloud has no API to revoke such a key, so it stays valid. ` +
              `Its secret was only in this stack's state; if it may have leaked, ask Soda support to revoke key ${state.apiKeyId}.`,
          );
          return;
        }
        try {
          await client.deleteRunner(runnerId);
        } catch (error) {
          if (error instanceof BadRequestError) {
            throw new Error(
              `Soda Cloud refused to delete agent "${state.agentName}" (runner ${runnerId}), which would revoke its key: it is in use (a scan is running) or it is a Soda-hosted agent. ` +
                `Wait for running scans to finish, or stop the agent, then run the command again. ${error.message}`,
            );
          }
          throw error;
        }
      }, "lastUp");
    },
  };
}

async function findRunnerByName(client: SodaCloudClient, agentName: string): Promise<Runner | undefined> {
  return (await client.listRunners()).find((runner) => runner.name === agentName);
}

