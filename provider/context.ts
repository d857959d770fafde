import { createHash } from "node:crypto";
import { systemClock, type Clock } from "./client/clock";
import { warnThroughEngine } from "./engine-log";
import { RateLimitPacer } from "./client/pacer";
import { scaledRateLimits } from "./client/soda-api";
import { SodaCloudClient, type Credentials } from "./client/soda-cloud-client";
import { missingCredentialsMessage, resolveSettings, type Settings, type StackConfig, readStackConfig } from "./settings";

/** What a resource lifecycle needs from its surroundings; tests build one with an injected clock and settings. */
export interface ProviderContext {
  /** Settings for this call (stack config, then environment). */
  settings(): Settings;
  /** A client authenticated with the admin credentials; throws a message naming both ways to set them. */
  adminClient(resourceType: string): SodaCloudClient;
  /** A client authenticated with the given key (a SodaApiKey verifies with its own key). */
  clientWithKey(credentials: Credentials): SodaCloudClient;
  clock: Clock;
  /** Tells the user something they must act on, without failing the operation. */
  warn(message: string): Promise<void>;
  /**
   * Ids of API keys a resource created or refreshed in this process. An `up` runs every step of one stack in one
   * provider host, so a replaced SodaApiKey whose replacement kept the key id finds it here and does not ask the
   * user to revoke a key the new resource uses.
   */
  apiKeysInUse: Set<string>;
}

export interface ContextOptions {
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Where warnings go; the engine's log (or stderr outside a provider host) by default. */
  warn?: (message: string) => unknown;
}

/**
 * The provider's context in one process. Clients and pacers are cached per endpoint and key, so that every
 * resource in one `pulumi up` shares one rate-limit budget and one connection pool.
 */
export class ProcessContext implements ProviderContext {
  readonly clock: Clock;
  private config: ReturnType<typeof readStackConfig> = {};
  private readonly env: NodeJS.ProcessEnv;
  private readonly clients = new Map<string, SodaCloudClient>();
  private readonly pacers = new Map<string, RateLimitPacer>();
  readonly warn: (message: string) => Promise<void>;
  readonly apiKeysInUse = new Set<string>();

  constructor(options: ContextOptions = {}) {
    this.clock = options.clock ?? systemClock();
    this.env = options.env ?? process.env;
    const sink = options.warn ?? warnThroughEngine;
    this.warn = async (message) => {
      await sink(message);
    };
  }

  /** Called by the engine once per provider with the whole stack configuration. */
  configure(config: StackConfig): void {
    this.config = readStackConfig(config);
  }

  settings(): Settings {
    return resolveSettings(this.config, this.env);
  }

  adminClient(resourceType: string): SodaCloudClient {
    const settings = this.settings();
    if (settings.credentials === undefined) throw new Error(missingCredentialsMessage(resourceType));
    return this.client(settings, settings.credentials);
  }

  clientWithKey(credentials: Credentials): SodaCloudClient {
    return this.client(this.settings(), credentials);
  }

  private client(settings: Settings, credentials: Credentials): SodaCloudClient {
    // The cache key holds a digest of the secret, never the secret itself.
    const secretDigest = createHash("sha256").update(credentials.apiKeySecret).digest("hex");
    const key = [settings.endpoint, credentials.apiKeyId, secretDigest, settings.requestTimeoutMs, settings.operationTimeoutMs, settings.rateWindowMs].join("|");
    let client = this.clients.get(key);
    if (client === undefined) {
      client = new SodaCloudClient({
        endpoint: settings.endpoint,
        credentials,
        requestTimeoutMs: settings.requestTimeoutMs,
        operationTimeoutMs: settings.operationTimeoutMs,
        pacer: this.pacer(settings),
        clock: this.clock,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** One pacer per endpoint: Soda's rate-limit buckets are not per key (see ASSUMPTIONS), so keys share budget. */
  private pacer(settings: Settings): RateLimitPacer {
    const key = `${settings.endpoint}|${settings.rateWindowMs}`;
    let pacer = this.pacers.get(key);
    if (pacer === undefined) {
      pacer = new RateLimitPacer(scaledRateLimits(settings.rateWindowMs), this.clock);
      this.pacers.set(key, pacer);
    }
    return pacer;
  }

  /** Closes every cached client's connections. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
