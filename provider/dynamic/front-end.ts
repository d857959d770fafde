import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { Lifecycle } from "../resources/lifecycle";

/** A lifecycle as Pulumi's Node dynamic provider host calls it. */
export type DynamicLifecycle = Required<Omit<dynamic.ResourceProvider, "configure">>;

/**
 * The dynamic provider host's view of a lifecycle. Its one limit that matters here: it has no detailed diff, so an
 * update shows in a preview as every output changing, and with them everything built from the key (its Secret, the
 * agent's release). The arguments that change in place change nothing remote (a rotation period, a wait's timeout),
 * so they are reported as no change: the engine still stores the new inputs, and the next diff reads them.
 */
export function dynamicLifecycle(core: Lifecycle): DynamicLifecycle {
  return {
    check: (olds: Record<string, unknown>, news: Record<string, unknown>) => core.check(olds, news),
    async diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const { replaces, deleteBeforeReplace } = await core.diff(id, olds, news);
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace };
    },
    create: (inputs: Record<string, unknown>) => core.create(inputs),
    read: (id: string, props: Record<string, unknown>) => core.read(id, props),
    update: (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => core.update(id, olds, news),
    delete: (id: string, props: Record<string, unknown>) => core.delete(id, props),
  };
}
