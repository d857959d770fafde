import * as pulumiRpc from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { SECRET_SIG, SPECIAL_SIG_KEY, UNKNOWN } from "../../provider/engine/wire-markers";

describe("Pulumi's wire markers", () => {
  it("are the ones @pulumi/pulumi puts on the wire", () => {
    expect({ UNKNOWN, SPECIAL_SIG_KEY, SECRET_SIG }).toEqual({
      UNKNOWN: pulumiRpc.unknownValue,
      SPECIAL_SIG_KEY: pulumiRpc.specialSigKey,
      SECRET_SIG: pulumiRpc.specialSecretSig,
    });
  });
});
