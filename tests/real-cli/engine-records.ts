import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isSdkRpcTrace, plaintextStrings } from "../support/secret-scan";
import type { RealStack } from "./real-stack";

/**
 * What the real engine records of one command, for the secret scans: every gRPC message between the engine and
 * the program, the language host and the provider host (`PULUMI_DEBUG_GRPC=<file>`), and every engine event,
 * diagnostics of every severity included (`--event-log <file>`, which the CLI offers only with
 * PULUMI_DEBUG_COMMANDS). Diagnostics cover what the program and the provider host logged or wrote to stderr.
 */

/** One gRPC call, as the CLI logs it once it has finished. */
export interface GrpcCall {
  /** e.g. `/pulumirpc.ResourceProvider/Create`. */
  method: string;
  request: Record<string, any>;
  response?: Record<string, any>;
  /** e.g. `rpc error: code = Unknown desc = <the provider's message>`. */
  errors?: string[];
}

/** One diagnostic of the engine's event log. */
export interface EngineDiagnostic {
  /** `debug`, `info`, `info#err` (a line of a plugin's stderr), `warning` or `error`. */
  severity: string;
  message: string;
  /** The resource it is reported against; "" for the stack's own. */
  urn: string;
}

export interface RecordedRun {
  /** The CLI's exit code; -1 when it was killed (a timeout). */
  code: number;
  /** What the CLI printed, stdout then stderr. */
  output: string;
  grpc: GrpcCall[];
  /** The engine's events, as logged. */
  events: Record<string, any>[];
}

/**
 * Runs `pulumi <args>` with the engine's records on, and reads them. The files are removed at once: the gRPC log
 * holds secrets in plain text where the protocol carries them so (see `engineRecordLeaks`).
 */
export async function recordedRun(stack: RealStack, args: string[]): Promise<RecordedRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-engine-records-"));
  const grpcLog = path.join(dir, "grpc.jsonl");
  const eventLog = path.join(dir, "events.jsonl");
  const { env } = stack.cli;
  const saved = { PULUMI_DEBUG_GRPC: env.PULUMI_DEBUG_GRPC, PULUMI_DEBUG_COMMANDS: env.PULUMI_DEBUG_COMMANDS };
  Object.assign(env, { PULUMI_DEBUG_GRPC: grpcLog, PULUMI_DEBUG_COMMANDS: "true" });
  try {
    const result = await stack.cli.exec([...args, "--event-log", eventLog]);
    // Each call is logged when it starts and again, request included, when it has finished.
    const grpc = jsonLines(grpcLog).filter((entry) => entry.progress === "response_completed") as GrpcCall[];
    return { code: result.code, output: result.output, grpc, events: jsonLines(eventLog) };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function jsonLines(file: string): Record<string, any>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/** The calls of a service, e.g. `ResourceProvider`, in the order they finished. */
export function callsOf(run: RecordedRun, service: "ResourceMonitor" | "ResourceProvider" | "LanguageRuntime"): GrpcCall[] {
  return run.grpc.filter((call) => call.method.startsWith(`/pulumirpc.${service}/`));
}

/** A provider lifecycle call: its method and the name of the resource it was for. */
export interface LifecycleCall {
  method: "Check" | "Diff" | "Create" | "Read" | "Update" | "Delete";
  name: string;
  call: GrpcCall;
  /** The provider's own message, when the call failed. */
  error?: string;
}

const LIFECYCLE = new Set(["Check", "Diff", "Create", "Read", "Update", "Delete"]);

/** The provider's lifecycle calls, in the order they finished (Configure, and what the dynamic host does not implement, left out). */
export function lifecycleCalls(run: RecordedRun): LifecycleCall[] {
  return callsOf(run, "ResourceProvider").flatMap((call) => {
    const method = call.method.split("/").pop() as LifecycleCall["method"];
    if (!LIFECYCLE.has(method)) return [];
    const error = call.errors?.[0]?.replace(/^rpc error: code = \w+ desc = /, "");
    return [{ method, name: String(call.request.urn).split("::").pop() as string, call, error }];
  });
}

/** The diagnostics of the engine's event log, in order. */
export function diagnostics(run: RecordedRun): EngineDiagnostic[] {
  return run.events.flatMap((event) => {
    const d = event.diagnosticEvent as { severity: string; message: string; urn?: string } | undefined;
    return d === undefined ? [] : [{ severity: d.severity, message: d.message, urn: d.urn ?? "" }];
  });
}

/** Every string the provider and the language host were sent or answered, where the protocol carries secrets in plain text. */
export function plainByProtocol(run: RecordedRun): string {
  return [...callsOf(run, "ResourceProvider"), ...callsOf(run, "LanguageRuntime")].map((call) => JSON.stringify([call.request, call.response])).join("\n");
}

/**
 * Where a secret shows in what a user or a log could see of a run. Returns "<place> holds <secret's name>" for
 * each (names, never the values), empty when there is none. Scanned:
 * - what the CLI printed;
 * - every message between the program and the engine's resource monitor (registrations, with `__provider`, their
 *   responses, stack outputs), outside secret wrappers;
 * - the error of every gRPC call;
 * - the engine's events, diagnostics of every severity, except Pulumi's own debug trace of RegisterResource
 *   responses (`isSdkRpcTrace`, shown only under `--debug`).
 * Not scanned, as the protocol carries secrets in plain text there: the stack config the language host is given
 * to run the program with (as PULUMI_CONFIG), and the dynamic provider host's calls (it answers Configure with
 * acceptSecrets=false, so the engine sends it, and it returns, plain values); `plainByProtocol` gives those, to
 * show a scan would see a secret.
 */
export function engineRecordLeaks(run: RecordedRun, secrets: Map<string, string>): string[] {
  const places: [string, string[]][] = [
    ["the CLI's output", [run.output]],
    [
      "the program's messages to the engine and the answers, outside secret wrappers",
      callsOf(run, "ResourceMonitor").flatMap((call) => plaintextStrings([call.request, call.response])),
    ],
    ["a gRPC error", run.grpc.flatMap((call) => call.errors ?? [])],
    ["the engine's events", run.events.filter((event) => !isSdkTraceEvent(event)).map((event) => JSON.stringify(event))],
  ];
  return places.flatMap(([place, texts]) =>
    [...secrets].filter(([, secret]) => texts.some((text) => text.includes(secret))).map(([name]) => `${place} holds the ${name}`),
  );
}

function isSdkTraceEvent(event: Record<string, any>): boolean {
  const d = event.diagnosticEvent as { severity: string; message: string } | undefined;
  return d !== undefined && isSdkRpcTrace(d.message, d.severity);
}
