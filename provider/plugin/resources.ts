import type { ProviderContext } from "../config/context";
import { isInternalInput } from "../resources/internal-inputs";
import { agentKeyLifecycle } from "../resources/agent-key";
import { apiKeyLifecycle } from "../resources/api-key";
import type { Lifecycle, PropertyChanges } from "../resources/lifecycle";
import { AGENT_KEY } from "../spec/agent-key";
import { API_KEY } from "../spec/api-key";
import { outputsWithVersion } from "../spec/derive";
import type { ResourceSpec } from "../spec/property";
import { UNKNOWN } from "../engine/unknowns";

/**
 * The plugin's resources: the same lifecycles as the dynamic provider's, and what the plugin protocol has that a
 * dynamic provider does not: a detailed diff (so the engine's `replaceOnChanges` works), secret outputs marked by
 * the spec, previews of create and update, and per-resource warnings.
 */

export interface PluginResource {
  spec: ResourceSpec & { pluginToken: string };
  lifecycle(ctx: ProviderContext): Lifecycle;
}

export const PLUGIN_RESOURCES: ReadonlyMap<string, PluginResource> = new Map([
  [AGENT_KEY.pluginToken, { spec: AGENT_KEY, lifecycle: agentKeyLifecycle }],
  [API_KEY.pluginToken, { spec: API_KEY, lifecycle: apiKeyLifecycle }],
]);

/** The prefix of the dynamic resources' type tokens (`pulumi-nodejs:dynamic/soda:AgentKey`, …). */
const DYNAMIC_TOKEN_PREFIX = "pulumi-nodejs:dynamic/";

/** The resource of a type token, or an error naming the ones this plugin has. */
export function pluginResource(token: string): PluginResource {
  const resource = PLUGIN_RESOURCES.get(token);
  if (resource !== undefined) return resource;
  const known = [...PLUGIN_RESOURCES.keys()].join(" and ");
  if (token.startsWith(DYNAMIC_TOKEN_PREFIX)) {
    // A TypeScript program gave a dynamic resource (SodaAgentKey, SodaApiKey) the soda plugin's provider: no
    // version of the plugin runs those, so "upgrade" would send the user the wrong way.
    throw new Error(
      `${token} is a dynamic resource of the pulumi-soda-cloud npm package (SodaAgentKey, SodaApiKey), run by Pulumi's Node dynamic provider, not by the soda plugin. ` +
        `Remove the \`provider\` option that names a soda plugin provider from it; for a second organisation, set that organisation's soda:host and admin key in another stack. The plugin's own types are ${known}.`,
    );
  }
  throw new Error(`The soda plugin has no resource type ${token}; it has ${known}. Check the type token, or upgrade the plugin.`);
}

/** How one property changes, as the engine's detailed diff says it (pulumirpc.PropertyDiff.Kind). */
export enum PropertyDiffKind {
  ADD = 0,
  ADD_REPLACE = 1,
  DELETE = 2,
  DELETE_REPLACE = 3,
  UPDATE = 4,
  UPDATE_REPLACE = 5,
}

/**
 * The lifecycle's changes as the engine's detailed diff: every property that changes, replacing or not, so that
 * the engine applies `replaceOnChanges` to those that only update.
 */
export function detailedDiff(changes: PropertyChanges, olds: Record<string, unknown>, news: Record<string, unknown>): Record<string, PropertyDiffKind> {
  const detailed: Record<string, PropertyDiffKind> = {};
  for (const key of changes.replaces) detailed[key] = kindOf(olds[key], news[key], true);
  for (const key of changes.updates) detailed[key] ??= kindOf(olds[key], news[key], false);
  return detailed;
}

function kindOf(old: unknown, next: unknown, replace: boolean): PropertyDiffKind {
  if (old === undefined && next !== undefined) return replace ? PropertyDiffKind.ADD_REPLACE : PropertyDiffKind.ADD;
  if (old !== undefined && next === undefined) return replace ? PropertyDiffKind.DELETE_REPLACE : PropertyDiffKind.DELETE;
  return replace ? PropertyDiffKind.UPDATE_REPLACE : PropertyDiffKind.UPDATE;
}

/**
 * What a preview shows for a create: the arguments as given, and every other output not known until the key
 * exists. Nothing is requested from Soda Cloud during a preview.
 */
export function previewCreate(resource: PluginResource, news: Record<string, unknown>): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(news)) if (!isInternalInput(key)) outputs[key] = value;
  for (const key of Object.keys(outputsWithVersion(resource.spec))) if (!(key in outputs)) outputs[key] = UNKNOWN;
  return outputs;
}
