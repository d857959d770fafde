import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

/** An API key as Soda hands it out: the id is public, the secret is shown once. */
export interface KeyPair {
  apiKeyId: string;
  apiKeySecret: string;
}

/** Key ids are UUIDs, as Soda's are. */
export function generateKeyId(): string {
  return randomUUID();
}

/** 40 random bytes encode to exactly 54 URL-safe characters, the length and alphabet Soda's secrets have. */
export function generateSecret(): string {
  return randomBytes(40).toString("base64url");
}

/** A fresh key pair. */
export function generateKeyPair(): KeyPair {
  return { apiKeyId: generateKeyId(), apiKeySecret: generateSecret() };
}

/** The only form in which a secret is kept, in memory and on disk. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares in constant time so response timing does not reveal how much of a guessed secret was right. */
export function secretMatches(secret: string, storedSha256: string): boolean {
  const actual = createHash("sha256").update(secret, "utf8").digest();
  const expected = Buffer.from(storedSha256, "hex");
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
