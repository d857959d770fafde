/**
 * The gRPC and protobuf modules exactly as `@pulumi/pulumi` loads them, plus the
 * wire encodings (secret and unknown sentinels) the engine and the SDK agree on.
 *
 * Everything is loaded with Node's own `require`, resolved from the directory of
 * `@pulumi/pulumi`'s package.json, so the message classes are the very instances
 * the SDK and the provider host use (protobuf messages do not survive being mixed
 * across copies of `google-protobuf`).
 */
import { createRequire } from "node:module";
import * as path from "node:path";

import type * as GrpcJs from "@grpc/grpc-js";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";
import type * as EngineGrpcPb from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as EnginePb from "@pulumi/pulumi/proto/engine_pb";
import type * as ProviderGrpcPb from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as ProviderPb from "@pulumi/pulumi/proto/provider_pb";
import type * as StatusPb from "@pulumi/pulumi/proto/status_pb";
import type * as EmptyPb from "google-protobuf/google/protobuf/empty_pb";

/** Absolute path of the `@pulumi/pulumi` package directory the repository resolves. */
export const pulumiPackageDir: string = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

const requireFromPulumi = createRequire(path.join(pulumiPackageDir, "package.json"));

export const grpc: typeof GrpcJs = requireFromPulumi("@grpc/grpc-js");
export const providerGrpc: typeof ProviderGrpcPb = requireFromPulumi("@pulumi/pulumi/proto/provider_grpc_pb");
export const providerPb: typeof ProviderPb = requireFromPulumi("@pulumi/pulumi/proto/provider_pb");
export const engineGrpc: typeof EngineGrpcPb = requireFromPulumi("@pulumi/pulumi/proto/engine_grpc_pb");
export const enginePb: typeof EnginePb = requireFromPulumi("@pulumi/pulumi/proto/engine_pb");
export const statusPb: typeof StatusPb = requireFromPulumi("@pulumi/pulumi/proto/status_pb");
export const structPb: typeof StructPb = requireFromPulumi("google-protobuf/google/protobuf/struct_pb");
export const emptyPb: typeof EmptyPb = requireFromPulumi("google-protobuf/google/protobuf/empty_pb");

/** Absolute path of a file inside `@pulumi/pulumi` (e.g. `cmd/run`). */
export function resolvePulumiFile(relative: string): string {
  return requireFromPulumi.resolve(`@pulumi/pulumi/${relative}`);
}

/** Message size limits matching the SDK's own channels (the `__provider` text can be large). */
export const grpcChannelOptions: GrpcJs.ChannelOptions = {
  "grpc.max_receive_message_length": 400 * 1024 * 1024,
  "grpc.max_send_message_length": 400 * 1024 * 1024,
};

/** Pulumi's wire markers: the provider's one definition (provider/engine/wire-markers.ts). */
export { SECRET_SIG, SPECIAL_SIG_KEY, UNKNOWN } from "../../provider/engine/wire-markers";
import { SECRET_SIG, SPECIAL_SIG_KEY, UNKNOWN } from "../../provider/engine/wire-markers";

/** A secret as it travels on the wire. */
export interface SecretWrapped<T = unknown> {
  [SPECIAL_SIG_KEY]: typeof SECRET_SIG;
  value: T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Wraps a value in the secret sentinel (`undefined` becomes `null`, as the SDK does). */
export function wrapSecret<T>(value: T): SecretWrapped<T> {
  return { [SPECIAL_SIG_KEY]: SECRET_SIG, value: (value === undefined ? null : value) as T };
}

/** True when the value itself (not something inside it) is a wire secret. */
export function isSecretWrapped(value: unknown): value is SecretWrapped {
  return isPlainObject(value) && value[SPECIAL_SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret wrapper, at any depth, by the value it wraps. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapped(value)) {
    return unwrapSecrets(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(unwrapSecrets);
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = unwrapSecrets(v);
    }
    return out;
  }
  return value;
}

/** True when the unknown sentinel appears anywhere in the value. */
export function containsUnknowns(value: unknown): boolean {
  if (value === UNKNOWN) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(containsUnknowns);
  }
  if (isPlainObject(value)) {
    return Object.values(value).some(containsUnknowns);
  }
  return false;
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => (v === undefined ? null : dropUndefined(v)));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) {
        out[k] = dropUndefined(v);
      }
    }
    return out;
  }
  return value;
}

/**
 * A plain object as a `google.protobuf.Struct` (`Struct.fromJavaScript`). Keys whose
 * value is `undefined` are left out, as the SDK's serializer does; anything else the
 * Struct cannot hold (Date, class instances, functions) throws, as it would on the wire.
 */
export function toStruct(obj: Record<string, unknown>): StructPb.Struct {
  return structPb.Struct.fromJavaScript(dropUndefined(obj) as Record<string, StructPb.JavaScriptValue>);
}

/** A `google.protobuf.Struct` as a plain object (`{}` when absent). */
export function fromStruct(struct: StructPb.Struct | undefined | null): Record<string, unknown> {
  return struct ? (struct.toJavaScript() as Record<string, unknown>) : {};
}

/** The parts of a Pulumi URN (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`). */
export interface ParsedUrn {
  stack: string;
  project: string;
  /** The parent type chain and the type, joined by `$`. */
  qualifiedType: string;
  /** The resource's own type token. */
  type: string;
  name: string;
}

const URN_PREFIX = "urn:pulumi:";

/** Splits a URN into its parts; throws on anything that is not one. */
export function parseUrn(urn: string): ParsedUrn {
  if (!urn.startsWith(URN_PREFIX)) {
    throw new Error(`not a Pulumi URN: ${urn}`);
  }
  const parts = urn.slice(URN_PREFIX.length).split("::");
  if (parts.length < 4) {
    throw new Error(`not a Pulumi URN: ${urn}`);
  }
  const [stack, project, qualifiedType, ...nameParts] = parts;
  const typeChain = qualifiedType.split("$");
  return { stack, project, qualifiedType, type: typeChain[typeChain.length - 1], name: nameParts.join("::") };
}

/** The root resource type every program registers first. */
const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The URN the engine assigns: the parent's type chain is part of the qualified type,
 * except when the parent is the stack itself.
 */
export function makeUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  let qualifiedType = type;
  if (parentUrn) {
    const parent = parseUrn(parentUrn);
    if (parent.type !== STACK_TYPE) {
      qualifiedType = `${parent.qualifiedType}$${type}`;
    }
  }
  return `${URN_PREFIX}${stack}::${project}::${qualifiedType}::${name}`;
}
