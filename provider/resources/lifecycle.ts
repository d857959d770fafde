import type * as dynamic from "@pulumi/pulumi/dynamic";
import { argumentsThat } from "../spec/derive";
import type { ResourceSpec } from "../spec/property";

/**
 * What a diff says, per argument: those whose change needs a new resource (a new key), and those whose change only
 * updates what is stored. Each front end maps this onto what its engine interface can say: the dynamic provider
 * (`dynamic-front-end.ts`) and the plugin (`plugin/resources.ts`).
 */
export interface PropertyChanges {
  replaces: string[];
  updates: string[];
  /** The old resource must go before the new one is created (two runners cannot share a name). */
  deleteBeforeReplace: boolean;
}

/** A resource's lifecycle, the same for both front ends. */
export interface Lifecycle {
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult>;
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<PropertyChanges>;
  create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult>;
  read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult>;
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult>;
  delete(id: string, props: Record<string, unknown>): Promise<void>;
}

/** The arguments the spec updates in place whose value differs between the stored outputs and the new inputs. */
export function changedUpdatable(spec: ResourceSpec, olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  return argumentsThat(spec, "update").filter((name) => JSON.stringify(olds[name]) !== JSON.stringify(news[name]));
}

/**
 * The outputs of an update: the stored ones, with the arguments that change in place taken from the new inputs
 * (every other argument replaces the resource, so it cannot differ here).
 */
export function updatedOutputs<T extends Record<string, unknown>>(spec: ResourceSpec, stored: T, news: Record<string, unknown>): T {
  const outputs: Record<string, unknown> = { ...stored };
  for (const name of argumentsThat(spec, "update")) {
    if (news[name] === undefined) delete outputs[name];
    else outputs[name] = news[name];
  }
  return outputs as T;
}
