import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ProviderContext } from "../context";
import { isInternalInput } from "../internal-inputs";
import { agentKeyLifecycle } from "../resources/agent-key";
import { apiKeyLifecycle } from "../resources/api-key";
import { containsUnknown, UNKNOWN } from "../unknowns";
import { AGENT_KEY, API_KEY, type ResourceSpec } from "./schema";

/**
 * The plugin's resources over the dynamic provider's lifecycles: one core, two front ends. A lifecycle speaks the
 * dynamic provider's interface (plain values, unknowns as a sentinel string); this module adds what the plugin
 * protocol has and a dynamic provider does not: a detailed diff (so the engine's `replaceOnChanges` works), secret
 * outputs marked by the schema, previews of create and update, and per-resource warnings.
 */

type Lifecycle = Required<Omit<dynamic.ResourceProvider, "configure">>;

export interface PluginResource {
  spec: ResourceSpec;
  lifecycle(ctx: ProviderContext): Lifecycle;
}

export const PLUGIN_RESOURCES: ReadonlyMap<string, PluginResource> = new Map([
  [AGENT_KEY.token, { spec: AGENT_KEY, lifecycle: agentKeyLifecycle }],
  [API_KEY.token, { spec: API_KEY, lifecycle: apiKeyLifecycle }],
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

/** Output names that are always secret, whatever the program passed. */
export function secretOutputs(spec: ResourceSpec): Set<string> {
  return new Set(
    Object.entries({ ...spec.inputs, ...spec.outputs })
      .filter(([, property]) => property.secret === true)
      .map(([name]) => name),
  );
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

export interface PluginDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Every property that changes, replacing or not: the engine applies `replaceOnChanges` to these. */
  detailedDiff: Record<string, PropertyDiffKind>;
}

/**
 * The lifecycle's diff, completed with the changes it does not report because they need no new key: a new
 * `rotationPeriod` alone. The dynamic provider reports those as no change (its host has no detailed diff, so an
 * update would only show every output as changing); here the engine sees them, and `replaceOnChanges` can turn
 * them into a replacement. Properties the lifecycle replaces are trusted as they are (it knows, e.g., that a
 * missing rotationTriggers map equals an empty one).
 */
export async function pluginDiff(resource: PluginResource, lifecycle: Lifecycle, id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<PluginDiff> {
  const result = await lifecycle.diff(id, olds, news);
  const replaces = result.replaces ?? [];
  const detailedDiff: Record<string, PropertyDiffKind> = {};
  for (const key of replaces) detailedDiff[key] = kindOf(olds[key], news[key], true);
  for (const key of resource.spec.updatable) {
    if (key in detailedDiff || !valueChanged(olds[key], news[key])) continue;
    detailedDiff[key] = kindOf(olds[key], news[key], false);
  }
  return {
    changes: Object.keys(detailedDiff).length > 0,
    replaces,
    deleteBeforeReplace: result.deleteBeforeReplace === true,
    detailedDiff,
  };
}

function kindOf(old: unknown, next: unknown, replace: boolean): PropertyDiffKind {
  if (old === undefined && next !== undefined) return replace ? PropertyDiffKind.ADD_REPLACE : PropertyDiffKind.ADD;
  if (old !== undefined && next === undefined) return replace ? PropertyDiffKind.DELETE_REPLACE : PropertyDiffKind.DELETE;
  return replace ? PropertyDiffKind.UPDATE_REPLACE : PropertyDiffKind.UPDATE;
}

function valueChanged(old: unknown, next: unknown): boolean {
  return containsUnknown(next) || JSON.stringify(old) !== JSON.stringify(next);
}

/**
 * The outputs of an update: the lifecycle keeps the stored key as it is (every argument that changes the key
 * replaces it), and the arguments that change without a new key are taken from the new inputs.
 */
export async function pluginUpdate(resource: PluginResource, lifecycle: Lifecycle, id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { outs } = await lifecycle.update(id, olds, news);
  const updated: Record<string, unknown> = { ...(outs as Record<string, unknown>) };
  for (const key of resource.spec.updatable) {
    if (news[key] === undefined) delete updated[key];
    else updated[key] = news[key];
  }
  return updated;
}

/**
 * What a preview shows for a create: the arguments as given, and every other output not known until the key
 * exists. Nothing is requested from Soda Cloud during a preview.
 */
export function previewCreate(resource: PluginResource, news: Record<string, unknown>): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(news)) if (!isInternalInput(key)) outputs[key] = value;
  for (const key of Object.keys(resource.spec.outputs)) if (!(key in outputs)) outputs[key] = UNKNOWN;
  return outputs;
}
