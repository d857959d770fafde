/**
 * The engine rejects `undefined` in outputs ("Unexpected struct type"), so optional outputs that are absent are
 * left out rather than set to undefined.
 */
export function definedOnly<T extends Record<string, unknown>>(outputs: T): T {
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined)) as T;
}
