import { AuthenticationError } from "../client/errors";
import type { ProviderContext } from "../config/context";
import { API_KEY } from "../spec/api-key";
import { CURRENT_STATE_VERSION, type StateOf } from "../spec/derive";
import { readState } from "../spec/state";
import { ENDPOINT_INPUT, stampedEndpoint } from "./internal-inputs";
import { isUnknown } from "../engine/unknowns";
import { checkInputs, parseInputs } from "./validation";
import { definedOnly } from "./outputs";
import { sodaCloudConfigYaml } from "./soda-core-config";
import type { Lifecycle } from "./lifecycle";
import { triggersChanged } from "./triggers";

const RESOURCE = API_KEY.className;

type ApiKeyState = StateOf<typeof API_KEY>;
const readApiKeyState = (props: Record<string, unknown>): ApiKeyState => readState(API_KEY, props);

/**
 * The lifecycle of a Soda Cloud API key (personal or service account). Soda publishes no endpoint to create, list
 * or revoke these, so the resource takes a key generated in Soda Cloud, verifies it with the key itself
 * (`GET /api/v1/test-login`, no admin credentials), and on refresh notices when Soda stops accepting it. A key
 * belongs to the endpoint (region) it was verified at: refresh checks it there, and a config that points elsewhere
 * replaces the resource (the new one verifies the key where the config points).
 */
export function apiKeyLifecycle(ctx: ProviderContext): Lifecycle {
  return {
    async check(olds, news) {
      const { settings, failure } = await ctx.checkedSettings(RESOURCE, false, stampedEndpoint(olds));
      if (failure !== undefined) return { inputs: news, failures: [failure] };
      return { inputs: { ...news, [ENDPOINT_INPUT]: settings.endpoint }, failures: checkInputs(API_KEY, news) };
    },

    // No network here: diff runs during preview.
    async diff(_id, olds, news) {
      const old = readApiKeyState(olds);
      const replaces: string[] = [];
      if (isUnknown(news.apiKeyId) || news.apiKeyId !== old.apiKeyId) replaces.push("apiKeyId");
      if (isUnknown(news.apiKeySecret) || news.apiKeySecret !== old.apiKeySecret) replaces.push("apiKeySecret");
      if (triggersChanged(old.rotationTriggers, news.rotationTriggers)) replaces.push("rotationTriggers");
      const configured = stampedEndpoint(news);
      if (configured !== undefined && configured !== old.endpoint) replaces.push("endpoint");
      return { replaces, updates: [], deleteBeforeReplace: false };
    },

    async create(inputs) {
      const args = parseInputs(API_KEY, inputs);
      const client = ctx.clientWithKey(args);
      let organisationName: string;
      try {
        ({ organisationName } = await client.testLogin());
      } catch (error) {
        if (error instanceof AuthenticationError) throw rejectedKeyError(args.apiKeyId, client.endpoint, error, ctx.ownership.isAgentKey(args.apiKeyId));
        throw error;
      }
      const state: ApiKeyState = {
        stateVersion: CURRENT_STATE_VERSION,
        ...args,
        organisationName,
        endpoint: client.endpoint,
        verifiedAt: new Date(ctx.clock.now()).toISOString(),
        sodaCloudConfig: sodaCloudConfigYaml(client.endpoint, args),
      };
      ctx.apiKeysInUse.add(args.apiKeyId);
      return { id: args.apiKeyId, outs: definedOnly(state) };
    },

    async read(id, props) {
      const state = readApiKeyState(props);
      const client = ctx.clientWithKey(state, state);
      try {
        const { organisationName } = await client.testLogin();
        ctx.apiKeysInUse.add(state.apiKeyId);
        // verifiedAt keeps the time of creation so that a refresh of a healthy key changes nothing.
        return { id, props: { ...state, organisationName } };
      } catch (error) {
        // Soda no longer accepts the key (revoked, user deactivated): report it gone, and say now that the next `up`
        // needs a new key (its preview shows a plain create, which fails at `up` with the old key).
        if (error instanceof AuthenticationError) {
          await ctx.warn(
            `${RESOURCE} (key ${state.apiKeyId}): Soda Cloud (${state.endpoint}) no longer accepts this key (revoked, or its user or service account deactivated), so refresh removed it from the stack. ` +
              `Generate a new key in Soda Cloud (Profile > API Keys) and set it on this SodaApiKey: the next \`pulumi up\` fails with the old one. ${error.detail}`,
          );
          return {};
        }
        throw error;
      }
    },

    // Every argument forces replacement; nothing can change in place.
    async update(_id, olds) {
      return { outs: readApiKeyState(olds) };
    },

    async delete(_id, props) {
      const state = readApiKeyState(props);
      // A replacement that kept the key id (new rotationTriggers, `up --replace`) created its successor first.
      if (ctx.apiKeysInUse.has(state.apiKeyId)) return;
      await ctx.warn(
        `${RESOURCE} (key ${state.apiKeyId}): Soda Cloud has no API to revoke API keys, so the key stays valid after this resource is deleted. ` +
          "Revoke it in Soda Cloud (Profile > API Keys, or deactivate its service account) if it is no longer needed.",
      );
    },
  };
}

function rejectedKeyError(apiKeyId: string, endpoint: string, cause: AuthenticationError, isAgentKey: boolean): Error {
  const why = isAgentKey
    ? "It is the key of a SodaAgentKey in this stack, and agent keys cannot call the API."
    : "It is unknown or revoked, its user or service account is deactivated, it belongs to the other region (set soda:region), or it is an agent key, which cannot call the API.";
  return new Error(
    `Soda Cloud (${endpoint}) does not accept API key ${apiKeyId}. ${why} Generate an API key in Soda Cloud (Profile > API Keys) and set it on this SodaApiKey. ${cause.detail}`.trim(),
  );
}
