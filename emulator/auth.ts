import { AGENT_PERMISSION, AGENT_PERMISSION_ALIAS } from "../provider/client/soda-api";
import { HttpError } from "./http";
import { hashSecret, secretMatches } from "./keys";
import type { State, StoredApiKey } from "./store";

// Compared against when the key id is unknown, so an unknown id costs the same as a wrong secret.
const UNKNOWN_KEY_HASH = hashSecret("");

/** The key with this id and secret, if it exists and is not revoked; any kind. */
export function verifyKey(state: Readonly<State>, apiKeyId: string, apiKeySecret: string): StoredApiKey | undefined {
  const key = state.apiKeys.find((k) => k.apiKeyId === apiKeyId);
  const matches = secretMatches(apiKeySecret, key?.secretSha256 ?? UNKNOWN_KEY_HASH);
  return key !== undefined && matches && !key.revoked ? key : undefined;
}

/** Splits an `Authorization: Basic base64(id:secret)` header; anything else (Bearer included) is undefined. */
export function parseBasicAuth(header: string | undefined): { apiKeyId: string; apiKeySecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? "");
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { apiKeyId: decoded.slice(0, colon), apiKeySecret: decoded.slice(colon + 1) };
}

/**
 * The user key calling the REST API. Runner keys are refused like unknown ones: they authenticate a deployed
 * agent, not a REST client. The message is the same for every failure so it reveals nothing about the key.
 */
export function authenticateUser(state: Readonly<State>, authorization: string | undefined): StoredApiKey {
  const credentials = parseBasicAuth(authorization);
  const key = credentials && verifyKey(state, credentials.apiKeyId, credentials.apiKeySecret);
  if (key === undefined || key.kind !== "user") {
    throw new HttpError(401, "unauthorized", "Authentication failed: send a valid, unrevoked user API key with HTTP Basic auth.");
  }
  return key;
}

/** Whether a key may create runner keys and delete runners. */
export function canManageAgents(key: StoredApiKey): boolean {
  return key.permissions.includes(AGENT_PERMISSION) || key.permissions.includes(AGENT_PERMISSION_ALIAS);
}

/** Refuses (403) a key without the agent permission. */
export function requireAgentPermission(key: StoredApiKey): void {
  if (!canManageAgents(key)) {
    throw new HttpError(403, "forbidden", `This API key lacks the ${AGENT_PERMISSION} permission.`);
  }
}
