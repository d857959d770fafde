type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Merges `override` over `base`: nested objects merge key by key, anything else (arrays, scalars, null) in
 * `override` replaces what `base` has, as Helm merges values files.
 */
export function deepMerge(base: Plain, override: Plain): Plain {
  const merged: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = isPlainObject(value) && isPlainObject(merged[key]) ? deepMerge(merged[key], value) : value;
  }
  return merged;
}
