import type * as dynamic from "@pulumi/pulumi/dynamic";
import { ProcessContext } from "./context";
import { agentKeyLifecycle } from "./resources/agent-key";
import { agentRegistrationLifecycle } from "./resources/agent-registration";
import { apiKeyLifecycle } from "./resources/api-key";
import { keySecretNameLifecycle } from "./resources/key-secret-name";

/**
 * The provider implementation as the engine's provider host runs it. The serialized shim (`shim.ts`) loads this
 * module by package name and delegates every call here, so the `__provider` text stays small and holds no state.
 */
const context = new ProcessContext();

/** Receives the whole stack configuration once per provider; credentials are read from it at call time. */
export async function configure(req: dynamic.ConfigureRequest): Promise<void> {
  context.configure(req.config);
}

export const agentKey = agentKeyLifecycle(context);
export const apiKey = apiKeyLifecycle(context);
export const agentRegistration = agentRegistrationLifecycle(context);
export const keySecretName = keySecretNameLifecycle();
