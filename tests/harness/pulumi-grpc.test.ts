// Wire helpers: the secret and unknown sentinels, Struct conversion, URNs.
import * as path from "node:path";
import * as pulumiRpc from "@pulumi/pulumi/runtime/rpc";

import { describe, expect, it } from "vitest";

import {
  SECRET_SIG,
  SPECIAL_SIG_KEY,
  UNKNOWN,
  containsUnknowns,
  fromStruct,
  grpc,
  isSecretWrapped,
  makeUrn,
  parseUrn,
  providerPb,
  pulumiPackageDir,
  structPb,
  toStruct,
  unwrapSecrets,
  wrapSecret,
} from "../support/pulumi-grpc";

describe("module loading", () => {
  it("uses the @grpc/grpc-js and protobuf copies @pulumi/pulumi resolves", () => {
    const fromPulumi = (id: string) => require.resolve(id, { paths: [pulumiPackageDir] });
    expect(require.cache[fromPulumi("@grpc/grpc-js")]?.exports).toBe(grpc);
    expect(require.cache[fromPulumi("@pulumi/pulumi/proto/provider_pb")]?.exports).toBe(providerPb);
    expect(require.cache[fromPulumi("google-protobuf/google/protobuf/struct_pb")]?.exports).toBe(structPb);
    expect(pulumiPackageDir).toBe(path.dirname(require.resolve("@pulumi/pulumi/package.json")));
  });
});

describe("secrets", () => {
  it("wraps in the sentinel the SDK and the engine use", () => {
    expect(wrapSecret("s")).toEqual({ [SPECIAL_SIG_KEY]: SECRET_SIG, value: "s" });
    expect(SPECIAL_SIG_KEY).toBe(pulumiRpc.specialSigKey);
    expect(SECRET_SIG).toBe(pulumiRpc.specialSecretSig);
    expect(wrapSecret(undefined)).toEqual({ [SPECIAL_SIG_KEY]: SECRET_SIG, value: null });
  });

  it("recognises only the wrapper itself", () => {
    expect(isSecretWrapped(wrapSecret(1))).toBe(true);
    expect(isSecretWrapped({ a: wrapSecret(1) })).toBe(false);
    expect(isSecretWrapped({ [SPECIAL_SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17", value: 1 })).toBe(false);
    expect(isSecretWrapped(null)).toBe(false);
  });

  it("unwraps at any depth, including nested wrappers", () => {
    const value = { a: wrapSecret({ b: [wrapSecret("x"), 2] }), c: wrapSecret(wrapSecret(false)), d: "plain" };
    expect(unwrapSecrets(value)).toEqual({ a: { b: ["x", 2] }, c: false, d: "plain" });
  });

  it("finds the unknown sentinel anywhere", () => {
    expect(UNKNOWN).toBe(pulumiRpc.unknownValue);
    expect(containsUnknowns({ a: [1, { b: UNKNOWN }] })).toBe(true);
    expect(containsUnknowns({ a: "known" })).toBe(false);
  });
});

describe("toStruct / fromStruct", () => {
  it("round-trips plain values, keeping secret wrappers and 0, '' and false", () => {
    const value = { s: "", n: 0, b: false, nil: null, list: [1, "a", { x: wrapSecret("y") }], secret: wrapSecret("z") };
    expect(fromStruct(toStruct(value))).toEqual(value);
  });

  it("drops undefined object values, as the SDK's serializer does", () => {
    expect(fromStruct(toStruct({ a: undefined, b: { c: undefined, d: 1 } }))).toEqual({ b: { d: 1 } });
  });

  it("treats a missing Struct as an empty bag", () => {
    expect(fromStruct(undefined)).toEqual({});
  });
});

describe("URNs", () => {
  it("leaves the stack out of the type chain and keeps other parents in it", () => {
    const stack = makeUrn("dev", "proj", "pulumi:pulumi:Stack", "proj-dev");
    expect(stack).toBe("urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev");
    const group = makeUrn("dev", "proj", "my:index:Group", "g", stack);
    expect(group).toBe("urn:pulumi:dev::proj::my:index:Group::g");
    const child = makeUrn("dev", "proj", "pulumi-nodejs:dynamic/m:T", "c", group);
    expect(child).toBe("urn:pulumi:dev::proj::my:index:Group$pulumi-nodejs:dynamic/m:T::c");
    const grandchild = makeUrn("dev", "proj", "x:y:Z", "gc", child);
    expect(parseUrn(grandchild)).toEqual({
      stack: "dev",
      project: "proj",
      qualifiedType: "my:index:Group$pulumi-nodejs:dynamic/m:T$x:y:Z",
      type: "x:y:Z",
      name: "gc",
    });
  });

  it("keeps '::' inside a name", () => {
    expect(parseUrn("urn:pulumi:s::p::t:m:T::a::b").name).toBe("a::b");
    expect(() => parseUrn("not-a-urn")).toThrow("not a Pulumi URN");
  });
});
