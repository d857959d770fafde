/**
 * The `__provider` texts the benchmarks hand to Pulumi's provider host: ours, exactly as constructing the SDK
 * classes serializes them, and a trivial dynamic provider's, serialized the same way, as the reference for what
 * any dynamic provider costs.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { pulumi, setEngineLikeMocks } from "../tests/support/engine-like-mocks";
import { serializedProviders } from "../tests/support/provider-texts";

export interface ProviderTexts {
  agentKey: string;
  apiKey: string;
  /** A provider that does nothing: no requires, no network, empty outputs. */
  trivial: string;
}

export const TRIVIAL_TYPE = "pulumi-nodejs:dynamic/bench:Trivial";

/** The least a dynamic provider can be: every method, none doing any work. Captures nothing. */
function trivialProvider(): dynamic.ResourceProvider {
  return {
    async check(_olds, news) {
      return { inputs: news };
    },
    async diff() {
      return { changes: false };
    },
    async create() {
      return { id: "trivial", outs: {} };
    },
    async read(id, props) {
      return { id, props };
    },
    async update(_id, _olds, news) {
      return { outs: news };
    },
    async delete() {},
  };
}

/** Serializes ours (through the SDK classes) and the trivial provider, under engine-like mocks in this process. */
export async function providerTexts(): Promise<ProviderTexts> {
  const ours = await serializedProviders();
  const wire = await setEngineLikeMocks();
  class Trivial extends pulumi.dynamic.Resource {
    constructor(name: string) {
      super(trivialProvider(), name, {}, {}, "bench", "Trivial");
    }
  }
  new Trivial("trivial");
  for (let i = 0; i < 200; i++) {
    const text = wire.find((r) => r.name === "trivial")?.object.__provider;
    if (typeof text === "string") return { ...ours, trivial: text };
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("the trivial provider was never serialized");
}
