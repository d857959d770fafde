/**
 * What an emulator's bind address means for its clients. The control API has no authentication, so a bind beyond
 * loopback is worth a warning; and a wildcard address (every interface) is not one a client can connect to, so the
 * URL handed out names loopback instead.
 */

const WILDCARD_LOOPBACK: Readonly<Record<string, string>> = { "0.0.0.0": "127.0.0.1", "::": "::1" };

/** Whether `host` binds every interface (`0.0.0.0`, `::`). */
export function isWildcardHost(host: string): boolean {
  return unbracketed(host) in WILDCARD_LOOPBACK;
}

/** Whether only this machine can reach `host`: the provider's own rule, which accepts plain http for exactly these. */
export { isLoopbackHostname as isLoopbackHost } from "../provider/client/endpoint";

/** The base URL a client on this machine connects to for a server bound to `host` and `port`. */
export function clientUrl(host: string, port: number): string {
  const bare = unbracketed(host);
  const target = WILDCARD_LOOPBACK[bare] ?? bare;
  return `http://${target.includes(":") ? `[${target}]` : target}:${port}`;
}

function unbracketed(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
