import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../provider/shim";
import { readByIdError, refuseReadById } from "./resource-options";
import { urnInput } from "./resource-urn";

/** Arguments of a {@link SodaApiKey}. Each property is defined in provider/spec/api-key.ts, and documented with its words. */
export interface SodaApiKeyArgs {
  /** The key id, generated in Soda Cloud (Profile > API Keys, or a service account's keys): a UUID, and the resource id. */
  apiKeyId: pulumi.Input<string>;
  /** The key secret, shown once when the key was generated; always a Pulumi secret. */
  apiKeySecret: pulumi.Input<string>;
  /** Arbitrary values; any change to them replaces the resource (and verifies the key again). */
  rotationTriggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A Soda Cloud API key for Soda Core, the Soda Library or API clients. Soda publishes no endpoint to create, list
 * or revoke these keys, so this resource takes a key generated in Soda Cloud, verifies it against the API with the
 * key itself (no admin credentials needed), exposes it as secrets, and on refresh notices when Soda no longer
 * accepts it (revoked, user deactivated). Deleting the resource does not revoke the key.
 *
 * Type token: `pulumi-nodejs:dynamic/soda:ApiKey`.
 */
export class SodaApiKey extends pulumi.dynamic.Resource {
  /** The key id, generated in Soda Cloud (Profile > API Keys, or a service account's keys): a UUID, and the resource id. */
  declare public readonly apiKeyId: pulumi.Output<string>;
  /** The key secret, shown once when the key was generated; always a Pulumi secret. */
  declare public readonly apiKeySecret: pulumi.Output<string>;
  /** Arbitrary values; any change to them replaces the resource (and verifies the key again). */
  declare public readonly rotationTriggers: pulumi.Output<Record<string, string> | undefined>;
  /** The organisation the key belongs to, as Soda Cloud names it. */
  declare public readonly organisationName: pulumi.Output<string>;
  /** The Soda Cloud endpoint the key was verified against. */
  declare public readonly endpoint: pulumi.Output<string>;
  /** When the key was verified at creation, ISO 8601. */
  declare public readonly verifiedAt: pulumi.Output<string>;
  /** The `soda_cloud` block of a Soda Core `configuration.yml` with this key; always a Pulumi secret. */
  declare public readonly sodaCloudConfig: pulumi.Output<string>;

  /**
   * Not supported: Pulumi reads an existing resource through the provider code stored in its own state, which a
   * key not yet in this stack does not have. Always throws, saying what to do instead.
   */
  static get(name: string, _id: pulumi.Input<pulumi.ID>, _opts?: pulumi.CustomResourceOptions): SodaApiKey {
    throw readByIdError("SodaApiKey", name, "`SodaApiKey.get`");
  }

  constructor(name: string, args: SodaApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    refuseReadById("SodaApiKey", name, opts);
    super(
      providerShim("apiKey"),
      name,
      {
        ...args,
        // A plain string passed here would be stored in plain text in the inputs; make it secret from the start.
        apiKeySecret: pulumi.secret(args.apiKeySecret),
        organisationName: undefined,
        endpoint: undefined,
        verifiedAt: undefined,
        sodaCloudConfig: undefined,
        ...urnInput(name, "pulumi-nodejs:dynamic/soda:ApiKey", opts),
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKeySecret", "sodaCloudConfig"] }),
      "soda",
      "ApiKey",
    );
  }
}
