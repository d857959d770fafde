import type * as dynamic from "@pulumi/pulumi/dynamic";
import { ProcessContext, type ProviderContext } from "./config/context";
import { dynamicLifecycle, type DynamicLifecycle } from "./dynamic/front-end";
import { providerHostLog } from "./engine/engine-log";
import { stampedUrn } from "./resources/internal-inputs";
import { agentKeyLifecycle } from "./resources/agent-key";
import { agentRegistrationLifecycle } from "./resources/agent-registration";
import { apiKeyLifecycle } from "./resources/api-key";
import { keySecretNameLifecycle } from "./resources/key-secret-name";
import type { Lifecycle } from "./resources/lifecycle";
import { withoutHostEcho } from "./dynamic/host-error-echo";
import { withStatusLine } from "./engine/status-line";

/**
 * The provider implementation as the engine's provider host runs it. The serialized shim (`shim.ts`) loads this
 * module by package name and delegates every call here, so the `__provider` text stays small and holds no state.
 */
const context = new ProcessContext();

/** Receives the whole stack configuration once per provider; credentials are read from it at call time. */
export function configure(req: dynamic.ConfigureRequest): Promise<void> {
  context.configure(req.config);
  return Promise.resolve();
}

type Props = Record<string, unknown>;

/**
 * A lifecycle whose every call gets a context of its own resource, so that what it waits for shows beside it. The
 * host names no resource to its provider: the URN comes from the inputs, where the SDK put it (`__urn`). Read and
 * delete see only outputs, so their status lines go beside the stack, saying which key they are about.
 */
function perResource(resourceType: string, lifecycle: (ctx: ProviderContext) => Lifecycle): DynamicLifecycle {
  const forCall = (props: Record<string, unknown>) => {
    const urn = stampedUrn(props);
    const subject = urn === undefined ? `${resourceType}${describedBy(props)}: ` : "";
    const log = providerHostLog();
    const ctx = context.forResource({ status: (message) => log.status(subject + message, urn ?? "") });
    return withStatusLine(dynamicLifecycle(lifecycle(ctx)), ctx.status, () => log.statusLinesSent());
  };
  return withoutHostEcho({
    check: (olds: Props, news: Props) => forCall(news).check(olds, news),
    diff: (id: string, olds: Props, news: Props) => forCall(news).diff(id, olds, news),
    create: (inputs: Props) => forCall(inputs).create(inputs),
    read: (id: string, props: Props) => forCall(props).read(id, props),
    update: (id: string, olds: Props, news: Props) => forCall(news).update(id, olds, news),
    delete: (id: string, props: Props) => forCall(props).delete(id, props),
  });
}

/** ` for agent "prod-agent"`, or ` apiKeyId`: which resource a status line beside the stack is about. */
function describedBy(props: Record<string, unknown>): string {
  if (typeof props.agentName === "string") return ` for agent "${props.agentName}"`;
  return typeof props.apiKeyId === "string" ? ` ${props.apiKeyId}` : "";
}

export const agentKey = perResource("SodaAgentKey", agentKeyLifecycle);
export const apiKey = perResource("SodaApiKey", apiKeyLifecycle);
export const agentRegistration = perResource("SodaAgentRegistration", agentRegistrationLifecycle);
export const keySecretName = withoutHostEcho(keySecretNameLifecycle());
