import * as pulumi from "@pulumi/pulumi";
import { URN_INPUT } from "../provider/resources/internal-inputs";

/**
 * The input that tells the provider the resource's own URN, `{ __urn: <urn> }`. Pulumi's Node dynamic provider
 * host gives a provider's methods no URN, and the engine attaches a status line (what the resource waits for) to a
 * resource only by it. The URN is the one the engine will give: `pulumi.createUrn` over the name, the type token
 * (`pulumi-nodejs:dynamic/<module>:<type>`) and the parent's URN.
 *
 * The parent's URN is taken as a plain value: an input made from the parent's `urn` output would make the parent a
 * dependency of the resource, and a component parent all of its children, the resource itself and what waits for
 * it included. URNs are known in a preview too, so the callback that takes it always runs.
 */
export function urnInput(name: string, type: string, opts: pulumi.ResourceOptions | undefined): Record<string, pulumi.Output<string>> {
  const parent = opts?.parent;
  const parentUrn = parent === undefined ? undefined : new Promise<string>((resolve) => parent.urn.apply(resolve));
  return { [URN_INPUT]: pulumi.createUrn(name, type, parentUrn) };
}
