import * as z from "zod/mini";
import type { ArgumentSpec, OnChange, OutputSpec, PropertyType, ResourceSpec } from "./property";

/** The TypeScript type of a value of a property type. */
type ValueOf<T extends PropertyType> = { string: string; number: number; boolean: boolean; stringMap: Record<string, string> }[T];
type Flat<T> = { [K in keyof T]: T[K] } & {};
type KeysWhere<Table, Flag> = { [K in keyof Table]: Table[K] extends Flag ? K : never }[keyof Table];
type RequiredArguments<S extends ResourceSpec> = KeysWhere<S["arguments"], { required: true }>;
type OptionalOutputs<S extends ResourceSpec> = KeysWhere<S["outputs"], { optional: true }>;
type Typed<Table, Keys extends keyof Table> = { [K in Keys]: Table[K] extends { type: infer T extends PropertyType } ? ValueOf<T> : never };

/** The arguments of a resource once checked: required ones present, optional ones possibly absent. */
export type ArgumentsOf<S extends ResourceSpec> = Flat<
  Typed<S["arguments"], RequiredArguments<S>> & Partial<Typed<S["arguments"], Exclude<keyof S["arguments"], RequiredArguments<S>>>>
>;

/** A resource's stored outputs: its arguments, its outputs and the state version, plus fields a later version added. */
export type StateOf<S extends ResourceSpec> = Flat<
  { stateVersion: number } & ArgumentsOf<S> &
    Typed<S["outputs"], Exclude<keyof S["outputs"], OptionalOutputs<S>>> &
    Partial<Typed<S["outputs"], OptionalOutputs<S>>>
> & { [key: string]: unknown };

/** What a stored value of a type must be: the type alone, as an earlier version may have accepted more. */
function storedType(type: PropertyType): z.ZodMiniType {
  switch (type) {
    case "string":
      return z.string();
    case "number":
      return z.number();
    case "boolean":
      return z.boolean();
    case "stringMap":
      return z.record(z.string(), z.string());
  }
}

/**
 * The version of the stored outputs' shape. Every version of this provider must read the state written by every
 * earlier one, because changing provider code never replaces a resource; a later shape raises it and migrates.
 * Version 1 is the first.
 */
export const CURRENT_STATE_VERSION = 1;

/** Derived once per spec: the specs are module constants. */
const derived = new WeakMap<ResourceSpec, { inputs: z.ZodMiniType; state: z.ZodMiniType }>();

function schemasOf(spec: ResourceSpec) {
  let schemas = derived.get(spec);
  if (schemas === undefined) {
    const args = Object.entries(spec.arguments);
    const outputs = Object.entries(spec.outputs);
    schemas = {
      inputs: z.strictObject(Object.fromEntries(args.map(([name, a]) => [name, a.required === true ? a.check : z.optional(a.check)]))),
      state: z.looseObject({
        stateVersion: z.number().check(z.int(), z.minimum(1)),
        ...Object.fromEntries(args.map(([name, a]) => [name, a.required === true ? storedType(a.type) : z.optional(storedType(a.type))])),
        ...Object.fromEntries(outputs.map(([name, o]) => [name, o.optional === true ? z.optional(storedType(o.type)) : storedType(o.type)])),
      }),
    };
    derived.set(spec, schemas);
  }
  return schemas;
}

/** The check of a resource's whole arguments: strict, an argument the spec does not list is refused. */
export function inputSchema<S extends ResourceSpec>(spec: S): z.ZodMiniType<ArgumentsOf<S>> {
  return schemasOf(spec).inputs as z.ZodMiniType<ArgumentsOf<S>>;
}

/** The check of a resource's stored outputs: lenient on fields it does not list (a later version may add some). */
export function stateSchema<S extends ResourceSpec>(spec: S): z.ZodMiniType<StateOf<S>> {
  return schemasOf(spec).state as z.ZodMiniType<StateOf<S>>;
}

/** The arguments whose change has the given effect, in the spec's order. */
export function argumentsThat(spec: ResourceSpec, onChange: OnChange): string[] {
  return Object.entries(spec.arguments)
    .filter(([, a]) => a.onChange === onChange)
    .map(([name]) => name);
}

/** Every property of the stored outputs, arguments first, with its spec. */
function outputProperties(spec: ResourceSpec): [string, ArgumentSpec | OutputSpec][] {
  return [...Object.entries(spec.arguments), ...Object.entries(spec.outputs)];
}

/** The state version, an output of every resource. */
const STATE_VERSION_OUTPUT: OutputSpec = {
  type: "number",
  description: "The version of this output shape, so that every later version of the provider reads what this one stored.",
};

/** Every output that is not an argument, the state version included. */
export function outputsWithVersion(spec: ResourceSpec): Record<string, OutputSpec> {
  return { ...spec.outputs, stateVersion: STATE_VERSION_OUTPUT };
}

/** The names of the outputs that are always secret, whatever the program passed. */
export function secretOutputs(spec: ResourceSpec): Set<string> {
  return new Set(
    outputProperties(spec)
      .filter(([, p]) => p.secret === true)
      .map(([name]) => name),
  );
}
