/**
 * Pulumi's markers in property values on the wire, as `@pulumi/pulumi/runtime/rpc` defines them (a test holds these
 * to its exports). Written out rather than imported: that module loads most of the Pulumi runtime, which the plugin
 * otherwise never loads and the provider host would pay for on its first call.
 */

/** During `pulumi preview`, a value that depends on resources not created yet arrives as this string. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The key of an object that stands for a special value: a secret, an asset, an output, a resource reference. */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** The signature of a secret: `{ [SPECIAL_SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
