import { isInternalInput } from "./internal-inputs";
import { inputSchema, type ArgumentsOf } from "../spec/derive";
import type { ResourceSpec } from "../spec/property";
import { containsUnknown } from "../engine/unknowns";

/** One invalid property, as Pulumi's Check reports it: the property path and why. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Inputs that failed validation outside Check (create or diff received what Check would have refused). */
export class InputError extends Error {
  constructor(
    readonly resourceType: string,
    readonly failures: CheckFailure[],
  ) {
    super(`Invalid ${resourceType} arguments: ${failures.map((f) => `${f.property} ${f.reason}`).join("; ")}.`);
    this.name = "InputError";
  }
}

/** Inputs without the engine's `__provider` and this package's internal inputs (`internal-inputs.ts`). */
export function withoutInternalInputs(props: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props ?? {}).filter(([key]) => !isInternalInput(key)));
}

/**
 * Validates inputs property by property. Values not known yet (preview) are skipped rather than refused, and an
 * argument the schema does not know is reported with the closest known name, as it is usually a typo.
 */
export function checkInputs(spec: ResourceSpec, props: Record<string, unknown>): CheckFailure[] {
  const inputs = withoutInternalInputs(props);
  const shape = spec.arguments;
  const known = Object.keys(shape);
  const failures: CheckFailure[] = [];
  // A required argument that is only misspelled is reported once, as the misspelling.
  const suggested = new Set<string>();
  for (const key of Object.keys(inputs)) {
    if (!(key in shape)) {
      const suggestion = closest(key, known);
      if (suggestion !== undefined) suggested.add(suggestion);
      failures.push({
        property: key,
        reason: `is not an argument of this resource${suggestion !== undefined ? `; did you mean "${suggestion}"?` : ""} (arguments: ${known.join(", ")})`,
      });
    }
  }
  for (const key of known) {
    const value = inputs[key];
    if (containsUnknown(value) || (value === undefined && suggested.has(key))) continue;
    if (value === undefined && shape[key].required !== true) continue;
    const result = shape[key].check.safeParse(value);
    if (result.success) continue;
    for (const issue of result.error.issues) {
      // The engine shows the named property's value beside the reason, looked up by top-level name: a nested path
      // there showed `value {<nil>}`. So the property is the argument, and the reason names the entry inside it.
      const inside = issue.path.map(String).join(".");
      const reason = value === undefined ? "is required" : issue.message;
      failures.push({ property: key, reason: inside === "" ? reason : `${inside} ${reason}` });
    }
  }
  return failures;
}

/** Parses fully known inputs, or throws an InputError naming every bad property. */
export function parseInputs<S extends ResourceSpec>(spec: S, props: Record<string, unknown>): ArgumentsOf<S> {
  const failures = checkInputs(spec, props);
  if (failures.length > 0) throw new InputError(spec.className, failures);
  const parsed = inputSchema(spec).safeParse(withoutInternalInputs(props));
  // Only a value not known yet gets past checkInputs and fails here: the engine never creates with one.
  if (!parsed.success)
    throw new InputError(
      spec.className,
      parsed.error.issues.map((i) => ({ property: i.path.join("."), reason: i.message })),
    );
  return parsed.data;
}

/** The known name nearest to a misspelled one (edit distance at most 3), if any. */
function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
