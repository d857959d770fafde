import type * as dynamic from "@pulumi/pulumi/dynamic";
import { isUnknown } from "../engine/unknowns";

/** The name of the Secret holding a key: distinct per key, so a new key changes the Release and rolls the pods. */
export function keySecretName(apiKeyId: string): string {
  return `soda-agent-apikey-${keyNameSuffix(apiKeyId)}`;
}

/**
 * The name of the image pull Secret made from a key (the registry credentials of chart 1.2.0 and later): distinct
 * per key for the same reason, so a rotated key gets a new pull Secret and the old one goes once nothing names it.
 */
export function imagePullSecretName(apiKeyId: string): string {
  return `soda-agent-registry-${keyNameSuffix(apiKeyId)}`;
}

/** Twelve DNS-1123 characters of a key id: a name per key, short enough for any prefix here. */
function keyNameSuffix(apiKeyId: string): string {
  return apiKeyId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 12);
}

/**
 * The name of the Secret SodaAgent keeps the current key in, as a resource that is updated in place, never
 * replaced, when the key changes.
 *
 * Why a resource and not `key.apiKeyId.apply(keySecretName)`: a key is replaced delete-first, and before such a
 * delete the engine deletes every dependent whose provider says it would be replaced once the key's outputs are
 * unknown. A Secret named from the key's id is one of them, so it went first, and a rotation that then failed
 * (Soda refusing to delete a runner in use) left the release naming a Secret that no longer existed until the next
 * successful `up`. Named from this resource, the Secret only sees its data change in that analysis (an update), so
 * it stays; the new Secret is created after the new key, and the old one deleted after the release moved over.
 * No network and no credentials: the name is a function of the key id.
 */
export function keySecretNameLifecycle(): Required<Omit<dynamic.ResourceProvider, "configure">> {
  const outputs = (inputs: Record<string, unknown>) => {
    const apiKeyId = inputs.apiKeyId;
    if (typeof apiKeyId !== "string" || apiKeyId === "") throw new Error("The key Secret's name needs the SodaAgentKey's apiKeyId, a non-empty string.");
    return { apiKeyId, secretName: keySecretName(apiKeyId) };
  };
  return {
    async check(_olds, news: Record<string, unknown>) {
      const failures = typeof news.apiKeyId === "string" || isUnknown(news.apiKeyId) ? [] : [{ property: "apiKeyId", reason: "must be a string" }];
      return { inputs: news, failures };
    },
    async diff(_id, olds: Record<string, unknown>, news: Record<string, unknown>) {
      // A new key is an update, never a replacement (see above).
      return { changes: isUnknown(news.apiKeyId) || news.apiKeyId !== olds.apiKeyId, replaces: [] };
    },
    async create(inputs: Record<string, unknown>) {
      const outs = outputs(inputs);
      return { id: outs.secretName, outs };
    },
    async read(id, props: Record<string, unknown>) {
      return { id, props };
    },
    async update(_id, _olds, news: Record<string, unknown>) {
      return { outs: outputs(news) };
    },
    async delete() {
      // Nothing outside the state: the Secret itself is a Kubernetes resource of its own.
    },
  };
}
