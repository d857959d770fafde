/**
 * Runs a Pulumi program the way the Node.js language host does for `pulumi up` /
 * `pulumi preview`: `node @pulumi/pulumi/cmd/run` with the engine's flags and the
 * stack configuration in the environment (test layer 4, program side).
 *
 * Known slow path (Node 20.20 with @pulumi/pulumi 3.248, not this runner): every
 * unhandled program error, RunError included, is formatted once with
 * `util.inspect(err, { colors: true })` (cmd/run's tracing event). Node's
 * `markNodeModules` loops on the source-mapped frame `node_modules/@pulumi/resource.ts`
 * (a scoped path with no further `/`) until the string outgrows V8's limit, so the
 * program logs its error at once but exits (code 32) only 15-30 s later. The real
 * CLI waits the same way. `nodeArgs: ["--stack-trace-limit=0"]` avoids the loop
 * (the error message is unchanged; stacks are lost).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { cleanEnv } from "./provider-host";
import { requireAsPulumi, resolvePulumiFile } from "./pulumi-grpc";

/** The parts of Pulumi.yaml the language host uses. */
export interface PulumiProject {
  name: string;
  /** `main`: the program's entry, relative to the project dir; `undefined` = the dir itself. */
  main?: string;
  /** `runtime.options.typescript` (the language host's default is true). */
  typescript: boolean;
  /** `runtime.options.tsconfig`. */
  tsconfig?: string;
  /** `runtime.options.nodeargs`, split on whitespace. */
  nodeargs: string[];
}

/** Reads `<dir>/Pulumi.yaml` (or `.yml`). */
export function readPulumiProject(dir: string): PulumiProject {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (file === undefined) {
    throw new Error(`no Pulumi.yaml in ${dir}`);
  }
  const yaml = requireAsPulumi<{ load(text: string): unknown }>("js-yaml");
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
  if (typeof doc.name !== "string" || doc.name === "") {
    throw new Error(`${file} has no name`);
  }
  const runtime = doc.runtime;
  const runtimeOptions =
    typeof runtime === "object" && runtime !== null
      ? (((runtime as Record<string, unknown>).options ?? {}) as Record<string, unknown>)
      : {};
  return {
    name: doc.name,
    main: typeof doc.main === "string" ? doc.main : undefined,
    typescript: runtimeOptions.typescript !== false && runtimeOptions.typescript !== "false",
    tsconfig: typeof runtimeOptions.tsconfig === "string" ? runtimeOptions.tsconfig : undefined,
    nodeargs: typeof runtimeOptions.nodeargs === "string" ? runtimeOptions.nodeargs.split(/\s+/).filter(Boolean) : [],
  };
}

/** Where the program's engine lives and what it collected; implemented by the stand-in engine. */
export interface ProgramHost {
  readonly monitorAddress: string;
  readonly engineAddress: string;
  /** The outputs registered on the Stack resource during the run, if any. */
  stackOutputs(): Record<string, unknown> | undefined;
}

export interface RunProgramOptions {
  /** The project dir (Pulumi.yaml, package.json, node_modules). Used as cwd and `--pwd`. */
  projectDir: string;
  /** Default: Pulumi.yaml's `name`. */
  project?: string;
  stack: string;
  /** Default `organization` (what the CLI passes for self-managed backends). */
  organization?: string;
  /** The program argument. Default: Pulumi.yaml's `main`, else `.` (package.json `main`, else index). */
  program?: string;
  dryRun?: boolean;
  /** Default 4. */
  parallel?: number;
  /** Stack config as the language host passes it: `"<namespace>:<key>"` -> string. */
  config?: Record<string, string>;
  /** The config keys that are secret (`PULUMI_CONFIG_SECRET_KEYS`). */
  secretKeys?: string[];
  /** Sets `PULUMI_NODEJS_TYPESCRIPT=true`. Default: Pulumi.yaml's `runtime.options.typescript` (true). */
  typeScript?: boolean;
  /** Extra environment on top of ours minus `PULUMI_*`; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Extra `node` flags, before Pulumi.yaml's `nodeargs`. */
  nodeArgs?: string[];
  /** Kill the program after this long. Default 60 s. */
  timeoutMs?: number;
  /**
   * Kills the program when aborted, as the language host does when the engine
   * cancels a deployment (e.g. after a failed step).
   */
  signal?: AbortSignal;
}

export interface ProgramResult {
  /** `null` when the process was killed. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the program was killed for running past `timeoutMs`. */
  timedOut: boolean;
  /** True when the program was killed because `signal` was aborted. */
  cancelled: boolean;
  stdout: string;
  stderr: string;
  /** Outputs registered on the Stack resource (secret wrappers intact), if any. */
  stackOutputs: Record<string, unknown> | undefined;
  /** The argv after `node`, for failure messages. */
  args: string[];
  durationMs: number;
}

/** Runs the program to completion against `host`'s monitor and engine. */
export async function runProgram(host: ProgramHost, options: RunProgramOptions): Promise<ProgramResult> {
  const projectDir = path.resolve(options.projectDir);
  const project = readPulumiProject(projectDir);
  const typeScript = options.typeScript ?? project.typescript;
  const timeoutMs = options.timeoutMs ?? 60_000;

  const args = [
    ...(options.nodeArgs ?? []),
    ...project.nodeargs,
    resolvePulumiFile("cmd/run"),
    `--monitor=${host.monitorAddress}`,
    `--engine=${host.engineAddress}`,
    `--organization=${options.organization ?? "organization"}`,
    `--project=${options.project ?? project.name}`,
    `--root-directory=${projectDir}`,
    `--stack=${options.stack}`,
    `--pwd=${projectDir}`,
    `--dry-run=${options.dryRun === true}`,
    `--parallel=${options.parallel ?? 4}`,
    options.program ?? project.main ?? ".",
  ];
  const env = cleanEnv({
    PULUMI_CONFIG: JSON.stringify(options.config ?? {}),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(options.secretKeys ?? []),
    ...(typeScript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
    ...(project.tsconfig !== undefined ? { PULUMI_NODEJS_TSCONFIG_PATH: project.tsconfig } : {}),
    ...options.env,
  });

  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: projectDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });

  let timedOut = false;
  let cancelled = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const onAbort = () => {
    cancelled = true;
    child.kill("SIGKILL");
  };
  if (options.signal?.aborted) {
    onAbort();
  }
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const { exitCode, signal } = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once("error", reject);
      // "close" (not "exit") so that all output has been read.
      child.once("close", (code, sig) => resolve({ exitCode: code, signal: sig }));
    },
  ).finally(() => {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  });

  return {
    exitCode,
    signal,
    timedOut,
    cancelled,
    stdout,
    stderr,
    stackOutputs: host.stackOutputs(),
    args,
    durationMs: Date.now() - started,
  };
}
