/**
 * What every benchmark needs: a project dir the provider host can load this package from, an emulator with a
 * latency rule and a request count, provider hosts configured against it, and the engine's call sequences.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import * as path from "node:path";
import type { KeyPair, RequestRecord } from "../emulator/index";
import { prepareProjectDir, repoRoot, type ProjectDir } from "../tests/support/project-dir";
import { startProviderHost, type CreateResult, type ProviderHost } from "../tests/support/provider-host";
import { stopProcess } from "../tests/support/stop-process";

export { repoRoot };
export type BenchProject = ProjectDir;

/** A temp project dir for the provider host: its node_modules links this package (dist/) and its dependencies. */
export function prepareBenchProject(): ProjectDir {
  return prepareProjectDir({ prefix: "soda-bench-" });
}

export interface BenchEmulator {
  url: string;
  admin: KeyPair;
  /** The emulator's process id. */
  pid: number;
  /** REST requests seen since start, the last reset, or the last `during`. */
  requests(): Promise<RequestRecord[]>;
  /** The REST requests seen while `action` ran (the record is cleared first), and its result. */
  during<T>(action: () => Promise<T>): Promise<{ result: T; requests: RequestRecord[] }>;
  /** Back to a fresh organisation (keys, runners, rate-limit windows, faults and records cleared); latency is re-applied. */
  reset(): Promise<void>;
  /** What a Soda Agent does when it starts with this key under this name; returns its runner id. */
  register(key: { apiKeyId: string; apiKeySecret: string }, name: string): Promise<string>;
  /** Stops the process and waits for it to exit; safe to call more than once. */
  close(): Promise<void>;
}

/** Every child process (emulators and provider hosts) a benchmark started, so a test can check none is left. */
export const startedPids: number[] = [];

/**
 * The emulator, run from the build (`soda-cloud-emulator`, dist/) in a process of its own on 127.0.0.1:0, with
 * `latencyMs` added to every Soda API request by a fault rule. A process of its own, as Soda Cloud is remote:
 * in this process, the floor's requests would never leave the event loop while the provider host's would cross
 * two processes, and the comparison would charge our provider for the machine's process switches.
 */
export async function startBenchEmulator(options: { rateWindowMs: number; latencyMs?: number }): Promise<BenchEmulator> {
  const admin: KeyPair = { apiKeyId: randomUUID(), apiKeySecret: randomBytes(40).toString("base64url") };
  const cli = path.join(repoRoot, "dist", "emulator", "cli.js");
  const child = spawn(
    process.execPath,
    [cli, "--port", "0", "--rate-window-ms", String(options.rateWindowMs), "--admin-key", `${admin.apiKeyId}:${admin.apiKeySecret}`],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  if (child.pid !== undefined) startedPids.push(child.pid);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= stopProcess(child, exited);
    return closing;
  };
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`the emulator did not start within 15 s: ${stderr}`)), 15_000);
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        if (stdout.includes("\n")) return; // one line per request from here on: read and dropped
        stdout += chunk;
        const match = /^Soda Cloud emulator listening on (\S+)\n/.exec(stdout);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]);
        } else if (stdout.includes("\n")) {
          clearTimeout(timer);
          reject(new Error(`the emulator printed ${JSON.stringify(stdout.split("\n")[0])}: ${stderr}`));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the emulator exited before listening: ${stderr}`));
      });
    });
  } catch (error) {
    await close();
    throw error;
  }
  const control = async (method: string, route: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control ${method} ${route}: HTTP ${response.status} ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  };
  const applyLatency = async () => {
    if ((options.latencyMs ?? 0) > 0) await control("POST", "/__emulator/faults", { rules: [{ path: "/api/v1/**", latencyMs: options.latencyMs }] });
  };
  const requests = async () => (await control("GET", "/__emulator/requests")).requests as RequestRecord[];
  try {
    await applyLatency();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url,
    admin,
    pid: child.pid ?? -1,
    requests,
    async during(action) {
      await control("DELETE", "/__emulator/requests");
      const result = await action();
      return { result, requests: await requests() };
    },
    async reset() {
      await control("POST", "/__emulator/reset");
      await applyLatency();
    },
    async register(key, name) {
      const body = await control("POST", "/__emulator/agents/register", { apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret, name });
      return body.runner.id as string;
    },
    close,
  };
}

/**
 * Pulumi's own dynamic provider host in the project dir, configured as the engine would (the whole stack config;
 * secrets already unwrapped, since the host answers Configure with acceptSecrets=false). Credentials come from
 * stack config only: the SODA_* variables of this process are removed from the host's environment.
 */
export async function startConfiguredHost(project: BenchProject, config: Record<string, string>): Promise<ProviderHost> {
  const host = await startProviderHost({
    cwd: project.dir,
    env: { SODA_HOST: undefined, SODA_CLOUD_HOST: undefined, SODA_API_KEY_ID: undefined, SODA_API_KEY_SECRET: undefined },
  });
  startedPids.push(host.pid);
  try {
    await host.configure(config);
  } catch (error) {
    await host.close();
    throw error;
  }
  return host;
}

/** The stack config that points the provider at the emulator, with the same scaled rate windows. */
export function stackConfig(env: BenchEmulator, rateWindowMs: number): Record<string, string> {
  return {
    "soda:host": env.url,
    "soda:apiKeyId": env.admin.apiKeyId,
    "soda:apiKeySecret": env.admin.apiKeySecret,
    "soda:rateWindowMs": String(rateWindowMs),
  };
}

export const AGENT_KEY_TYPE = "pulumi-nodejs:dynamic/soda:AgentKey";

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:bench::bench::${type}::${name}`;
}

/** The engine's sequence for a new resource: Check, then Create with the checked inputs. */
export async function checkAndCreate(host: ProviderHost, type: string, name: string, inputs: Record<string, unknown>): Promise<CreateResult> {
  const urn = urnOf(type, name);
  const checked = await host.check(urn, {}, inputs);
  if (checked.failures.length > 0) throw new Error(`check failed for ${name}: ${JSON.stringify(checked.failures)}`);
  return host.create(urn, checked.inputs);
}

/** Runs `fn` over the items with at most `concurrency` in flight; results in item order. */
export async function inPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/** True while a process with this id exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The six orders of three measured sides; run i uses order i mod 6, so no side is always first or last. */
export const ORDERS_OF_THREE = [
  [0, 1, 2],
  [1, 0, 2],
  [2, 0, 1],
  [0, 2, 1],
  [1, 2, 0],
  [2, 1, 0],
] as const;
