import type { KeyPair } from "./keys";
import { hashSecret } from "./keys";
import type { State } from "./store";

/** A user key the emulator was started with; it survives `reset` and is restored to working order by it. */
export interface StartupKey extends KeyPair {
  permissions: string[];
}

/**
 * Adds the startup keys to the state, or brings existing ones back to what was asked for (secret,
 * permissions, not revoked): the command line is the source of truth for the keys it names.
 */
export function upsertStartupKeys(draft: State, keys: readonly StartupKey[], createdAt: string): void {
  for (const key of keys) {
    const existing = draft.apiKeys.find((k) => k.apiKeyId === key.apiKeyId);
    if (existing === undefined) {
      draft.apiKeys.push({
        apiKeyId: key.apiKeyId,
        secretSha256: hashSecret(key.apiKeySecret),
        kind: "user",
        permissions: [...key.permissions],
        revoked: false,
        runnerId: null,
        createdAt,
      });
      continue;
    }
    if (existing.kind !== "user") {
      throw new Error(`The startup key ${key.apiKeyId} is already a runner key in the emulator state; choose another key id.`);
    }
    existing.secretSha256 = hashSecret(key.apiKeySecret);
    existing.permissions = [...key.permissions];
    existing.revoked = false;
  }
}
