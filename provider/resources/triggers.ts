import { containsUnknown } from "../engine/unknowns";

/**
 * Whether two `rotationTriggers` maps differ. Key order does not matter; a map that is not known yet (preview)
 * counts as changed, since any change of it means a new key.
 */
export function triggersChanged(old: Record<string, string> | undefined, next: unknown): boolean {
  if (containsUnknown(next)) return true;
  return canonical(old) !== canonical(next as Record<string, string> | undefined);
}

function canonical(triggers: Record<string, string> | undefined): string {
  if (triggers === undefined || triggers === null) return "{}";
  return JSON.stringify(
    Object.keys(triggers)
      .sort()
      .map((k) => [k, triggers[k]]),
  );
}
