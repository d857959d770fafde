import { sdk, setEngineLikeMocks } from "./engine-like-mocks";

/**
 * The `__provider` texts exactly as constructing the SDK classes serializes them (from the compiled package),
 * for tests that drive Pulumi's provider host themselves.
 */
export async function serializedProviders(): Promise<{ agentKey: string; apiKey: string }> {
  const wire = await setEngineLikeMocks();
  new sdk.SodaAgentKey("serialized-agent-key", { agentName: "x" });
  new sdk.SodaApiKey("serialized-api-key", { apiKeyId: "3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93", apiKeySecret: "x" });
  const textOf = async (name: string): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const text = wire.find((r) => r.name === name)?.object.__provider;
      if (typeof text === "string") return text;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`${name} was never registered`);
  };
  return { agentKey: await textOf("serialized-agent-key"), apiKey: await textOf("serialized-api-key") };
}
