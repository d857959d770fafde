/**
 * Pulumi's Node.js dynamic provider host (`@pulumi/pulumi/cmd/dynamic-provider`),
 * spawned and driven over gRPC the way the engine drives it (test layer 3).
 *
 * Properties go over the wire exactly as given (`Struct.fromJavaScript`): secret
 * wrappers the caller includes are sent as-is. The real engine strips them first,
 * because the host answers Configure with `acceptSecrets=false`; callers decide
 * which of the two they are testing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import type * as GrpcJs from "@grpc/grpc-js";

import { emptyPb, fromStruct, grpc, grpcChannelOptions, parseUrn, providerGrpc, providerPb, resolvePulumiFile, statusPb, toStruct } from "./pulumi-grpc";
import { stopProcess } from "./stop-process";

export interface StartProviderHostOptions {
  /** The working directory of the host: a project dir whose `node_modules` holds the packages. */
  cwd: string;
  /**
   * Extra environment for the host, on top of this process's environment with every
   * `PULUMI_*` variable removed. A value of `undefined` removes a variable.
   */
  env?: Record<string, string | undefined>;
  /** The engine address passed as the host's only argument (unused by the host). Default `127.0.0.1:1`. */
  engineAddress?: string;
  /** How long to wait for the host to print its port. Default 15 s. */
  startTimeoutMs?: number;
  /** Deadline of every gRPC call. Default 30 s. */
  callTimeoutMs?: number;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

export type DiffChanges = "unknown" | "none" | "some";

export interface DiffResult {
  changes: DiffChanges;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Also reported by the protocol; the Node host never fills these. */
  stables: string[];
  diffs: string[];
}

export interface CreateResult {
  id: string;
  properties: Record<string, unknown>;
}

export interface ReadResult {
  /** Empty when the provider reports the resource gone. */
  id: string;
  properties: Record<string, unknown>;
  /** Present only when the provider's `read` returned `inputs`. */
  inputs: Record<string, unknown> | undefined;
}

export interface UpdateResult {
  properties: Record<string, unknown>;
}

export interface ConfigureResult {
  acceptSecrets: boolean;
  acceptResources: boolean;
  acceptOutputs: boolean;
  supportsPreview: boolean;
}

/** "Created but failed to initialise": what the host sends when a thrown error has an `id`. */
export interface InitFailure {
  id: string;
  properties: Record<string, unknown>;
  reasons: string[];
}

/** A failed call: `message` is the host's own error text (the gRPC `details`). */
export interface ProviderCallError extends Error {
  /** gRPC status code (`grpc.status`), e.g. 2 (UNKNOWN) for errors thrown by provider code. */
  code: number;
  /** The gRPC method that failed, e.g. `create`. */
  method: string;
  /** Set when the host reported a partially created resource. */
  initFailure?: InitFailure;
}

export interface CallOptions {
  /** `CreateRequest.preview` / `UpdateRequest.preview`. */
  preview?: boolean;
  /** The protocol's `timeout` in seconds (the Node host ignores it). */
  timeout?: number;
  ignoreChanges?: string[];
}

export interface ProviderHost {
  /** The host's process id. */
  readonly pid: number;
  /** The host's gRPC port. */
  readonly port: number;
  /** Configure with the whole stack config: keys `"<namespace>:<key>"`. */
  configure(config: Record<string, unknown>): Promise<ConfigureResult>;
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>;
  /** `olds` are the old outputs (state), as the engine sends them; `oldInputs` defaults to `{}`. */
  diff(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    oldInputs?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<DiffResult>;
  create(urn: string, props: Record<string, unknown>, options?: CallOptions): Promise<CreateResult>;
  read(id: string, urn: string, props: Record<string, unknown>, inputs?: Record<string, unknown>): Promise<ReadResult>;
  update(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    oldInputs?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<UpdateResult>;
  delete(id: string, urn: string, props: Record<string, unknown>, oldInputs?: Record<string, unknown>): Promise<void>;
  /** Everything the host wrote to stderr so far (the engine shows these lines to the user). */
  stderr(): string;
  /**
   * Resolves with all of stderr once it contains `expected`. Output travels on a pipe
   * apart from the gRPC reply, so a line written just before a call returns may
   * arrive just after it. Rejects after `timeoutMs` (default 5 s).
   */
  waitForStderr(expected: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Everything the host wrote to stdout so far (the first line is its port). */
  stdout(): string;
  /** Resolves with the exit code (or signal) once the process has exited and its output is read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process and waits for it to exit. Safe to call more than once. */
  close(): Promise<void>;
}

/** The environment a child Pulumi process starts from: ours without any `PULUMI_*` variable (no leaks from the developer's own settings), plus `extra`. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("PULUMI_") && v !== undefined) {
      env[k] = v;
    }
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) {
      delete env[k];
    } else {
      env[k] = v;
    }
  }
  return env;
}

/**
 * The host entry point. The engine runs it through the `pulumi-resource-pulumi-nodejs`
 * wrapper, which starts `./node_modules/@pulumi/pulumi/cmd/dynamic-provider` relative
 * to the project dir; prefer that copy, and fall back to the repository's.
 */
export function dynamicProviderEntry(cwd: string): string {
  const projectCopy = path.join(cwd, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js");
  return fs.existsSync(projectCopy) ? projectCopy : resolvePulumiFile("cmd/dynamic-provider");
}

type Unary<Req, Res> = (
  request: Req,
  metadata: GrpcJs.Metadata,
  options: Partial<GrpcJs.CallOptions>,
  callback: (err: GrpcJs.ServiceError | null, response?: Res) => void,
) => GrpcJs.ClientUnaryCall;

function decodeInitFailure(err: GrpcJs.ServiceError): InitFailure | undefined {
  const raw = err.metadata?.get("grpc-status-details-bin")?.[0];
  if (raw === undefined || typeof raw === "string") {
    return undefined;
  }
  const status = statusPb.Status.deserializeBinary(new Uint8Array(raw));
  for (const detail of status.getDetailsList()) {
    if (detail.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
      const failed = detail.unpack(providerPb.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
      if (failed) {
        return {
          id: failed.getId(),
          properties: fromStruct(failed.getProperties()),
          reasons: failed.getReasonsList(),
        };
      }
    }
  }
  return undefined;
}

function toCallError(method: string, err: GrpcJs.ServiceError): ProviderCallError {
  const error = new Error(err.details || err.message) as ProviderCallError;
  error.code = err.code;
  error.method = method;
  const initFailure = decodeInitFailure(err);
  if (initFailure) {
    error.initFailure = initFailure;
  }
  return error;
}

/** Spawns the host, waits for its port and connects a client. */
export async function startProviderHost(options: StartProviderHostOptions): Promise<ProviderHost> {
  const { cwd } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const entry = dynamicProviderEntry(cwd);

  const child: ChildProcess = spawn(process.execPath, [entry, options.engineAddress ?? "127.0.0.1:1"], {
    cwd,
    env: cleanEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const stderrWaiters = new Set<() => void>();
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
    stderrWaiters.forEach((check) => check());
  });

  // "close", not "exit": it comes after stdout and stderr have been read to the end.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`provider host did not print its port within ${startTimeoutMs} ms; stderr:\n${stderr}`)), startTimeoutMs);
      child.stdout?.on("data", (chunk: string) => {
        stdout += chunk;
        const newline = stdout.indexOf("\n");
        if (newline >= 0) {
          clearTimeout(timer);
          const first = stdout.slice(0, newline).trim();
          const parsed = Number(first);
          if (Number.isInteger(parsed) && parsed > 0) {
            resolve(parsed);
          } else {
            reject(new Error(`provider host printed ${JSON.stringify(first)} instead of a port; stderr:\n${stderr}`));
          }
        }
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`provider host exited (code ${code}, signal ${signal}) before printing its port; stderr:\n${stderr}`));
      });
    });
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    throw err;
  }

  const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), grpcChannelOptions);

  let closing: Promise<void> | undefined;

  function call<Req, Res>(method: string, fn: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (closing) {
        const error = new Error(`provider host is closed; cannot call ${method}`) as ProviderCallError;
        error.code = grpc.status.UNAVAILABLE;
        error.method = method;
        reject(error);
        return;
      }
      fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + callTimeoutMs }, (err: GrpcJs.ServiceError | null, response?: Res) => {
        if (err) {
          reject(toCallError(method, err));
        } else {
          resolve(response as Res);
        }
      });
    });
  }

  function named<T extends { setUrn(v: string): unknown; setName(v: string): unknown; setType(v: string): unknown }>(request: T, urn: string): T {
    const parsed = parseUrn(urn);
    request.setUrn(urn);
    request.setName(parsed.name);
    request.setType(parsed.type);
    return request;
  }

  const host: ProviderHost = {
    pid: child.pid ?? -1,
    port,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,

    waitForStderr(expected, timeoutMs = 5_000) {
      const found = () => (typeof expected === "string" ? stderr.includes(expected) : expected.test(stderr));
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          if (found()) {
            clearTimeout(timer);
            stderrWaiters.delete(check);
            resolve(stderr);
          }
        };
        const timer = setTimeout(() => {
          stderrWaiters.delete(check);
          reject(new Error(`provider host stderr did not show ${String(expected)} within ${timeoutMs} ms:\n${stderr}`));
        }, timeoutMs);
        stderrWaiters.add(check);
        check();
        void exited.then(check);
      });
    },

    async configure(config) {
      const req = new providerPb.ConfigureRequest();
      req.setArgs(toStruct(config));
      // The engine's own flags; the host ignores them.
      req.setAcceptsecrets(true);
      req.setAcceptresources(true);
      req.setSendsOldInputs(true);
      req.setSendsOldInputsToDelete(true);
      const resp = await call("configure", client.configure, req);
      return {
        acceptSecrets: resp.getAcceptsecrets(),
        acceptResources: resp.getAcceptresources(),
        acceptOutputs: resp.getAcceptoutputs(),
        supportsPreview: resp.getSupportspreview(),
      };
    },

    async check(urn, olds, news) {
      const req = named(new providerPb.CheckRequest(), urn);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      const resp = await call("check", client.check, req);
      return {
        inputs: fromStruct(resp.getInputs()),
        failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },

    async diff(id, urn, olds, news, oldInputs = {}, callOptions = {}) {
      const req = named(new providerPb.DiffRequest(), urn);
      req.setId(id);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      req.setOldInputs(toStruct(oldInputs));
      req.setIgnorechangesList(callOptions.ignoreChanges ?? []);
      const resp = await call("diff", client.diff, req);
      const changes = resp.getChanges();
      const Changes = providerPb.DiffResponse.DiffChanges;
      return {
        changes: changes === Changes.DIFF_NONE ? "none" : changes === Changes.DIFF_SOME ? "some" : "unknown",
        replaces: resp.getReplacesList(),
        deleteBeforeReplace: resp.getDeletebeforereplace(),
        stables: resp.getStablesList(),
        diffs: resp.getDiffsList(),
      };
    },

    async create(urn, props, callOptions = {}) {
      const req = named(new providerPb.CreateRequest(), urn);
      req.setProperties(toStruct(props));
      req.setPreview(callOptions.preview ?? false);
      req.setTimeout(callOptions.timeout ?? 0);
      const resp = await call("create", client.create, req);
      return { id: resp.getId(), properties: fromStruct(resp.getProperties()) };
    },

    async read(id, urn, props, inputs) {
      const req = named(new providerPb.ReadRequest(), urn);
      req.setId(id);
      req.setProperties(toStruct(props));
      if (inputs !== undefined) {
        req.setInputs(toStruct(inputs));
      }
      const resp = await call("read", client.read, req);
      return {
        id: resp.getId(),
        properties: fromStruct(resp.getProperties()),
        inputs: resp.hasInputs() ? fromStruct(resp.getInputs()) : undefined,
      };
    },

    async update(id, urn, olds, news, oldInputs = {}, callOptions = {}) {
      const req = named(new providerPb.UpdateRequest(), urn);
      req.setId(id);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      req.setOldInputs(toStruct(oldInputs));
      req.setPreview(callOptions.preview ?? false);
      req.setTimeout(callOptions.timeout ?? 0);
      req.setIgnorechangesList(callOptions.ignoreChanges ?? []);
      const resp = await call("update", client.update, req);
      return { properties: fromStruct(resp.getProperties()) };
    },

    async delete(id, urn, props, oldInputs = {}) {
      const req = named(new providerPb.DeleteRequest(), urn);
      req.setId(id);
      req.setProperties(toStruct(props));
      req.setOldInputs(toStruct(oldInputs));
      await call<typeof req, InstanceType<typeof emptyPb.Empty>>("delete", client.delete, req);
    },

    close() {
      closing ??= (async () => {
        client.close();
        await stopProcess(child, exited);
      })();
      return closing;
    },
  };
  return host;
}
