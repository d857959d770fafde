import { createHash } from "node:crypto";
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { EndpointError } from "../client/endpoint";
import { systemClock, type Clock } from "../client/clock";
import { providerHostLog } from "../engine/engine-log";
import { RateLimitPacer, type PacerWait } from "../client/pacer";
import { scaledRateLimits } from "../client/soda-api";
import { SodaCloudClient, type Credentials } from "../client/soda-cloud-client";
import { RunnerOwnership } from "../resources/runner-ownership";
import { RunnerDirectory } from "../resources/runner-directory";
import { currentStatusLine, type StatusLine } from "../engine/status-line";
import { pacerWaitReporter } from "../engine/wait-progress";
import {
  SettingsError,
  endpointNotConfiguredMessage,
  insecureHttpWarning,
  missingCredentialsMessage,
  resolveSettings,
  type Settings,
  type StackConfig,
  readStackConfig,
} from "./settings";

/** Where an existing key lives: operations on it go there, whatever the config says now. */
export interface RecordedEndpoint {
  endpoint: string;
}

/**
 * The settings check goes on with, or the one failure it reports instead. A bad or missing setting is the stack's,
 * not an argument's, so it is a failure of the resource as a whole (no property): the engine prints it as one line,
 * where a thrown error reached the output twice over with the provider host's stack trace.
 */
export type CheckedSettings = { settings: Settings; failure?: undefined } | { settings?: undefined; failure: CheckFailure };

/** What a resource lifecycle needs from its surroundings; tests build one with an injected clock and settings. */
export interface ProviderContext {
  /** Settings for this call (stack config, then environment). */
  settings(): Settings;
  /**
   * The settings a resource needs, checked without network (check runs at preview), or a failure naming the bad
   * setting, the missing admin credentials when `needsAdminCredentials`, or the missing endpoint of a key recorded
   * at `recordedEndpoint` (its stamp from the last check) when none is configured. Warns about plain http once.
   */
  checkedSettings(resourceType: string, needsAdminCredentials: boolean, recordedEndpoint?: string): Promise<CheckedSettings>;
  /**
   * A client authenticated with the admin credentials; throws a message naming both ways to set them. At the
   * configured endpoint, or at `at`, the endpoint an existing key was created at.
   */
  adminClient(resourceType: string, at?: RecordedEndpoint): SodaCloudClient;
  /** A client authenticated with the given key (a SodaApiKey verifies with its own key), at the configured endpoint or `at`. */
  clientWithKey(credentials: Credentials, at?: RecordedEndpoint): SodaCloudClient;
  /** The list walk the reads of this process share, for the endpoint and admin key of `client` (runner-directory.ts). */
  runnerDirectory(client: SodaCloudClient): RunnerDirectory;
  /** Which runner is which key's, across the resources of this process (see runner-ownership.ts). */
  ownership: RunnerOwnership;
  clock: Clock;
  /** Tells the user something they must act on, without failing the operation. */
  warn(message: string): Promise<void>;
  /** Tells the user what the resource is waiting for, beside it in `pulumi up` (see status-line.ts). */
  status: StatusLine;
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
  /**
   * Where status lines go from calls made outside a resource's own context (`forResource`), as tests make them.
   * Nowhere by default: a front end gives each resource its own (the engine needs the resource's URN).
   */
  status?: StatusLine;
}

/** What a front end knows of the one resource a call is for. */
export interface ResourceChannels {
  /** The resource's status line (the engine's ephemeral log with its URN). */
  status: StatusLine;
  /** Its warnings; the process's by default. */
  warn?: (message: string) => Promise<void>;
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
  /** Per cached client, so per endpoint and admin key, like the clients themselves. */
  private readonly directories = new Map<SodaCloudClient, RunnerDirectory>();
  readonly warn: (message: string) => Promise<void>;
  readonly status: StatusLine;
  private readonly statusOutsideResources: StatusLine | undefined;
  readonly apiKeysInUse = new Set<string>();
  readonly ownership = new RunnerOwnership();
  private readonly insecureEndpointsWarned = new Set<string>();

  constructor(options: ContextOptions = {}) {
    this.clock = options.clock ?? systemClock();
    this.env = options.env ?? process.env;
    const sink = options.warn ?? ((message: string) => providerHostLog().warn(message));
    this.warn = async (message) => {
      await sink(message);
    };
    this.statusOutsideResources = options.status;
    this.status = options.status ?? (() => undefined);
  }

  /**
   * The context of a call for one resource: everything is this process's (config, clients, pacers, ownership),
   * but status lines, and warnings when given, are the resource's own.
   */
  forResource(channels: ResourceChannels): ProviderContext {
    return {
      settings: () => this.settings(),
      checkedSettings: (type, needsAdmin, recordedEndpoint) => this.checkedSettings(type, needsAdmin, recordedEndpoint),
      adminClient: (type, at) => this.adminClient(type, at),
      clientWithKey: (credentials, at) => this.clientWithKey(credentials, at),
      runnerDirectory: (client) => this.runnerDirectory(client),
      ownership: this.ownership,
      clock: this.clock,
      apiKeysInUse: this.apiKeysInUse,
      warn: channels.warn ?? this.warn,
      status: channels.status,
    };
  }

  /** Called by the engine once per provider with the whole stack configuration. */
  configure(config: StackConfig): void {
    this.config = readStackConfig(config);
  }

  settings(): Settings {
    return resolveSettings(this.config, this.env);
  }

  async checkedSettings(resourceType: string, needsAdminCredentials: boolean, recordedEndpoint?: string): Promise<CheckedSettings> {
    let settings: Settings;
    try {
      settings = this.settings();
    } catch (error) {
      if (!(error instanceof SettingsError || error instanceof EndpointError)) throw error;
      return { failure: { property: "", reason: `${resourceType}: ${error.message}` } };
    }
    if (settings.endpointDefaulted && recordedEndpoint !== undefined && recordedEndpoint !== settings.endpoint) {
      return { failure: { property: "", reason: endpointNotConfiguredMessage(resourceType, recordedEndpoint) } };
    }
    if (needsAdminCredentials && settings.credentials === undefined) return { failure: { property: "", reason: missingCredentialsMessage(resourceType) } };
    if (settings.insecureHttp && !this.insecureEndpointsWarned.has(settings.endpoint)) {
      this.insecureEndpointsWarned.add(settings.endpoint);
      await this.warn(insecureHttpWarning(settings.endpoint));
    }
    return { settings };
  }

  adminClient(resourceType: string, at?: RecordedEndpoint): SodaCloudClient {
    const settings = this.settings();
    if (settings.credentials === undefined) throw new Error(missingCredentialsMessage(resourceType));
    return this.client(at === undefined ? settings : recordedAt(settings, at), settings.credentials);
  }

  clientWithKey(credentials: Credentials, at?: RecordedEndpoint): SodaCloudClient {
    const settings = this.settings();
    return this.client(at === undefined ? settings : recordedAt(settings, at), credentials);
  }

  runnerDirectory(client: SodaCloudClient): RunnerDirectory {
    let directory = this.directories.get(client);
    if (directory === undefined) {
      const created = new RunnerDirectory(() => client.listRunners(), this.clock);
      // No read in this process is served what was true before a write this process made.
      client.onRunnersWritten(() => created.invalidate());
      this.directories.set(client, created);
      directory = created;
    }
    return directory;
  }

  private client(settings: Settings, credentials: Credentials): SodaCloudClient {
    // The cache key holds a digest of the secret, never the secret itself.
    const secretDigest = createHash("sha256").update(credentials.apiKeySecret).digest("hex");
    const key = [
      settings.endpoint,
      settings.endpointSource,
      credentials.apiKeyId,
      secretDigest,
      settings.requestTimeoutMs,
      settings.operationTimeoutMs,
      settings.rateWindowMs,
    ].join("|");
    let client = this.clients.get(key);
    if (client === undefined) {
      client = new SodaCloudClient({
        endpoint: settings.endpoint,
        endpointSource: settings.endpointSource,
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

  /**
   * One pacer per endpoint: Soda's rate-limit buckets are not per key (see ASSUMPTIONS), so keys share budget. A
   * request it holds back shows on the status line of the resource whose call sent it.
   */
  private pacer(settings: Settings): RateLimitPacer {
    const key = `${settings.endpoint}|${settings.rateWindowMs}`;
    let pacer = this.pacers.get(key);
    if (pacer === undefined) {
      const onWait = (wait: PacerWait) => {
        const status = currentStatusLine() ?? this.statusOutsideResources;
        return status === undefined ? undefined : pacerWaitReporter(status, this.clock, wait);
      };
      pacer = new RateLimitPacer(scaledRateLimits(settings.rateWindowMs), this.clock, { onWait });
      this.pacers.set(key, pacer);
    }
    return pacer;
  }

  /** Closes every cached client's connections. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
    this.directories.clear();
  }
}

/** Settings for an operation on an existing key: the endpoint it was created at, not the one configured now. */
function recordedAt(settings: Settings, at: RecordedEndpoint): Settings {
  if (at.endpoint === settings.endpoint) return settings;
  return { ...settings, endpoint: at.endpoint, endpointSource: "the endpoint the key was created at (its `endpoint` output)" };
}
