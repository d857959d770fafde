import type * as dynamic from "@pulumi/pulumi/dynamic";
import { BadRequestError } from "../client/errors";
import type { Runner, SodaCloudClient } from "../client/soda-cloud-client";
import type { ProviderContext } from "../context";
import { isRotationDue } from "../rotation";
import { usingAdminCredentials } from "../settings";
import { agentKeyInputs } from "../schemas/inputs";
import { CURRENT_STATE_VERSION, readAgentKeyState, type AgentKeyState } from "../schemas/state";
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
    async check(_olds, news) {
      return { inputs: news, failures: checkInputs(agentKeyInputs, news) };
    },

    // No network here: diff runs during preview, and must be quick and side-effect free.
    async diff(_id, olds, news) {
      const old = readAgentKeyState(olds);
      const replaces: string[] = [];
      if (isUnknown(news.agentName) || news.agentName !== old.agentName) replaces.push("agentName");
      if (triggersChanged(old.rotationTriggers, news.rotationTriggers)) replaces.push("rotationTriggers");
      const period = news.rotationPeriod;
      if (isUnknown(period) || (typeof period === "string" && isRotationDue(old.createdAt, period, ctx.clock.now()))) {
        replaces.push("rotationPeriod");
      }
      const periodChanged = period !== old.rotationPeriod;
      // Two runners cannot share a name: a replacement that keeps the name must revoke the old runner first. This
      // holds for replacements the engine forces too (replacementTrigger, replaceOnChanges, `up --replace`), which
      // consult this flag even when this diff asks for no replacement.
      const sameName = isUnknown(news.agentName) || news.agentName === old.agentName;
      return {
        changes: replaces.length > 0 || periodChanged,
        replaces,
        deleteBeforeReplace: sameName,
      };
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
      );
      if (runner === undefined) {
        // A runner that registered and is gone took its key with it: report the key gone so `up` makes a new one.
        // A key that never registered has nothing to find yet, and stays.
        return state.registered ? {} : { id, props: state };
      }
      // The secret cannot be read back from Soda; it is carried forward from state.
      return { id, props: { ...state, runnerId: runner.id, registered: true } };
    },

    // Every argument that changes the key forces replacement, so an update only records the new rotationPeriod.
    async update(_id, olds, news) {
      const old = readAgentKeyState(olds);
      const { rotationPeriod } = parseInputs(RESOURCE, agentKeyInputs, news);
      const { rotationPeriod: _previous, ...rest } = old;
      return { outs: rotationPeriod === undefined ? rest : { ...rest, rotationPeriod } };
    },

    async delete(_id, props) {
      const state = readAgentKeyState(props);
      const client = ctx.adminClient(RESOURCE);
      await usingAdminCredentials(RESOURCE, async () => {
        const runnerId = state.runnerId !== "" ? state.runnerId : (await findRunnerByName(client, state.agentName))?.id;
        if (runnerId === undefined) {
          ctx.warn(
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
      });
    },
  };
}

async function findRunnerByName(client: SodaCloudClient, agentName: string): Promise<Runner | undefined> {
  return (await client.listRunners()).find((runner) => runner.name === agentName);
}

