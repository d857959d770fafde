/**
 * Property values as the engine sends them to a plugin that accepts secrets: a secret is an object carrying
 * the special signature key. The lifecycles take plain values, so secrets are unwrapped on the way in and the
 * secret properties wrapped again on the way out.
 */
import { SECRET_SIG, SPECIAL_SIG_KEY } from "../engine/wire-markers";

type Props = Record<string, unknown>;

function isSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Props)[SPECIAL_SIG_KEY] === SECRET_SIG;
}

/** A value with every secret wrapper (at any depth) replaced by the value it holds. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  return value;
}

/** The names of the properties that hold a secret anywhere inside them. */
export function secretKeys(props: Props): Set<string> {
  const holdsSecret = (value: unknown): boolean =>
    isSecret(value) || (Array.isArray(value) ? value.some(holdsSecret) : typeof value === "object" && value !== null && Object.values(value).some(holdsSecret));
  return new Set(Object.keys(props).filter((key) => holdsSecret(props[key])));
}

/** The properties with each one named in `secret` wrapped as a secret (absent ones stay absent). */
export function wrapSecrets(props: Props, secret: Set<string>): Props {
  return Object.fromEntries(
    Object.entries(props).map(([key, value]) => [key, secret.has(key) && value !== undefined ? { [SPECIAL_SIG_KEY]: SECRET_SIG, value } : value]),
  );
}

/** Plain properties (no secret wrappers) of a request struct, and the names of those that were secret. */
export function plainProps(props: Props | undefined): { plain: Props; secret: Set<string> } {
  const raw = props ?? {};
  return { plain: unwrapSecrets(raw) as Props, secret: secretKeys(raw) };
}
