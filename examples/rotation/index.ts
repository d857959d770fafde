import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey } from "pulumi-soda-cloud";

const config = new pulumi.Config();

// 1. By time: a new key once 30 days have passed since this one was created. `pulumi preview` shows the
//    replacement as soon as it is due; the next `pulumi up` makes it.
const byPeriod = new SodaAgentKey("by-period", {
  agentName: config.get("periodAgentName") ?? "rotation-by-period",
  rotationPeriod: config.get("rotationPeriod") ?? "30d",
});

// 2. By triggers: any change of these values makes a new key, e.g. a release tag or a security incident id.
//    `pulumi config set keyGeneration 2 && pulumi up` rotates now.
const byTriggers = new SodaAgentKey("by-triggers", {
  agentName: config.get("triggersAgentName") ?? "rotation-by-triggers",
  rotationTriggers: { generation: config.get("keyGeneration") ?? "1" },
});

// 3. With Pulumi's own replacementTrigger option: the engine replaces the key whenever the value changes. The
//    provider still deletes the old runner first, because two agents cannot share a name.
const byReplacementTrigger = new SodaAgentKey(
  "by-replacement-trigger",
  { agentName: config.get("replacementAgentName") ?? "rotation-by-replacement-trigger" },
  { replacementTrigger: config.get("replacementTrigger") ?? "1" },
);

export const keys = {
  byPeriod: { id: byPeriod.apiKeyId, createdAt: byPeriod.createdAt },
  byTriggers: { id: byTriggers.apiKeyId, createdAt: byTriggers.createdAt },
  byReplacementTrigger: { id: byReplacementTrigger.apiKeyId, createdAt: byReplacementTrigger.createdAt },
};
