/**
 * Inputs the package adds to a resource's own arguments, for the provider's eyes only. Like the engine's
 * `__provider`, their names start with `__`; validation skips them and state never stores them.
 */

/** The `replaceOnChanges` entries the provider honours itself (see sdk/agent-key.ts). */
export const REPLACE_ON_CHANGES_INPUT = "__replaceOnChanges";

/**
 * When check last ran, ISO 8601. A due `rotationPeriod` is decided against this time, not the time of the diff:
 * `pulumi refresh` diffs the stored inputs of the last `up` again after reading, and must not see a rotation that
 * only a new `up` (which runs check first) should make.
 */
export const CHECKED_AT_INPUT = "__checkedAt";

/**
 * When check saw an argument named in `replaceOnChanges` change from the stored inputs, ISO 8601. Only check sees
 * the old inputs (diff gets the old outputs), so it records the request, and diff replaces a key created before
 * it. Like `__checkedAt`, it is a time and not a flag, so the stored inputs do not ask for it again on refresh.
 */
export const REPLACE_REQUESTED_AT_INPUT = "__replaceRequestedAt";

/**
 * The SodaAgentKey of the same stack that claimed this key's `agentName` first (set by the SDK only then): check
 * refuses the key, naming both (sdk/agent-names.ts).
 */
export const AGENT_NAME_TAKEN_BY_INPUT = "__agentNameTakenBy";

/**
 * The endpoint the stack config points at when check ran. A key lives where it was created; diff compares the
 * two and refuses (SodaAgentKey) or replaces (SodaApiKey) when the config moved. Stored inputs carry the endpoint
 * of the last `up`, so a refresh, which diffs them again, sees no move.
 */
export const ENDPOINT_INPUT = "__endpoint";

/** The endpoint stamped by check, or undefined in inputs check never saw (state of an older version). */
export function stampedEndpoint(news: Record<string, unknown>): string | undefined {
  const value = news[ENDPOINT_INPUT];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Whether a property is the engine's or this package's own rather than a resource argument. */
export function isInternalInput(key: string): boolean {
  return key.startsWith("__");
}

/** The time a stamp input holds (ms since the epoch), or undefined when it is absent (inputs check never saw). */
export function stampedTime(news: Record<string, unknown>, stamp: typeof CHECKED_AT_INPUT | typeof REPLACE_REQUESTED_AT_INPUT): number | undefined {
  const value = news[stamp];
  const parsed = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** The property names the resource's `replaceOnChanges` option asks the provider to honour. */
export function replaceOnChangesInput(news: Record<string, unknown>): string[] {
  const value = news[REPLACE_ON_CHANGES_INPUT];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * The resource's URN, set by the SDK (sdk/resource-urn.ts). Pulumi's Node dynamic provider host gives a provider's
 * methods no URN, and the engine attaches a status line to a resource only by it; check, create and update see it
 * in their inputs (read and delete get only outputs, so their waits show beside the stack instead).
 */
export const URN_INPUT = "__urn";

/** The URN the SDK stamped, or undefined (inputs of an older version, or not known). */
export function stampedUrn(props: Record<string, unknown>): string | undefined {
  const value = props[URN_INPUT];
  return typeof value === "string" && value.startsWith("urn:pulumi:") ? value : undefined;
}
