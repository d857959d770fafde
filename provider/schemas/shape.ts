/**
 * The few checks the provider's schemas need, written out: strings, numbers, booleans, arrays, records and objects,
 * each reporting issues by path, with types derived from the schemas as with zod.
 *
 * Why not zod: the provider host loads this provider on the first call of an `up`, and loading zod took about
 * 45 ms there, several times the rest of the provider; these schemas need a sliver of it. The default messages are
 * zod's English ones, so a mismatched Soda payload reads as it did; every check of a schema runs in order and the
 * first that fails is the only one reported for that value.
 */

export type PathKey = string | number;

export interface Issue {
  /** Where the value is, from the parsed root: `["content", 0, "id"]`. */
  path: PathKey[];
  message: string;
}

export type ParseResult<T> = { success: true; data: T; error?: undefined } | { success: false; data?: undefined; error: { issues: Issue[] } };

export interface Schema<T> {
  /** Checks `value`, adding one issue per problem found to `issues`; returns the value (objects copied). */
  readonly run: (value: unknown, path: PathKey[], issues: Issue[]) => T;
  safeParse(value: unknown): ParseResult<T>;
  /** Also accepts undefined; an object key of such a schema is optional. */
  optional(): Schema<T | undefined>;
  /** Also accepts undefined and null. */
  nullish(): Schema<T | null | undefined>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type Flat<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOutput<S extends Shape> = Flat<{ [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }>;

export interface ObjectSchema<S extends Shape, T = ObjectOutput<S>> extends Schema<T> {
  readonly shape: S;
}

function schema<T>(run: (value: unknown, path: PathKey[], issues: Issue[]) => T): Schema<T> {
  return {
    run,
    safeParse(value) {
      const issues: Issue[] = [];
      const data = run(value, [], issues);
      return issues.length === 0 ? { success: true, data } : { success: false, error: { issues } };
    },
    optional: () => schema((value, path, issues) => (value === undefined ? undefined : run(value, path, issues))),
    nullish: () => schema((value, path, issues) => (value === undefined || value === null ? value : run(value, path, issues))),
  };
}

/** zod's name for the type of a value in "expected X, received Y". */
function typeName(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : Number.isFinite(value) ? "number" : String(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object" && Object.getPrototypeOf(value) !== Object.prototype && "constructor" in value && value.constructor) {
    return (value.constructor as { name: string }).name;
  }
  return typeof value;
}

const invalidType = (expected: string, value: unknown) => `Invalid input: expected ${expected}, received ${typeName(value)}`;

/**
 * What a value of the wrong type was, for a message: its type, never the value (it may be a secret given in the
 * wrong type; the engine shows the value itself beside the message, masked when it is secret).
 */
function gotType(value: unknown): string {
  const name = typeName(value);
  if (value === null || value === undefined) return `got ${name}`;
  if (Array.isArray(value)) return "got a list";
  return `got ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

/** A check of a value already of the right type: its problem, or undefined. */
type Check<T> = (value: T) => string | undefined;

export interface StringSchema extends Schema<string> {
  min(length: number, message?: string): StringSchema;
  max(length: number, message: string): StringSchema;
  regex(pattern: RegExp, message: string): StringSchema;
  /** A check of its own: returns the problem, or undefined. */
  check(problem: Check<string>): StringSchema;
}

/** Runs `checks` in order and reports the first that fails, as zod reports one problem per check chain here. */
function firstProblem<T>(value: T, checks: Check<T>[], path: PathKey[], issues: Issue[]): void {
  for (const check of checks) {
    const problem = check(value);
    if (problem !== undefined) {
      issues.push({ path, message: problem });
      return;
    }
  }
}

export function string(message?: string, checks: Check<string>[] = []): StringSchema {
  const base = schema((value, path, issues) => {
    if (typeof value !== "string") {
      issues.push({ path, message: message === undefined ? invalidType("string", value) : `${message} (${gotType(value)})` });
      return value as string;
    }
    firstProblem(value, checks, path, issues);
    return value;
  });
  const and = (check: Check<string>) => string(message, [...checks, check]);
  return {
    ...base,
    min: (length, problem) => and((s) => (s.length >= length ? undefined : (problem ?? `Too small: expected string to have >=${length} characters`))),
    max: (length, problem) => and((s) => (s.length <= length ? undefined : problem)),
    regex: (pattern, problem) => and((s) => (pattern.test(s) ? undefined : problem)),
    check: and,
  };
}

export interface NumberSchema extends Schema<number> {
  int(): NumberSchema;
  min(minimum: number): NumberSchema;
  nonnegative(): NumberSchema;
  positive(): NumberSchema;
  /** A check of its own: returns the problem, or undefined. */
  check(problem: Check<number>): NumberSchema;
}

export function number(checks: Check<number>[] = []): NumberSchema {
  const base = schema((value, path, issues) => {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      issues.push({ path, message: invalidType("number", value) });
      return value as number;
    }
    firstProblem(value, checks, path, issues);
    return value;
  });
  const and = (check: Check<number>) => number([...checks, check]);
  const atLeast = (minimum: number) => and((n) => (n >= minimum ? undefined : `Too small: expected number to be >=${minimum}`));
  return {
    ...base,
    int: () => and((n) => (Number.isInteger(n) ? undefined : "Invalid input: expected int, received number")),
    min: atLeast,
    nonnegative: () => atLeast(0),
    positive: () => and((n) => (n > 0 ? undefined : "Too small: expected number to be >0")),
    check: and,
  };
}

export function boolean(): Schema<boolean> {
  return schema((value, path, issues) => {
    if (typeof value !== "boolean") issues.push({ path, message: invalidType("boolean", value) });
    return value as boolean;
  });
}

export function array<T>(item: Schema<T>): Schema<T[]> {
  return schema((value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ path, message: invalidType("array", value) });
      return value as T[];
    }
    return value.map((element, index) => item.run(element, [...path, index], issues));
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A map of string keys to values of `values`; `message` replaces the default when the value is not a plain object. */
export function record<T>(values: Schema<T>, message?: string): Schema<Record<string, T>> {
  return schema((value, path, issues) => {
    const proto = isObject(value) ? Object.getPrototypeOf(value) : undefined;
    if (!isObject(value) || (proto !== Object.prototype && proto !== null)) {
      issues.push({ path, message: message ?? invalidType("record", value) });
      return value as Record<string, T>;
    }
    const out: Record<string, T> = {};
    for (const key of Object.keys(value)) out[key] = values.run(value[key], [...path, key], issues);
    return out;
  });
}

function object<S extends Shape, T>(shape: S, unknownKeys: "keep" | "refuse"): ObjectSchema<S, T> {
  const base = schema((value, path, issues) => {
    if (!isObject(value)) {
      issues.push({ path, message: invalidType("object", value) });
      return value as T;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      const result = shape[key].run(value[key], [...path, key], issues);
      if (key in value || result !== undefined) out[key] = result;
    }
    const unknown = Object.keys(value).filter((key) => !(key in shape));
    if (unknownKeys === "keep") for (const key of unknown) out[key] = value[key];
    else if (unknown.length > 0) issues.push({ path, message: `Unrecognized key${unknown.length > 1 ? "s" : ""}: ${unknown.map((k) => JSON.stringify(k)).join(", ")}` });
    return out as T;
  });
  return { ...base, shape };
}

/** An object that keeps keys it does not know (Soda may add fields at any time). */
export function looseObject<S extends Shape>(shape: S): ObjectSchema<S, ObjectOutput<S> & { [key: string]: unknown }> {
  return object(shape, "keep");
}

/** An object that refuses keys it does not know. */
export function strictObject<S extends Shape>(shape: S): ObjectSchema<S> {
  return object(shape, "refuse");
}
