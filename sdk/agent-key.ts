import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../provider/shim";
import { AGENT_NAME_TAKEN_BY_INPUT, REPLACE_ON_CHANGES_INPUT } from "../provider/resources/internal-inputs";
import { otherClaimant } from "./agent-names";
import { warnIfAdminSecretIsPlainText } from "./config-secrets";
import { readByIdError, refuseReadById, replaceOnChangesOf, withDefined } from "./resource-options";
import { urnInput } from "./resource-urn";

/** Arguments of a {@link SodaAgentKey}. Each property is defined in provider/spec/agent-key.ts, and documented with its words. */
export interface SodaAgentKeyArgs {
  /**
   * The name the Soda Agent registers under (Helm value `soda.agent.name`), unique in the Soda Cloud organisation:
   * 1 to 100 letters, digits, spaces, `.`, `_` or `-`, starting and ending with a letter or digit. Changing it
   * replaces the key.
   */
  agentName: pulumi.Input<string>;
  /** Arbitrary values; any change to them creates a new key (and revokes the old one). */
  rotationTriggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Rotate once this much time has passed since the key was created: a whole number from 1 to 999999 followed by
   * `d`, `h` or `m` (`"90d"`, `"12h"`, `"30m"`). The replacement shows in `pulumi preview` once it is due. Changing
   * the period alone keeps the key, unless `replaceOnChanges` names it.
   */
  rotationPeriod?: pulumi.Input<string>;
}

/**
 * A Soda Agent (runner) key, created through the Soda Cloud API with the admin credentials of the stack config
 * (`soda:apiKeyId`, `soda:apiKeySecret`, or `SODA_API_KEY_ID` / `SODA_API_KEY_SECRET`).
 *
 * Deleting it deletes the agent's runner, which revokes the key. Every replacement deletes the old runner before
 * creating the new key, because two runners cannot share a name: the resource sets Pulumi's `deleteBeforeReplace`
 * option itself, so this holds for replacements the engine forces too (`replacementTrigger`, `pulumi up --replace`),
 * and an explicit `deleteBeforeReplace: false` is refused. Refresh records the runner once an agent has registered
 * with the key, and notices when it was deleted out of band. `replaceOnChanges: ["rotationPeriod"]` makes a change
 * of the period rotate the key; every other argument already does.
 *
 * Type token: `pulumi-nodejs:dynamic/soda:AgentKey`.
 */
export class SodaAgentKey extends pulumi.dynamic.Resource {
  /**
   * The name the Soda Agent registers under (Helm value `soda.agent.name`), unique in the Soda Cloud organisation:
   * 1 to 100 letters, digits, spaces, `.`, `_` or `-`, starting and ending with a letter or digit. Changing it
   * replaces the key.
   */
  declare public readonly agentName: pulumi.Output<string>;
  /** Arbitrary values; any change to them creates a new key (and revokes the old one). */
  declare public readonly rotationTriggers: pulumi.Output<Record<string, string> | undefined>;
  /**
   * Rotate once this much time has passed since the key was created: a whole number from 1 to 999999 followed by
   * `d`, `h` or `m` (`"90d"`, `"12h"`, `"30m"`). The replacement shows in `pulumi preview` once it is due. Changing
   * the period alone keeps the key, unless `replaceOnChanges` names it.
   */
  declare public readonly rotationPeriod: pulumi.Output<string | undefined>;
  /** The key id (Helm `soda.apikey.id`); also the resource id. */
  declare public readonly apiKeyId: pulumi.Output<string>;
  /** The key secret (Helm `soda.apikey.secret`); always a Pulumi secret. */
  declare public readonly apiKeySecret: pulumi.Output<string>;
  /** The Soda Cloud endpoint the key belongs to (Helm `soda.cloud.endpoint`). */
  declare public readonly endpoint: pulumi.Output<string>;
  /** When the key was created, ISO 8601; rotation periods count from here. */
  declare public readonly createdAt: pulumi.Output<string>;
  /** The id of the runner the agent registered as; `""` until an agent has registered (seen on refresh). */
  declare public readonly runnerId: pulumi.Output<string>;
  /** Whether an agent has registered with this key (seen on refresh). */
  declare public readonly registered: pulumi.Output<boolean>;

  /**
   * Not supported: Pulumi reads an existing resource through the provider code stored in its own state, which a
   * key not yet in this stack does not have. Always throws, saying what to do instead.
   */
  static get(name: string, _id: pulumi.Input<pulumi.ID>, _opts?: pulumi.CustomResourceOptions): SodaAgentKey {
    throw readByIdError("SodaAgentKey", name, "`SodaAgentKey.get`");
  }

  constructor(name: string, args: SodaAgentKeyArgs, opts?: pulumi.CustomResourceOptions) {
    refuseReadById("SodaAgentKey", name, opts);
    if (opts?.deleteBeforeReplace === false) {
      throw new Error(
        `SodaAgentKey "${name}": \`deleteBeforeReplace: false\` cannot be honoured. Soda Cloud refuses a second agent under the same name, so the old runner must be deleted before the new key is created. Remove the option.`,
      );
    }
    super(
      providerShim("agentKey"),
      name,
      {
        ...args,
        apiKeyId: undefined,
        apiKeySecret: undefined,
        endpoint: undefined,
        createdAt: undefined,
        runnerId: undefined,
        registered: undefined,
        // The engine applies replaceOnChanges only to changes a provider reports, and a period change alone is
        // reported as none (so that a preview does not show the key's outputs as changing): the provider applies it.
        ...withDefined(REPLACE_ON_CHANGES_INPUT, replaceOnChangesOf(opts, ["rotationPeriod"])),
        [AGENT_NAME_TAKEN_BY_INPUT]: otherClaimant(name, args.agentName),
        ...urnInput(name, "pulumi-nodejs:dynamic/soda:AgentKey", opts),
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKeySecret"], deleteBeforeReplace: true }),
      "soda",
      "AgentKey",
    );
    warnIfAdminSecretIsPlainText(this);
  }
}
