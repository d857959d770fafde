import type { Credentials } from "../client/soda-cloud-client";

/**
 * The `soda_cloud` block of a Soda Core configuration.yml for this key. Soda Core wants a bare host; scheme and
 * port are written only when they differ from https:443 (the emulator on loopback). Values are JSON strings,
 * which YAML reads as double-quoted scalars, so no character of a secret can break the document.
 */
export function sodaCloudConfigYaml(endpoint: string, credentials: Credentials): string {
  const url = new URL(endpoint);
  const lines = ["soda_cloud:", `  host: ${JSON.stringify(url.hostname)}`];
  if (url.protocol !== "https:") lines.push(`  scheme: ${JSON.stringify(url.protocol.replace(":", ""))}`);
  if (url.port !== "") lines.push(`  port: ${JSON.stringify(url.port)}`);
  lines.push(`  api_key_id: ${JSON.stringify(credentials.apiKeyId)}`, `  api_key_secret: ${JSON.stringify(credentials.apiKeySecret)}`);
  return `${lines.join("\n")}\n`;
}
