import { isSecretWrapped, unwrapSecrets } from "./pulumi-grpc";
import type { OperationResult } from "./stand-in-engine";

/** Every string in a wire value that is not inside a secret wrapper. */
export function plaintextStrings(value: unknown): string[] {
  if (isSecretWrapped(value)) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(plaintextStrings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(plaintextStrings);
  return [];
}

/**
 * Where a canary secret shows in plain text in what an operation exposed: registered inputs and outputs on the
 * wire outside secret wrappers, stack outputs, diagnostics, the program's output, the provider host's stderr.
 * Returns the places, empty when there are none.
 */
export function secretLeaks(result: OperationResult, canaries: string[]): string[] {
  const places: [string, string[]][] = [
    ["registered inputs", result.registrations.flatMap((r) => plaintextStrings(r.object))],
    ["registration responses", result.registrations.flatMap((r) => plaintextStrings(r.response?.object))],
    ["resource outputs", result.resourceOutputs.flatMap((r) => plaintextStrings(r.outputs))],
    ["stack outputs", plaintextStrings(result.stackOutputs)],
    ["diagnostics", result.diagnostics.filter((d) => !isSdkRpcTrace(d.message, d.severity)).map((d) => d.message)],
    ["errors", result.errors],
    ["program output", [result.program?.stdout ?? "", result.program?.stderr ?? ""]],
    ["provider stderr", [result.providerStderr]],
  ];
  const leaks: string[] = [];
  for (const [place, strings] of places) {
    for (const canary of canaries) {
      if (strings.some((s) => s.includes(canary))) leaks.push(`${place} contain ${canary.slice(0, 6)}…`);
    }
  }
  return leaks;
}

/**
 * The Node SDK itself logs every RegisterResource response at debug severity ("RegisterResource RPC finished:
 * ... resp: ..."), secret values included; the engine shows debug messages only under `--debug`. That is
 * Pulumi's behaviour for any resource with secret outputs, not this provider's, so it is the one exception.
 */
export function isSdkRpcTrace(message: string, severity: string): boolean {
  return severity === "debug" && /^RegisterResource RPC finished: /.test(message);
}

/**
 * Every string of an operation's result that a user or a log could see, outside secret wrappers, with the one
 * exception `isSdkRpcTrace` explains.
 */
export function visibleText(result: OperationResult): string {
  return [
    ...result.errors,
    ...result.diagnostics.filter((d) => !isSdkRpcTrace(d.message, d.severity)).map((d) => d.message),
    ...plaintextStrings(result.registrations.map((r) => r.object)),
    ...plaintextStrings(result.registrations.map((r) => r.response?.object ?? {})),
    ...result.registrations.map((r) => r.error ?? ""),
    ...plaintextStrings(result.resourceOutputs.map((r) => r.outputs)),
    ...plaintextStrings(result.stackOutputs ?? {}),
    ...result.operations.map((o) => o.failed ?? ""),
    ...result.providerCalls.map((call) => call.error?.message ?? ""),
    result.program?.stdout ?? "",
    result.program?.stderr ?? "",
    result.providerStderr,
  ].join("\n");
}

/** A wire value with secret wrappers removed. */
export function plain<T = Record<string, unknown>>(value: unknown): T {
  return unwrapSecrets(value) as T;
}
