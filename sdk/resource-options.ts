import * as pulumi from "@pulumi/pulumi";

/**
 * Resource options a key resource cannot honour, refused at construction with a message naming the option.
 *
 * - `id` / `import`: Pulumi reads or imports a resource by calling its provider with the id alone, but a dynamic
 *   provider's code travels in the resource's own state (`__provider`), which an existing key does not have yet.
 *   The engine's provider host then fails with an error about a missing provider; say what to do instead.
 */
export function refuseReadById(resourceType: string, name: string, opts: pulumi.CustomResourceOptions | undefined): void {
  const option = opts?.import !== undefined ? "the `import` option" : opts?.id !== undefined ? "the `id` option" : undefined;
  if (option !== undefined) throw readByIdError(resourceType, name, option);
}

/** Why reading an existing key by id cannot work, and what to do instead. */
export function readByIdError(resourceType: string, name: string, what: string): Error {
  return new Error(
    `${resourceType} "${name}": ${what} cannot work on this resource: Pulumi reads a dynamic resource through provider code stored in its own state, which a key not yet in this stack lacks. ` +
      `Declare a new ${resourceType} instead, or read another stack's outputs with pulumi.StackReference.`,
  );
}

/** The `replaceOnChanges` entries that name one of `properties` (or all, with "*"): the provider honours these. */
export function replaceOnChangesOf(opts: pulumi.CustomResourceOptions | undefined, properties: readonly string[]): string[] | undefined {
  const wanted = opts?.replaceOnChanges ?? [];
  const matched = wanted.includes("*") ? [...properties] : properties.filter((p) => wanted.includes(p));
  return matched.length > 0 ? matched : undefined;
}

/** `{ [key]: value }`, or nothing when the value is undefined (an undefined input would declare an output). */
export function withDefined<T>(key: string, value: T | undefined): Record<string, T> {
  return value === undefined ? {} : { [key]: value };
}
