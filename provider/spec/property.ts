import * as z from "zod/mini";

/**
 * What one property of a resource is: its type, whether it is required, secret, what a change of it does, its
 * documentation and its validation. A resource's spec (`agent-key.ts`, …) lists its properties once; the input
 * checks, the stored-state checks, the plugin's package schema and diff's replace set are derived from it
 * (`derive.ts`, `provider/plugin/schema.ts`), and `tests/sdk/spec-agreement.test.ts` holds the SDK's argument types
 * and docs to it.
 */

/** A property's type, as Pulumi's package schema names it (`stringMap`: an object of strings). */
export type PropertyType = "string" | "number" | "boolean" | "stringMap";

/** What a change of an argument does: `replace` makes a new resource (a new key); `update` changes what is stored. */
export type OnChange = "replace" | "update";

/** An output that is not an argument. */
export interface OutputSpec {
  readonly type: PropertyType;
  readonly description: string;
  /** Always a Pulumi secret. */
  readonly secret?: true;
  /** Not always set. Every other output is. */
  readonly optional?: true;
}

/** An argument, which is also an output (the value given, as stored). */
export interface ArgumentSpec {
  readonly type: PropertyType;
  readonly description: string;
  readonly secret?: true;
  /** Must be given. */
  readonly required?: true;
  readonly onChange: OnChange;
  /** The check of a value given, its type included; messages read after the property's name. */
  readonly check: z.ZodMiniType;
}

/** One resource: the SDK's class, the plugin's token where the plugin serves it, its arguments and outputs. */
export interface ResourceSpec {
  /** The TypeScript class (`SodaAgentKey`), and the name messages use. */
  readonly className: string;
  /** The plugin's type token (`soda:index:AgentKey`), for the resources the plugin serves. */
  readonly pluginToken?: string;
  readonly description: string;
  readonly arguments: Readonly<Record<string, ArgumentSpec>>;
  readonly outputs: Readonly<Record<string, OutputSpec>>;
}

/** A check beyond the type: the problem with a value, or undefined. */
export type Rule<T> = (value: T) => string | undefined;

/**
 * What a value of the wrong type was, for a message: its type, never the value (it may be a secret given in the
 * wrong type; the engine shows the value itself beside the message, masked when it is secret).
 */
function gotType(value: unknown): string {
  if (value === null) return "got null";
  if (value === undefined) return "got undefined";
  if (Array.isArray(value)) return "got a list";
  const name = typeof value === "object" && Object.getPrototypeOf(value) !== Object.prototype && value.constructor ? value.constructor.name : typeof value;
  return `got ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

const mustBe = (what: string) => ({ error: (issue: { input?: unknown }) => `must be ${what} (${gotType(issue.input)})` });

/** Runs `rules` in order and reports the first that fails: one problem per value, as a person would fix it. */
function firstFailing<T>(rules: Rule<T>[]) {
  return z.superRefine<T>((value, ctx) => {
    for (const rule of rules) {
      const problem = rule(value);
      if (problem !== undefined) {
        ctx.addIssue({ code: "custom", message: problem, input: value });
        return;
      }
    }
  });
}

/** A string argument's check: a string, then `rules` in order. */
export function stringInput(...rules: Rule<string>[]) {
  return z.string(mustBe("a string")).check(firstFailing(rules));
}

/** A number argument's check: a finite number, then `rules` in order. */
export function numberInput(...rules: Rule<number>[]) {
  return z.number(mustBe("a number")).check(firstFailing(rules));
}

/** A map argument's check: an object of strings, each entry reported by its key. */
export function stringMapInput() {
  return z.record(z.string(), z.string(mustBe("a string")), { error: "must be a map of strings to strings" });
}

/** The commonest rule: a string argument that must not be empty. */
export const notEmpty: Rule<string> = (value) => (value.length === 0 ? "must not be empty" : undefined);
