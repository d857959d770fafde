import { REGION_HOSTS, DEFAULT_HOST, type Region } from "./soda-api";

/** Thrown for a host or region setting that cannot be used; `setting` names it. */
export class EndpointError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = "EndpointError";
  }
}

export interface EndpointSettings {
  /** A Soda Cloud host: `https://cloud.soda.io`, `cloud.us.soda.io`, or `http://127.0.0.1:PORT` for the emulator. */
  host?: string;
  /** `eu` or `us`; used when no host is given. */
  region?: string;
  /** How the settings are called where the user sets them, for error messages (e.g. `soda:host`). */
  hostSettingName?: string;
  regionSettingName?: string;
  /**
   * Accept plain `http://` to a host that is not loopback (an emulator in docker-compose or a cluster). The key
   * secret then crosses the network unencrypted; callers warn on every use (soda:allowInsecureHttp).
   */
  allowInsecureHttp?: boolean;
  /** How the user opts in, for error messages (e.g. "`pulumi config set soda:allowInsecureHttp true`"). */
  insecureHttpOptIn?: string;
}

/** A resolved endpoint and the setting it came from, in words for messages (`soda:region "us"`). */
export interface ResolvedEndpoint {
  endpoint: string;
  source: string;
  /** Neither a host nor a region was given: the endpoint is the default region's. */
  defaulted: boolean;
  /** Plain http to a host that is not loopback, accepted through the opt-in. */
  insecure: boolean;
}

/**
 * Whether only this machine can reach `hostname` (a URL's hostname, or a bind address; IPv6 bracketed or not): the
 * hosts plain http is accepted for without the opt-in. The emulator's CLI warns about a bind beyond these.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const bare = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The base URL (scheme, host and port, no trailing slash) that requests go to. Plain `http://` is refused unless
 * the host is loopback or the user opted in, because the key secret travels in every request's Authorization header.
 */
export function resolveEndpoint(settings: EndpointSettings): string {
  return resolveEndpointWithSource(settings).endpoint;
}

/** `resolveEndpoint`, saying also which setting the endpoint came from. */
export function resolveEndpointWithSource(settings: EndpointSettings): ResolvedEndpoint {
  const hostSetting = settings.hostSettingName ?? "host";
  const regionSetting = settings.regionSettingName ?? "region";
  if (settings.host !== undefined && settings.host.trim() !== "") {
    const given = settings.host.trim();
    // Messages quote the setting, but never credentials someone embedded in it.
    const raw = given.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, "$1***@");
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new EndpointError(hostSetting, `${hostSetting} "${raw}" is not a valid URL; use https://cloud.soda.io or https://cloud.us.soda.io.`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new EndpointError(hostSetting, `${hostSetting} "${raw}" uses ${url.protocol}; Soda Cloud is reached over https.`);
    }
    const insecure = url.protocol === "http:" && !isLoopbackHostname(url.hostname);
    if (insecure && settings.allowInsecureHttp !== true) {
      throw new EndpointError(
        hostSetting,
        `${hostSetting} "${raw}" uses plain http to a host that is not loopback, which would send the key secret unencrypted. Use https. ` +
          `For a Soda Cloud emulator on another host only, opt in with ${settings.insecureHttpOptIn ?? "allowInsecureHttp: true"}.`,
      );
    }
    if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.username !== "" || url.password !== "") {
      throw new EndpointError(hostSetting, `${hostSetting} "${raw}" must be a bare host such as https://cloud.soda.io, without a path, query or credentials.`);
    }
    return { endpoint: url.origin, source: hostSetting, insecure, defaulted: false };
  }
  if (settings.region !== undefined && settings.region.trim() !== "") {
    const region = settings.region.trim().toLowerCase();
    if (!(region in REGION_HOSTS)) {
      throw new EndpointError(
        regionSetting,
        `${regionSetting} "${settings.region}" is not a Soda Cloud region; use "eu" (cloud.soda.io) or "us" (cloud.us.soda.io).`,
      );
    }
    return { endpoint: REGION_HOSTS[region as Region], source: `${regionSetting} "${region}"`, insecure: false, defaulted: false };
  }
  return { endpoint: DEFAULT_HOST, source: `the default region (neither ${hostSetting} nor ${regionSetting} is set)`, insecure: false, defaulted: true };
}
