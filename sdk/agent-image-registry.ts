import { REGION_HOSTS } from "../provider/client/soda-api";

/**
 * Where the `soda-agent` chart pulls its images from since chart 1.2.0 (July 2025): Soda's private registries, one
 * per region, which take a Soda API key as credentials (Soda's docs, "Deploy a self-hosted Soda Agent from Soda's
 * private container registry"). The Docker Hub images had a grace period that has ended.
 */
export const IMAGE_REGISTRIES = { eu: "registry.cloud.soda.io", us: "registry.us.soda.io" } as const;

/** The chart's images, as Soda's mirroring guide lays them out under a registry, by the chart's value names. */
export const COMPONENT_IMAGES = {
  agent: "sodadata/agent-orchestrator",
  scanLauncher: "sodadata/soda-scan-launcher",
  contractLauncher: "sodadata/soda-contract-launcher",
  hooks: "sodadata/soda-agent-utils",
} as const;

/** The chart's `soda.cloud.region` for a Soda Cloud endpoint: `us` for Soda's US host, else `eu`, the chart's default. */
export function chartRegion(endpoint: string): "eu" | "us" {
  return endpoint === REGION_HOSTS.us ? "us" : "eu";
}

/**
 * The chart's `soda.cloud` values for the endpoint the agent's key lives at. Both are set: the region renders the
 * registry (chart 1.2.0 and later) and the endpoint; the endpoint, set too, keeps a host that is not a region's own
 * (an emulator, a proxy) and older charts right.
 */
export function cloudValues(endpoint: string): { endpoint: string; region: "eu" | "us" } {
  return { endpoint, region: chartRegion(endpoint) };
}

/** The registry the pull Secret is for: the one the user names (a mirror), else Soda's for the key's region. */
export function imageRegistry(endpoint: string, registry: string | undefined): string {
  return registry ?? IMAGE_REGISTRIES[chartRegion(endpoint)];
}

/**
 * The chart values that point each component's image at a mirror (`soda.<component>.image.repository`), laid out
 * as Soda's mirroring guide shows. The user's own `values` still override any of them.
 */
export function mirroredImageValues(registry: string): Record<keyof typeof COMPONENT_IMAGES, { image: { repository: string } }> {
  const entries = Object.entries(COMPONENT_IMAGES).map(([component, image]) => [component, { image: { repository: `${registry}/${image}` } }]);
  return Object.fromEntries(entries) as Record<keyof typeof COMPONENT_IMAGES, { image: { repository: string } }>;
}

/**
 * The `.dockerconfigjson` of a `kubernetes.io/dockerconfigjson` Secret that logs in to `registry` with a Soda API
 * key, as `docker login <registry> -u <key id> -p <key secret>` would.
 */
export function dockerConfigJson(registry: string, apiKeyId: string, apiKeySecret: string): string {
  const auth = Buffer.from(`${apiKeyId}:${apiKeySecret}`).toString("base64");
  return JSON.stringify({ auths: { [registry]: { username: apiKeyId, password: apiKeySecret, auth } } });
}

/**
 * Why a `registry` is refused ("" when it is fine): the key of a `.dockerconfigjson` is a registry host, with an
 * optional port and path, never a URL.
 */
export function registryProblem(registry: string): string {
  if (registry === "") return "must not be empty";
  if (registry.includes("://")) return `must be a registry host such as "registry.example.com", without a scheme (got "${registry}")`;
  if (/\s/.test(registry)) return `must not contain spaces (got "${registry}")`;
  return "";
}
