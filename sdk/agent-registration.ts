import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../provider/shim";
import { refuseReadById } from "./resource-options";
import { urnInput } from "./resource-urn";

/** Arguments of a {@link SodaAgentRegistration}. Each property is defined in provider/spec/agent-registration.ts. */
export interface SodaAgentRegistrationArgs {
  /** The agent name to wait for (the key's `agentName`). */
  agentName: pulumi.Input<string>;
  /** The key the agent was deployed with: a new key replaces this resource, so the next `up` waits again. */
  apiKeyId: pulumi.Input<string>;
  /** The Soda Cloud endpoint the key lives at (the key's `endpoint`). */
  endpoint: pulumi.Input<string>;
  /** How long to wait, in seconds, from 1 to 86400. Default 300. */
  timeoutSeconds?: pulumi.Input<number>;
  /** The Kubernetes namespace the agent runs in, named in the message when it does not register. */
  namespace?: pulumi.Input<string>;
}

/**
 * Waits, during `pulumi up`, until a deployed Soda Agent has registered with Soda Cloud under its name and is
 * online, and fails with what to look at when it does not within the timeout. Creates nothing in Soda Cloud.
 * `SodaAgent` makes one with `waitForAgent`; declare one yourself after your own deployment of an agent, with
 * `dependsOn` on that deployment. Uses the stack's admin credentials, like `SodaAgentKey`.
 *
 * Type token: `pulumi-nodejs:dynamic/soda:AgentRegistration`.
 */
export class SodaAgentRegistration extends pulumi.dynamic.Resource {
  /** The agent name to wait for (the key's `agentName`). */
  declare public readonly agentName: pulumi.Output<string>;
  /** The key the agent was deployed with: a new key replaces this resource, so the next `up` waits again. */
  declare public readonly apiKeyId: pulumi.Output<string>;
  /** The Soda Cloud endpoint the key lives at (the key's `endpoint`). */
  declare public readonly endpoint: pulumi.Output<string>;
  /** How long to wait, in seconds, from 1 to 86400. Default 300. */
  declare public readonly timeoutSeconds: pulumi.Output<number | undefined>;
  /** The Kubernetes namespace the agent runs in, named in the message when it does not register. */
  declare public readonly namespace: pulumi.Output<string | undefined>;
  /** The runner the agent registered as. */
  declare public readonly runnerId: pulumi.Output<string>;
  /** When the wait saw the agent online, ISO 8601. */
  declare public readonly registeredAt: pulumi.Output<string>;

  constructor(name: string, args: SodaAgentRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
    refuseReadById("SodaAgentRegistration", name, opts);
    super(
      providerShim("agentRegistration"),
      name,
      { ...args, runnerId: undefined, registeredAt: undefined, ...urnInput(name, "pulumi-nodejs:dynamic/soda:AgentRegistration", opts) },
      opts,
      "soda",
      "AgentRegistration",
    );
  }
}
