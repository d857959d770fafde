/**
 * A minimal stand-in for the Pulumi engine (test layer 4): a gRPC `ResourceMonitor`
 * and `Engine` that a real program (run by `program-runner`) talks to. Dynamic
 * resources go to a real provider host started in the project dir; every other
 * resource is echoed (id = name, outputs = inputs). State survives across
 * operations on the same instance, so `up` -> `up` -> `refresh` -> `destroy`
 * behaves like successive CLI commands on one stack.
 *
 * What it reproduces from the engine (sdk/go/common/resource/plugin/provider_plugin.go
 * and the step generator), because product tests depend on it:
 * - each operation starts its own provider host (cwd = project dir; env adds
 *   PULUMI_NODEJS_PROJECT, PULUMI_PROJECT, PULUMI_CONFIG) and Configures it once,
 *   before the first dynamic call, with the whole stack config (`"ns:key"`; secret
 *   values wrapped);
 * - the host answers Configure with acceptSecrets=false, so secret wrappers are
 *   stripped from everything sent to it, and outputs are re-marked secret where the
 *   input of the same name was secret (`annotateSecrets`); `additionalSecretOutputs`
 *   are marked secret too;
 * - Check(old inputs, news) -> Diff(id, old outputs, checked news, old inputs); a
 *   DIFF_UNKNOWN answer falls back to comparing old and new inputs; `replaces` (or a
 *   changed key listed in `replaceOnChanges`) means replace, create-before-delete
 *   unless the provider or the resource option asks for delete-before-replace; the
 *   old instance of a create-before-delete replacement and resources the program no
 *   longer registers are deleted after the program exits successfully, in reverse
 *   state order;
 * - preview calls only Check and Diff; Create/Update previews hand the checked
 *   inputs back as outputs (the host does not support provider previews);
 * - a failed step (Check failure, provider error) is reported against the resource
 *   and cancels the deployment: the program is killed, as the language host kills
 *   it when the engine cancels (the SDK swallows the RegisterResource error and
 *   would otherwise wait forever);
 * - a failed run deletes nothing; replaced instances wait in `pendingDeletes` and
 *   are deleted at the start of the next `up`/`destroy`; a resource created but
 *   failed to initialise (error with `id`) stays in state with what the host sent.
 * Not reproduced: aliases, imports, `Resource.get` (ReadResource), invokes,
 * transforms, hooks, nested ignoreChanges paths, parallelism limits, plugin
 * downloads, the CLI's display. Errors say so instead of pretending.
 */
import { isDeepStrictEqual } from "node:util";

import type * as GrpcJs from "@grpc/grpc-js";

import { runProgram, readPulumiProject, type ProgramHost, type ProgramResult } from "./program-runner";
import {
  startProviderHost,
  type CheckFailure,
  type ProviderCallError,
  type ProviderHost,
} from "./provider-host";
import {
  STACK_TYPE,
  containsSecrets,
  emptyPb,
  enginePb,
  engineGrpc,
  fromStruct,
  grpc,
  grpcChannelOptions,
  isSecretWrapped,
  makeUrn,
  resourceGrpc,
  resourcePb,
  toStruct,
  unwrapSecretProps,
  wrapSecret,
} from "./pulumi-grpc";

/** A stack config value: plain, or secret (sent wrapped to Configure, listed in PULUMI_CONFIG_SECRET_KEYS). */
export type ConfigValue = string | { secret: string };

export interface StandInEngineOptions {
  /** The project dir (see `prepareProjectDir`): program cwd and provider host cwd. */
  projectDir: string;
  /** Default `dev`. */
  stack?: string;
  /** Default: Pulumi.yaml's name. */
  project?: string;
  /** Stack config; a key without `:` belongs to the project (as `pulumi config set` stores it). */
  config?: Record<string, ConfigValue>;
  /** Extra environment for every provider host. */
  providerEnv?: Record<string, string | undefined>;
  /** Extra environment for every program run. */
  programEnv?: Record<string, string | undefined>;
  /** Extra `node` flags for every program run (see program-runner on Node 20.20's slow error exit). */
  programNodeArgs?: string[];
  /** Program timeout. Default 60 s. */
  programTimeoutMs?: number;
  /** Deadline of each provider gRPC call. Default 30 s. */
  callTimeoutMs?: number;
}

export interface RunOptions {
  /** The program argument (default: Pulumi.yaml `main`, else `.`). */
  program?: string;
  /** Extra program environment for this run. */
  env?: Record<string, string | undefined>;
  /** Extra provider host environment for this run. */
  providerEnv?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Default: Pulumi.yaml's `runtime.options.typescript` (true). */
  typeScript?: boolean;
  /** Default 4. */
  parallel?: number;
  /** Extra `node` flags for this run, after the engine's `programNodeArgs`. */
  nodeArgs?: string[];
}

export interface OperationOptions {
  /** Extra provider host environment for this operation. */
  providerEnv?: Record<string, string | undefined>;
}

/** A resource in the stand-in's state. Property bags are in wire form: secret wrappers intact. */
export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  /** "" for components and the stack. */
  id: string;
  custom: boolean;
  /** True when handled by the provider host (type `pulumi-nodejs:dynamic...`). */
  dynamic: boolean;
  parent: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  additionalSecretOutputs: string[];
  protect: boolean;
  retainOnDelete: boolean;
  dependencies: string[];
  provider: string;
  /** The `replacementTrigger` option's last value (JSON), if the resource had one. */
  replacementTrigger?: string;
}

export type Severity = "debug" | "info" | "warning" | "error";

export interface Diagnostic {
  seq: number;
  severity: Severity;
  message: string;
  urn: string;
  ephemeral: boolean;
  /** `program`: sent by the program through Engine.Log; `engine`: raised by the stand-in (e.g. a provider error). */
  source: "program" | "engine";
}

/** One RegisterResource call, as received. */
export interface RegistrationRecord {
  seq: number;
  urn: string;
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  /** The request's `object` as JS, secret wrappers and unknown sentinels intact. */
  object: Record<string, unknown>;
  additionalSecretOutputs: string[];
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  provider: string;
  providers: Record<string, string>;
  protect: boolean | undefined;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  /** The `replacementTrigger` option as JSON; a change from the recorded value forces a replacement. */
  replacementTrigger?: string;
  retainOnDelete: boolean | undefined;
  acceptSecrets: boolean;
  version: string;
  /** What was sent back, when the registration succeeded. */
  response?: { urn: string; id: string; object: Record<string, unknown> };
  /** The error sent back instead. */
  error?: string;
}

export type OperationKind = "same" | "create" | "update" | "replace" | "delete" | "refresh";

/** One step taken (or, in a preview, planned) for a dynamic resource. */
export interface OperationRecord {
  seq: number;
  op: OperationKind;
  urn: string;
  type: string;
  name: string;
  /** The resulting id (create/update/replace/same/refresh) or the deleted id (delete). */
  id?: string;
  /** For replace: the id being replaced. */
  oldId?: string;
  deleteBeforeReplace?: boolean;
  /**
   * For create/delete that are part of a replacement: `replace`. For deletes:
   * `replaced` (old instance after create-before-delete), `unregistered`, `destroy`,
   * `pending` (left over from a failed run).
   */
  reason?: "replace" | "replaced" | "unregistered" | "destroy" | "pending";
  /** For refresh: what Read reported. */
  change?: "same" | "updated" | "deleted";
  preview: boolean;
  /** Set when the step failed; the message sent to the program / reported. */
  failed?: string;
  /** True for a delete that only dropped the resource from state (`retainOnDelete`). */
  retained?: boolean;
}

/** One gRPC call to the provider host. */
export interface ProviderCallRecord {
  seq: number;
  method: "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";
  urn?: string;
  id?: string;
  /** The arguments as sent (after secret stripping). */
  request: Record<string, unknown>;
  response?: unknown;
  error?: { message: string; code: number };
}

export interface OperationResult {
  kind: "up" | "preview" | "refresh" | "destroy";
  /** The program (if any) exited 0 and no step failed. */
  ok: boolean;
  /** Failures the engine reported (provider errors, check failures, refused deletes). */
  errors: string[];
  operations: OperationRecord[];
  registrations: RegistrationRecord[];
  providerCalls: ProviderCallRecord[];
  /** Program logs (Engine.Log) and engine-raised diagnostics, in arrival order. */
  diagnostics: Diagnostic[];
  /** RegisterResourceOutputs calls (wire form). */
  resourceOutputs: { urn: string; outputs: Record<string, unknown> }[];
  /** Everything the provider host of this operation wrote to stderr. */
  providerStderr: string;
  /** up/preview: the program run. */
  program?: ProgramResult;
  /** up/preview: outputs registered on the Stack resource (wire form, secret wrappers intact). */
  stackOutputs?: Record<string, unknown>;
}

const SEVERITIES: Severity[] = ["debug", "info", "warning", "error"];

/** An optional boolean of a RegisterResourceRequest, read the way the request's SDK version allows. */
function optionalField(req: object, field: "Protect" | "Retainondelete"): boolean | undefined {
  const methods = req as Record<string, unknown>;
  const has = methods[`has${field}`];
  const get = methods[`get${field}`] as () => boolean;
  if (typeof has === "function") return has.call(req) ? get.call(req) : undefined;
  return get.call(req) || undefined;
}

function isDynamicType(type: string): boolean {
  return type.startsWith("pulumi-nodejs:dynamic/") || type.startsWith("pulumi-nodejs:dynamic:");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isSecretWrapped(value);
}

/**
 * The engine's annotateSecrets: an output whose same-named input contains a secret
 * becomes secret; where both are objects, recurse instead of tainting the whole object.
 */
export function annotateSecrets(
  outs: Record<string, unknown>,
  ins: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...outs };
  for (const [key, inValue] of Object.entries(ins)) {
    if (!(key in result)) {
      continue;
    }
    const outValue = result[key];
    if (isPlainObject(outValue) && isPlainObject(inValue)) {
      result[key] = annotateSecrets(outValue, inValue);
    } else if (!isSecretWrapped(outValue) && containsSecrets(inValue)) {
      result[key] = wrapSecret(outValue);
    }
  }
  return result;
}

function markSecret(props: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const result = { ...props };
  for (const key of keys) {
    if (key in result && !isSecretWrapped(result[key])) {
      result[key] = wrapSecret(result[key]);
    }
  }
  return result;
}

function changedKeys(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !isDeepStrictEqual(olds[k], news[k])).sort();
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A failure the engine reports, against a resource when `urn` is set. */
class EngineError extends Error {
  constructor(
    message: string,
    readonly urn = "",
  ) {
    super(message);
  }
}

function urnOf(err: unknown): string {
  return err instanceof EngineError ? err.urn : "";
}

/** Per-operation bookkeeping. */
class Run {
  readonly result: OperationResult;
  readonly next = new Map<string, ResourceState>();
  /** Old instances to delete after the program (create-before-delete replacements). */
  readonly replaced = new Map<string, ResourceState>();
  /** Old URNs already deleted during the run (delete-before-replace). */
  readonly deletedOlds = new Set<string>();
  readonly inFlight = new Set<Promise<unknown>>();
  /** Aborted when a step fails: the program is killed, as the engine cancels the deployment. */
  readonly cancel = new AbortController();
  host?: Promise<ProviderHost>;
  stackUrn = "";
  stackOutputs?: Record<string, unknown>;

  constructor(
    kind: OperationResult["kind"],
    readonly old: Map<string, ResourceState>,
    readonly providerEnv: Record<string, string | undefined>,
  ) {
    this.result = {
      kind,
      ok: false,
      errors: [],
      operations: [],
      registrations: [],
      providerCalls: [],
      diagnostics: [],
      resourceOutputs: [],
      providerStderr: "",
    };
  }

  get preview(): boolean {
    return this.result.kind === "preview";
  }
}

export class StandInEngine implements ProgramHost {
  readonly projectDir: string;
  readonly project: string;
  readonly stack: string;
  /** Every operation's result, oldest first. */
  readonly history: OperationResult[] = [];

  private config: Record<string, ConfigValue> = {};
  private snapshot = new Map<string, ResourceState>();
  private pending: ResourceState[] = [];
  private seq = 0;
  private current?: Run;
  private allProviderStderr = "";
  private closed = false;

  private constructor(
    private readonly options: StandInEngineOptions,
    private readonly server: GrpcJs.Server,
    readonly monitorAddress: string,
  ) {
    this.projectDir = options.projectDir;
    this.project = options.project ?? readPulumiProject(options.projectDir).name;
    this.stack = options.stack ?? "dev";
    this.setConfig(options.config ?? {});
  }

  /** Starts the gRPC server (127.0.0.1, port 0). */
  static async start(options: StandInEngineOptions): Promise<StandInEngine> {
    const server = new grpc.Server(grpcChannelOptions);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
    const engine = new StandInEngine(options, server, `127.0.0.1:${port}`);
    server.addService(resourceGrpc.ResourceMonitorService, engine.monitorService());
    server.addService(engineGrpc.EngineService, engine.engineService());
    return engine;
  }

  /** Monitor and Engine share one server. */
  get engineAddress(): string {
    return this.monitorAddress;
  }

  /** The committed state: URN -> resource (a copy). */
  get state(): Record<string, ResourceState> {
    return Object.fromEntries([...this.snapshot].map(([urn, r]) => [urn, structuredClone(r)]));
  }

  /** Old instances still waiting to be deleted (a failed run left them). */
  get pendingDeletes(): ResourceState[] {
    return this.pending.map((r) => structuredClone(r));
  }

  /** The URN the engine gives a resource of this project and stack. */
  urn(type: string, name: string, parentUrn?: string): string {
    return makeUrn(this.stack, this.project, type, name, parentUrn);
  }

  /** The stack resource's URN. */
  get stackUrn(): string {
    return this.urn(STACK_TYPE, `${this.project}-${this.stack}`);
  }

  /** The state entry with this name (and type, when given); throws when ambiguous. */
  find(name: string, type?: string): ResourceState | undefined {
    const matches = [...this.snapshot.values()].filter((r) => r.name === name && (type === undefined || r.type === type));
    if (matches.length > 1) {
      throw new Error(`several resources named ${name}: ${matches.map((r) => r.urn).join(", ")}`);
    }
    return matches[0] ? structuredClone(matches[0]) : undefined;
  }

  /** Replaces the stack config (like editing Pulumi.<stack>.yaml between commands). */
  setConfig(config: Record<string, ConfigValue>): void {
    this.config = {};
    for (const [key, value] of Object.entries(config)) {
      this.config[key.includes(":") ? key : `${this.project}:${key}`] = value;
    }
  }

  /** Everything every provider host of this engine wrote to stderr. */
  providerStderr(): string {
    return this.allProviderStderr + (this.current?.result.providerStderr ?? "");
  }

  /** Stack outputs registered so far by the running program (ProgramHost); see `OperationResult.stackOutputs` after. */
  stackOutputs(): Record<string, unknown> | undefined {
    return this.current?.stackOutputs;
  }

  up(options: RunOptions = {}): Promise<OperationResult> {
    return this.deploy("up", options);
  }

  /** Runs the program with `--dry-run=true`: Check and Diff only; state is left unchanged. */
  preview(options: RunOptions = {}): Promise<OperationResult> {
    return this.deploy("preview", options);
  }

  /** Reads every dynamic resource; an empty id drops it from state. */
  refresh(options: OperationOptions = {}): Promise<OperationResult> {
    return this.operate("refresh", options, async (run) => {
      for (const res of [...this.snapshot.values()]) {
        if (!res.dynamic) {
          continue;
        }
        await this.refreshOne(run, res);
      }
    });
  }

  /** Deletes every dynamic resource in reverse state order; echoed resources are dropped. */
  destroy(options: OperationOptions = {}): Promise<OperationResult> {
    return this.operate("destroy", options, async (run) => {
      await this.deletePending(run);
      for (const res of [...this.snapshot.values()].reverse()) {
        if (res.dynamic) {
          await this.deleteResource(run, res, "destroy");
        }
        this.snapshot.delete(res.urn);
      }
    });
  }

  /** Stops the gRPC server and any provider host still running. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.current?.cancel.abort();
    const host = this.current?.host;
    if (host) {
      await host.then((h) => h.close()).catch(() => undefined);
    }
    this.server.forceShutdown();
  }

  // ---- operations ----

  private async operate(
    kind: OperationResult["kind"],
    options: OperationOptions,
    body: (run: Run) => Promise<void>,
  ): Promise<OperationResult> {
    const run = this.begin(kind, options.providerEnv ?? {});
    try {
      await body(run);
    } catch (err) {
      this.fail(run, urnOf(err), errorMessage(err));
    }
    return this.finish(run);
  }

  private async deploy(kind: "up" | "preview", options: RunOptions): Promise<OperationResult> {
    const run = this.begin(kind, options.providerEnv ?? {});
    let programOk = false;
    try {
      if (!run.preview) {
        await this.deletePending(run);
      }
      const plain: Record<string, string> = {};
      const secretKeys: string[] = [];
      for (const [key, value] of Object.entries(this.config)) {
        plain[key] = typeof value === "string" ? value : value.secret;
        if (typeof value !== "string") {
          secretKeys.push(key);
        }
      }
      const program = await runProgram(this, {
        projectDir: this.projectDir,
        project: this.project,
        stack: this.stack,
        program: options.program,
        dryRun: run.preview,
        parallel: options.parallel,
        config: plain,
        secretKeys,
        typeScript: options.typeScript,
        nodeArgs: [...(this.options.programNodeArgs ?? []), ...(options.nodeArgs ?? [])],
        env: { ...this.options.programEnv, ...options.env },
        timeoutMs: options.timeoutMs ?? this.options.programTimeoutMs,
        signal: run.cancel.signal,
      });
      run.result.program = program;
      run.result.stackOutputs = run.stackOutputs;
      await Promise.allSettled([...run.inFlight]);

      programOk = program.exitCode === 0 && !program.timedOut && !program.cancelled;
      if (!programOk && !program.cancelled) {
        run.result.errors.push(
          program.timedOut
            ? `program timed out after ${program.durationMs} ms`
            : `program exited with code ${program.exitCode}${program.signal ? ` (signal ${program.signal})` : ""}`,
        );
      } else if (run.result.errors.length === 0) {
        await this.deleteLeftovers(run);
      }
    } catch (err) {
      this.fail(run, urnOf(err), errorMessage(err));
    }
    if (!run.preview) {
      this.commit(run, programOk && run.result.errors.length === 0);
    }
    return this.finish(run);
  }

  private begin(kind: OperationResult["kind"], providerEnv: Record<string, string | undefined>): Run {
    if (this.closed) {
      throw new Error("the stand-in engine is closed");
    }
    if (this.current) {
      throw new Error(`a ${this.current.result.kind} is already running on this engine`);
    }
    const run = new Run(kind, new Map(this.snapshot), providerEnv);
    this.current = run;
    return run;
  }

  private async finish(run: Run): Promise<OperationResult> {
    if (run.host) {
      const host = await run.host.catch(() => undefined);
      if (host) {
        await host.close();
        run.result.providerStderr = host.stderr();
      }
    }
    this.allProviderStderr += run.result.providerStderr;
    run.result.ok =
      run.result.errors.length === 0 && (run.result.program === undefined || run.result.program.exitCode === 0);
    this.current = undefined;
    this.history.push(run.result);
    return run.result;
  }

  /** After a successful program: old instances of replacements and unregistered resources, newest first. */
  private async deleteLeftovers(run: Run): Promise<void> {
    for (const old of [...run.old.values()].reverse()) {
      const replaced = run.replaced.get(old.urn);
      if (replaced) {
        if (run.preview) {
          continue;
        }
        await this.deleteResource(run, replaced, "replaced");
        run.replaced.delete(old.urn);
        continue;
      }
      if (run.next.has(old.urn) || run.deletedOlds.has(old.urn)) {
        continue;
      }
      if (!old.dynamic) {
        continue;
      }
      if (run.preview) {
        this.record(run, { op: "delete", urn: old.urn, type: old.type, name: old.name, id: old.id, reason: "unregistered" });
        continue;
      }
      await this.deleteResource(run, old, "unregistered");
      run.deletedOlds.add(old.urn);
    }
  }

  private commit(run: Run, succeeded: boolean): void {
    const next = new Map(run.next);
    if (!succeeded) {
      // A failed run deletes nothing it had not already deleted: resources the
      // program did not get to (or failed to change) keep their old state.
      for (const old of run.old.values()) {
        if (!next.has(old.urn) && !run.deletedOlds.has(old.urn)) {
          next.set(old.urn, old);
        }
      }
    }
    // Old instances of create-before-delete replacements that were not deleted.
    this.pending.push(...run.replaced.values());
    this.snapshot = next;
  }

  private async deletePending(run: Run): Promise<void> {
    while (this.pending.length > 0) {
      const old = this.pending[this.pending.length - 1];
      await this.deleteResource(run, old, "pending");
      this.pending.pop();
    }
  }

  private async refreshOne(run: Run, res: ResourceState): Promise<void> {
    const host = await this.host(run);
    const read = await this.call(run, "read", { urn: res.urn, id: res.id }, () => {
      const props = unwrapSecretProps(res.outputs);
      const inputs = unwrapSecretProps(res.inputs);
      return { request: { id: res.id, urn: res.urn, properties: props, inputs }, promise: host.read(res.id, res.urn, props, inputs) };
    }).catch((err: unknown) => {
      throw new EngineError(errorMessage(err), res.urn);
    });
    if (read.id === "") {
      this.snapshot.delete(res.urn);
      this.record(run, { op: "refresh", urn: res.urn, type: res.type, name: res.name, id: res.id, change: "deleted" });
      return;
    }
    const outputs = markSecret(annotateSecrets(read.properties, res.outputs), res.additionalSecretOutputs);
    const inputs = read.inputs === undefined ? res.inputs : annotateSecrets(read.inputs, res.inputs);
    const same = read.id === res.id && isDeepStrictEqual(outputs, res.outputs) && isDeepStrictEqual(inputs, res.inputs);
    this.snapshot.set(res.urn, { ...res, id: read.id, outputs, inputs });
    this.record(run, {
      op: "refresh",
      urn: res.urn,
      type: res.type,
      name: res.name,
      id: read.id,
      change: same ? "same" : "updated",
    });
  }

  /** Deletes through the provider (unless retained); throws on failure. */
  private async deleteResource(run: Run, res: ResourceState, reason: OperationRecord["reason"]): Promise<void> {
    const base = { op: "delete" as const, urn: res.urn, type: res.type, name: res.name, id: res.id, reason };
    if (res.protect) {
      const message = `unable to delete protected resource ${res.urn}`;
      this.record(run, { ...base, failed: message });
      throw new EngineError(message, res.urn);
    }
    if (res.retainOnDelete) {
      this.record(run, { ...base, retained: true });
      return;
    }
    const host = await this.host(run);
    try {
      await this.call(run, "delete", { urn: res.urn, id: res.id }, () => {
        const props = unwrapSecretProps(res.outputs);
        const oldInputs = unwrapSecretProps(res.inputs);
        return {
          request: { id: res.id, urn: res.urn, properties: props, oldInputs },
          promise: host.delete(res.id, res.urn, props, oldInputs),
        };
      });
    } catch (err) {
      this.record(run, { ...base, failed: errorMessage(err) });
      throw new EngineError(errorMessage(err), res.urn);
    }
    this.record(run, base);
  }

  // ---- provider host ----

  private host(run: Run): Promise<ProviderHost> {
    run.host ??= (async () => {
      const plain: Record<string, string> = {};
      const args: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(this.config)) {
        plain[key] = typeof value === "string" ? value : value.secret;
        args[key] = typeof value === "string" ? value : wrapSecret(value.secret);
      }
      const host = await startProviderHost({
        cwd: this.projectDir,
        engineAddress: this.engineAddress,
        callTimeoutMs: this.options.callTimeoutMs,
        env: {
          PULUMI_NODEJS_PROJECT: this.project,
          PULUMI_PROJECT: this.project,
          PULUMI_CONFIG: JSON.stringify(plain),
          ...this.options.providerEnv,
          ...run.providerEnv,
        },
      });
      try {
        await this.call(run, "configure", {}, () => ({ request: { args }, promise: host.configure(args) }));
      } catch (err) {
        await host.close();
        run.result.providerStderr = host.stderr();
        throw err;
      }
      return host;
    })();
    return run.host;
  }

  private async call<T>(
    run: Run,
    method: ProviderCallRecord["method"],
    target: { urn?: string; id?: string },
    start: () => { request: Record<string, unknown>; promise: Promise<T> },
  ): Promise<T> {
    const { request, promise } = start();
    const record: ProviderCallRecord = { seq: ++this.seq, method, ...target, request };
    run.result.providerCalls.push(record);
    try {
      const response = await promise;
      record.response = response;
      return response;
    } catch (err) {
      const e = err as ProviderCallError;
      record.error = { message: errorMessage(err), code: typeof e.code === "number" ? e.code : -1 };
      throw err;
    }
  }

  // ---- recording ----

  private record(run: Run, op: Omit<OperationRecord, "seq" | "preview">): void {
    run.result.operations.push({ seq: ++this.seq, preview: run.preview, ...op });
  }

  private fail(run: Run, urn: string, message: string): void {
    run.result.errors.push(message);
    run.result.diagnostics.push({ seq: ++this.seq, severity: "error", message, urn, ephemeral: false, source: "engine" });
  }

  // ---- RegisterResource ----

  private async register(run: Run, req: InstanceType<typeof resourcePb.RegisterResourceRequest>) {
    const type = req.getType();
    const name = req.getName();
    const parent = req.getParent();
    const custom = req.getCustom();
    const urn = makeUrn(this.stack, this.project, type, name, parent || undefined);
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const providers: Record<string, string> = {};
    req.getProvidersMap().forEach((ref, key) => {
      providers[key] = ref;
    });
    const record: RegistrationRecord = {
      seq: ++this.seq,
      urn,
      type,
      name,
      parent,
      custom,
      object: fromStruct(req.getObject()),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      provider: req.getProvider(),
      providers,
      // Older SDKs (3.139) send requests without these optional fields and their has* methods.
      protect: optionalField(req, "Protect"),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      replacementTrigger: typeof req.hasReplacementTrigger === "function" && req.hasReplacementTrigger() ? JSON.stringify(req.getReplacementTrigger()?.toJavaScript()) : undefined,
      retainOnDelete: optionalField(req, "Retainondelete"),
      acceptSecrets: req.getAcceptsecrets(),
      version: req.getVersion(),
    };
    run.result.registrations.push(record);
    if (type === STACK_TYPE) {
      run.stackUrn = urn;
    }
    try {
      if (run.next.has(urn)) {
        throw new EngineError(`Duplicate resource URN '${urn}'; try giving it a unique name`);
      }
      if (req.getImportid() !== "") {
        throw new EngineError(`the stand-in engine does not support import (resource ${urn})`);
      }
      const state = custom && isDynamicType(type) ? await this.registerDynamic(run, record) : this.echo(run, record);
      run.next.set(urn, state);
      const object = record.acceptSecrets ? state.outputs : unwrapSecretProps(state.outputs);
      record.response = { urn, id: state.id, object };
      const resp = new resourcePb.RegisterResourceResponse();
      resp.setUrn(urn);
      resp.setId(state.id);
      resp.setObject(toStruct(object));
      resp.setResult(resourcePb.Result.SUCCESS);
      return resp;
    } catch (err) {
      record.error = errorMessage(err);
      this.fail(run, urn, record.error);
      // Like the engine, a failed step cancels the deployment: the program is
      // killed rather than left to report (the SDK swallows gRPC errors from
      // RegisterResource and would otherwise wait forever on the failed outputs).
      run.cancel.abort();
      throw err;
    }
  }

  private baseState(record: RegistrationRecord): Omit<ResourceState, "id" | "inputs" | "outputs"> {
    return {
      urn: record.urn,
      type: record.type,
      name: record.name,
      custom: record.custom,
      dynamic: record.custom && isDynamicType(record.type),
      parent: record.parent,
      additionalSecretOutputs: record.additionalSecretOutputs,
      protect: record.protect ?? false,
      retainOnDelete: record.retainOnDelete ?? false,
      dependencies: record.dependencies,
      provider: record.provider,
      replacementTrigger: record.replacementTrigger,
    };
  }

  /** Anything not dynamic: id = name (custom) or "" (component); outputs = inputs. */
  private echo(run: Run, record: RegistrationRecord): ResourceState {
    const old = run.old.get(record.urn);
    let id = "";
    if (record.custom) {
      id = old?.id || (run.preview ? "" : record.name);
    }
    const outputs = markSecret(record.object, record.additionalSecretOutputs);
    return { ...this.baseState(record), id, inputs: record.object, outputs };
  }

  private async registerDynamic(run: Run, record: RegistrationRecord): Promise<ResourceState> {
    const { urn } = record;
    const old = run.old.get(urn);
    const base = { urn, type: record.type, name: record.name };
    const host = await this.host(run);

    let news = { ...record.object };
    if (old) {
      for (const key of record.ignoreChanges) {
        if (key in old.inputs) {
          news[key] = old.inputs[key];
        } else {
          delete news[key];
        }
      }
    }

    const olds = old ? unwrapSecretProps(old.inputs) : {};
    const plainNews = unwrapSecretProps(news);
    const checked = await this.call(run, "check", { urn }, () => ({
      request: { urn, olds, news: plainNews },
      promise: host.check(urn, olds, plainNews),
    }));
    if (checked.failures.length > 0) {
      throw new EngineError(describeCheckFailures(record.type, record.name, checked.failures));
    }
    news = annotateSecrets(checked.inputs, news);
    const plainChecked = unwrapSecretProps(news);
    const finish = (id: string, outputs: Record<string, unknown>): ResourceState => ({
      ...this.baseState(record),
      id,
      inputs: news,
      outputs: markSecret(outputs, record.additionalSecretOutputs),
    });

    if (!old) {
      if (run.preview) {
        this.record(run, { ...base, op: "create" });
        return finish("", news);
      }
      const created = await this.create(run, record, news, plainChecked);
      this.record(run, { ...base, op: "create", id: created.id });
      return created;
    }

    const oldOutputs = unwrapSecretProps(old.outputs);
    const oldInputs = unwrapSecretProps(old.inputs);
    const diff = await this.call(run, "diff", { urn, id: old.id }, () => ({
      request: { id: old.id, urn, olds: oldOutputs, news: plainChecked, oldInputs, ignoreChanges: record.ignoreChanges },
      promise: host.diff(old.id, urn, oldOutputs, plainChecked, oldInputs, { ignoreChanges: record.ignoreChanges }),
    }));
    const changed = changedKeys(oldInputs, plainChecked);
    const changes = diff.changes === "unknown" ? (changed.length > 0 ? "some" : "none") : diff.changes;
    const replaceKeys = [...diff.replaces];
    if (changes === "some") {
      const triggered = changed.filter((k) => record.replaceOnChanges.includes(k) || record.replaceOnChanges.includes("*"));
      replaceKeys.push(...triggered.filter((k) => !replaceKeys.includes(k)));
    }
    // As the engine does: a replacementTrigger that differs from the recorded one replaces, whatever Diff said.
    const triggerChanged = record.replacementTrigger !== undefined && old.replacementTrigger !== undefined && record.replacementTrigger !== old.replacementTrigger;
    if (triggerChanged) replaceKeys.push("replacementTrigger");

    if (changes === "none" && !triggerChanged) {
      this.record(run, { ...base, op: "same", id: old.id });
      return { ...finish(old.id, old.outputs) };
    }

    if (replaceKeys.length === 0) {
      if (run.preview) {
        this.record(run, { ...base, op: "update", id: old.id });
        return finish(old.id, news);
      }
      const updated = await this.call(run, "update", { urn, id: old.id }, () => ({
        request: { id: old.id, urn, olds: oldOutputs, news: plainChecked, oldInputs, ignoreChanges: record.ignoreChanges },
        promise: host.update(old.id, urn, oldOutputs, plainChecked, oldInputs, { ignoreChanges: record.ignoreChanges }),
      })).catch((err: unknown) => {
        this.record(run, { ...base, op: "update", id: old.id, failed: errorMessage(err) });
        throw err;
      });
      this.record(run, { ...base, op: "update", id: old.id });
      return finish(old.id, annotateSecrets(updated.properties, news));
    }

    const deleteBeforeReplace = diff.deleteBeforeReplace || record.deleteBeforeReplace;
    if (run.preview) {
      this.record(run, { ...base, op: "replace", oldId: old.id, deleteBeforeReplace });
      return finish("", news);
    }
    if (deleteBeforeReplace) {
      await this.deleteResource(run, old, "replace");
      run.deletedOlds.add(urn);
    }
    const created = await this.create(run, record, news, plainChecked, "replace");
    this.record(run, { ...base, op: "create", id: created.id, reason: "replace" });
    if (!deleteBeforeReplace) {
      run.replaced.set(urn, old);
    }
    this.record(run, { ...base, op: "replace", id: created.id, oldId: old.id, deleteBeforeReplace });
    return created;
  }

  private async create(
    run: Run,
    record: RegistrationRecord,
    news: Record<string, unknown>,
    plainChecked: Record<string, unknown>,
    reason?: "replace",
  ): Promise<ResourceState> {
    const { urn } = record;
    const host = await this.host(run);
    const toState = (id: string, properties: Record<string, unknown>): ResourceState => ({
      ...this.baseState(record),
      id,
      inputs: news,
      outputs: markSecret(annotateSecrets(properties, news), record.additionalSecretOutputs),
    });
    try {
      const created = await this.call(run, "create", { urn }, () => ({
        request: { urn, properties: plainChecked },
        promise: host.create(urn, plainChecked),
      }));
      if (created.id === "") {
        throw new EngineError(`plugin for package 'pulumi-nodejs' returned empty resource.ID from create '${urn}'`);
      }
      return toState(created.id, created.properties);
    } catch (err) {
      const initFailure = (err as ProviderCallError).initFailure;
      if (initFailure && initFailure.id !== "") {
        // Created but failed to initialise: the engine keeps it in state, so the next run updates or deletes it.
        run.next.set(urn, toState(initFailure.id, initFailure.properties));
      }
      this.record(run, {
        op: "create",
        urn,
        type: record.type,
        name: record.name,
        id: initFailure?.id,
        reason,
        failed: errorMessage(err),
      });
      throw err;
    }
  }

  // ---- gRPC services ----

  private handle<Req, Res>(
    what: string,
    body: (run: Run, request: Req) => Promise<Res> | Res,
  ): GrpcJs.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const run = this.current;
      if (!run) {
        callback({ code: grpc.status.UNAVAILABLE, details: `stand-in engine: ${what} outside of an operation` });
        return;
      }
      const work = (async () => body(run, call.request))();
      run.inFlight.add(work);
      work.then(
        (res) => callback(null, res),
        (err: unknown) => {
          // Always UNKNOWN: the SDK treats UNAVAILABLE/CANCELLED as "monitor shutting
          // down" and would exit without showing the message.
          callback({ code: grpc.status.UNKNOWN, details: errorMessage(err) });
        },
      ).finally(() => run.inFlight.delete(work));
    };
  }

  private monitorService(): GrpcJs.UntypedServiceImplementation {
    const { SupportsFeatureResponse } = resourcePb;
    return {
      supportsFeature: this.handle("SupportsFeature", (_run, req: InstanceType<typeof resourcePb.SupportsFeatureRequest>) => {
        // Only secrets: the SDK then sends plain values for outputs and resource
        // references, which is all this stand-in understands.
        const resp = new SupportsFeatureResponse();
        resp.setHassupport(req.getId() === "secrets");
        return resp;
      }),
      registerResource: this.handle("RegisterResource", (run, req: InstanceType<typeof resourcePb.RegisterResourceRequest>) =>
        this.register(run, req),
      ),
      registerResourceOutputs: this.handle(
        "RegisterResourceOutputs",
        (run, req: InstanceType<typeof resourcePb.RegisterResourceOutputsRequest>) => {
          const urn = req.getUrn();
          const outputs = fromStruct(req.getOutputs());
          run.result.resourceOutputs.push({ urn, outputs });
          const res = run.next.get(urn);
          if (res) {
            run.next.set(urn, { ...res, outputs });
          }
          if (urn === run.stackUrn) {
            run.stackOutputs = outputs;
          }
          return new emptyPb.Empty();
        },
      ),
      readResource: this.handle("ReadResource", (run, req: InstanceType<typeof resourcePb.ReadResourceRequest>) => {
        const message = `the stand-in engine does not support reading existing resources (${req.getType()} ${req.getName()}, id ${req.getId()})`;
        this.fail(run, "", message);
        throw new EngineError(message);
      }),
      invoke: this.handle("Invoke", (run, req: InstanceType<typeof resourcePb.ResourceInvokeRequest>) => {
        const message = `the stand-in engine does not support invokes (${req.getTok()})`;
        this.fail(run, "", message);
        throw new EngineError(message);
      }),
      signalAndWaitForShutdown: this.handle("SignalAndWaitForShutdown", () => new emptyPb.Empty()),
    };
  }

  private engineService(): GrpcJs.UntypedServiceImplementation {
    return {
      log: this.handle("Log", (run, req: InstanceType<typeof enginePb.LogRequest>) => {
        run.result.diagnostics.push({
          seq: ++this.seq,
          severity: SEVERITIES[req.getSeverity()] ?? "info",
          message: req.getMessage(),
          urn: req.getUrn(),
          ephemeral: req.getEphemeral(),
          source: "program",
        });
        return new emptyPb.Empty();
      }),
      getRootResource: this.handle("GetRootResource", (run) => {
        const resp = new enginePb.GetRootResourceResponse();
        resp.setUrn(run.stackUrn);
        return resp;
      }),
      setRootResource: this.handle("SetRootResource", (run, req: InstanceType<typeof enginePb.SetRootResourceRequest>) => {
        run.stackUrn = req.getUrn();
        return new enginePb.SetRootResourceResponse();
      }),
      requirePulumiVersion: this.handle("RequirePulumiVersion", () => new enginePb.RequirePulumiVersionResponse()),
    };
  }
}

function describeCheckFailures(type: string, name: string, failures: CheckFailure[]): string {
  const lines = failures.map((f) =>
    f.property === "" ? `${type} resource '${name}' has a problem: ${f.reason}` : `${type} resource '${name}': property ${f.property} has a problem: ${f.reason}`,
  );
  return [...lines, "one or more inputs failed to validate"].join("\n");
}

/** A readable account of an operation, for assertion messages. */
export function describeResult(result: OperationResult): string {
  const lines = [`${result.kind}: ${result.ok ? "ok" : "FAILED"}`];
  for (const e of result.errors) {
    lines.push(`  error: ${e}`);
  }
  for (const op of result.operations) {
    lines.push(
      `  ${op.op}${op.reason ? `(${op.reason})` : ""} ${op.urn}${op.id ? ` id=${op.id}` : ""}${op.failed ? ` FAILED: ${op.failed}` : ""}`,
    );
  }
  for (const d of result.diagnostics) {
    if (d.severity !== "debug") {
      lines.push(`  [${d.source} ${d.severity}] ${d.message}`);
    }
  }
  if (result.program) {
    lines.push(`  program exit ${result.program.exitCode}${result.program.timedOut ? " (timed out)" : ""}`);
    if (result.program.stdout.trim()) {
      lines.push(`  program stdout:\n${indent(result.program.stdout)}`);
    }
    if (result.program.stderr.trim()) {
      lines.push(`  program stderr:\n${indent(result.program.stderr)}`);
    }
  }
  if (result.providerStderr.trim()) {
    lines.push(`  provider stderr:\n${indent(result.providerStderr)}`);
  }
  return lines.join("\n");
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

/** Throws with `describeResult` unless the operation succeeded. */
export function assertSucceeded(result: OperationResult): void {
  if (!result.ok) {
    throw new Error(describeResult(result));
  }
}
