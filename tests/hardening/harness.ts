/**
 * Small helpers shared by the hardening tests: an emulator plus Pulumi's real provider host configured for it
 * (a "world"), the engine's call sequences for the two resources, a seeded generator, a bounded pool, and the
 * host's peak memory.
 */
import { makeUrn, wrapSecret } from "../support/pulumi-grpc";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import type { ProjectDir } from "../support/project-dir";
import { startProviderHost, type CreateResult, type ProviderHost, type ReadResult } from "../support/provider-host";
import type { EmulatorOptions } from "../../emulator/index";

/** The emulator's own seeded generator: fault probabilities and these tests draw from the same sequence kind. */
export { seededRandom } from "../../emulator/faults";

export const AGENT_KEY_TYPE = "pulumi-nodejs:dynamic/soda:AgentKey";
export const API_KEY_TYPE = "pulumi-nodejs:dynamic/soda:ApiKey";

/** The URN the engine would give a resource of this type and name. */
export function urnOf(type: string, name: string): string {
  return makeUrn("hardening", "project", type, name);
}

/** A runner key or runner as `GET /__emulator/state` shows it. */
export interface DumpedKey {
  apiKeyId: string;
  kind: "user" | "runner";
  revoked: boolean;
  runnerId: string | null;
}
export interface DumpedRunner {
  id: string;
  name: string;
  apiKeyId: string;
}
export interface Dump {
  apiKeys: DumpedKey[];
  runners: DumpedRunner[];
}

/** An emulator and a provider host configured for it, as `pulumi up` would have them. */
export interface World {
  env: EmulatorFixture;
  host: ProviderHost;
  dump(): Promise<Dump>;
  runnerKeys(): Promise<DumpedKey[]>;
  close(): Promise<void>;
}

export interface WorldOptions {
  project: ProjectDir;
  emulator?: EmulatorOptions;
  /** Extra stack config (e.g. `soda:requestTimeoutMs`), as strings like `pulumi config set` stores them. */
  config?: Record<string, string>;
}

export async function startWorld(options: WorldOptions): Promise<World> {
  const env = await emulatorFixture(options.emulator);
  let host: ProviderHost | undefined;
  try {
    host = await startProviderHost({
      cwd: options.project.dir,
      env: { SODA_HOST: undefined, SODA_CLOUD_HOST: undefined, SODA_API_KEY_ID: undefined, SODA_API_KEY_SECRET: undefined },
    });
    await host.configure({
      "soda:host": env.url,
      "soda:apiKeyId": env.admin.apiKeyId,
      "soda:apiKeySecret": wrapSecret(env.admin.apiKeySecret),
      ...options.config,
    });
  } catch (error) {
    await host?.close();
    await env.close();
    throw error;
  }
  const started = host;
  const dump = async () => (await env.state()) as Dump;
  return {
    env,
    host: started,
    dump,
    runnerKeys: async () => (await dump()).apiKeys.filter((k) => k.kind === "runner"),
    close: async () => {
      await started.close();
      await env.close();
    },
  };
}

/** The engine's calls for a SodaAgentKey: Check then Create; Read (refresh); Delete. */
export function agentKeyCalls(host: ProviderHost, providerText: string) {
  return {
    async create(name: string, extra: Record<string, unknown> = {}): Promise<CreateResult> {
      const urn = urnOf(AGENT_KEY_TYPE, name);
      const checked = await host.check(urn, {}, { __provider: providerText, agentName: name, ...extra });
      if (checked.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      return host.create(urn, checked.inputs);
    },
    read(name: string, id: string, props: Record<string, unknown>): Promise<ReadResult> {
      return host.read(id, urnOf(AGENT_KEY_TYPE, name), props);
    },
    delete(name: string, id: string, props: Record<string, unknown>): Promise<void> {
      return host.delete(id, urnOf(AGENT_KEY_TYPE, name), props);
    },
  };
}

/** The engine's calls for a SodaApiKey. */
export function apiKeyCalls(host: ProviderHost, providerText: string) {
  return {
    async create(name: string, key: { apiKeyId: string; apiKeySecret: string }): Promise<CreateResult> {
      const urn = urnOf(API_KEY_TYPE, name);
      const checked = await host.check(urn, {}, { __provider: providerText, apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret });
      if (checked.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      return host.create(urn, checked.inputs);
    },
    read(name: string, id: string, props: Record<string, unknown>): Promise<ReadResult> {
      return host.read(id, urnOf(API_KEY_TYPE, name), props);
    },
    delete(name: string, id: string, props: Record<string, unknown>): Promise<void> {
      return host.delete(id, urnOf(API_KEY_TYPE, name), props);
    },
  };
}

/** Runs `fn` over `items` with at most `concurrency` in flight; settles every item, in order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await fn(items[i], i) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/**
 * Resolves once `condition` holds, checking it every few milliseconds; rejects after `timeoutMs`. Used only to
 * wait for requests the emulator is still holding (injected latency) to finish, never as a fixed sleep.
 */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A positive integer from the environment, else the default. */
export function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
