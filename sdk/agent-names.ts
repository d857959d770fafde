import * as pulumi from "@pulumi/pulumi";

/** The agent names claimed by the SodaAgentKeys of this program run (one stack), and by which resource. */
const claimed = new Map<string, string>();

/**
 * Claims `agentName` for the resource `resourceName` in this stack, and gives the name of another SodaAgentKey that
 * claimed it first, if any. Two keys for one name cannot both work (Soda lets one runner hold a name), and a
 * refresh could not tell whose runner it found, so the provider's check refuses the second key with this name
 * (`AGENT_NAME_TAKEN_BY_INPUT`): at preview, before anything is created, as soon as the name is known.
 */
export function otherClaimant(resourceName: string, agentName: pulumi.Input<string>): pulumi.Output<string | undefined> {
  return pulumi.output(agentName).apply((name) => {
    if (typeof name !== "string") return undefined;
    const holder = claimed.get(name);
    if (holder !== undefined && holder !== resourceName) return holder;
    claimed.set(name, resourceName);
    return undefined;
  });
}
