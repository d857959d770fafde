import * as fs from "node:fs";
import * as path from "node:path";
import { isSecretWrapped } from "./pulumi-grpc";

/** Every file under a directory, at any depth (a state backend, a project dir): what a secret scan reads. */
export function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The text of every file under a directory, joined. */
export function textUnder(dir: string): string {
  return filesUnder(dir)
    .map((file) => fs.readFileSync(file, "utf8"))
    .join("\n");
}

/** Every string in a wire value that is not inside a secret wrapper. */
export function plaintextStrings(value: unknown): string[] {
  if (isSecretWrapped(value)) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(plaintextStrings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(plaintextStrings);
  return [];
}

/**
 * The Node SDK itself logs every RegisterResource response at debug severity ("RegisterResource RPC finished:
 * ... resp: ..."), secret values included; the engine shows debug messages only under `--debug`. That is
 * Pulumi's behaviour for any resource with secret outputs, not this provider's, so it is the one exception.
 */
export function isSdkRpcTrace(message: string, severity: string): boolean {
  return severity === "debug" && /^RegisterResource RPC finished: /.test(message);
}
