import * as pulumi from "@pulumi/pulumi";

const ADMIN_SECRET_KEY = "soda:apiKeySecret";
let warned = false;

/**
 * Warns, once per program, when `soda:apiKeySecret` is in the stack config as plain text. Only the program can
 * tell: the engine hands a dynamic provider its config with secretness stripped, while the language host tells the
 * program which keys are secret. The warning is attached to the resource that uses the key.
 */
export function warnIfAdminSecretIsPlainText(resource: pulumi.Resource): void {
  if (warned || pulumi.runtime.allConfig()[ADMIN_SECRET_KEY] === undefined || isSecretConfigKey(ADMIN_SECRET_KEY)) return;
  warned = true;
  const message = `${ADMIN_SECRET_KEY} is stored in plain text in this stack's config file. Set it again as a secret: \`pulumi config set --secret -- ${ADMIN_SECRET_KEY} <secret>\`, and revoke the key if the file was shared.`;
  // Logged once the resource has its URN, not queued for it. Pulumi's log sends a program's messages one after the
  // other on the engine channel it held when each was logged; one queued for a URN holds back every message after
  // it until the registration answers (for ever if the engine shut down first), and if the runtime closed that
  // channel meanwhile (an RPC failed as the engine shut down), it fails with "Channel has been shut down", printed
  // as "failed to deliver log message", and so does every message after it.
  resource.urn.apply(() => void pulumi.log.warn(message, resource));
}

/** Whether the language host marked a config key as secret (PULUMI_CONFIG_SECRET_KEYS, read by the SDK's runtime). */
function isSecretConfigKey(key: string): boolean {
  // `isConfigSecret` is internal to @pulumi/pulumi; where a version lacks it, the language host's variable is read.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a plain-text secret is suspected, from whichever @pulumi/pulumi runs the program.
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
  if (typeof runtimeConfig.isConfigSecret === "function") return runtimeConfig.isConfigSecret(key);
  const listed: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  return Array.isArray(listed) && listed.includes(key);
}
