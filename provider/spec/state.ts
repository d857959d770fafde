import { CURRENT_STATE_VERSION, stateSchema, type StateOf } from "./derive";
import type { ResourceSpec } from "./property";

/** Thrown when stored state cannot be read; it says which version wrote it and what to do. */
export class StateError extends Error {
  constructor(resourceType: string, problem: string) {
    super(`The stored state of this ${resourceType} ${problem}.`);
    this.name = "StateError";
  }
}

/** Reads a resource's stored outputs, of any state version this provider has written. */
export function readState<S extends ResourceSpec>(spec: S, props: Record<string, unknown>): StateOf<S> {
  const version = props.stateVersion;
  if (typeof version === "number" && version > CURRENT_STATE_VERSION) {
    throw new StateError(
      spec.className,
      `was written by a newer pulumi-soda-cloud (state version ${version}, this one reads up to ${CURRENT_STATE_VERSION}); upgrade the pulumi-soda-cloud package in this project`,
    );
  }
  const parsed = stateSchema(spec).safeParse(props);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", ");
    throw new StateError(
      spec.className,
      `is not readable (fields: ${fields}); run \`pulumi refresh\`, or remove it with \`pulumi state delete <urn>\` and run \`pulumi up\` to create a new key (dynamic resources cannot be imported)`,
    );
  }
  return parsed.data;
}
