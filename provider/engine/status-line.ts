import { AsyncLocalStorage } from "node:async_hooks";

/**
 * A passing status beside one resource in `pulumi up` (the engine's ephemeral log): the last one shows on the
 * resource's row until it is done, and none stays in the output's diagnostics. Never throws, never waits.
 */
export type StatusLine = (message: string) => void;

/**
 * The status line of the resource whose provider call is running. Clients and pacers are shared by every resource
 * of a process, so a wait deep inside one (the pacer's) learns whose it is from the async context of the call.
 */
const currentCall = new AsyncLocalStorage<StatusLine>();

/** The status line of the resource whose call is running here, if there is one. */
export function currentStatusLine(): StatusLine | undefined {
  return currentCall.getStore();
}

/**
 * The lifecycle with each of its calls run with `status` as the current status line; each call answers only once
 * `delivered()` resolves (the lines it sent have reached whoever shows them), so that none lands after its answer.
 */
export function withStatusLine<T extends object>(lifecycle: T, status: StatusLine, delivered: () => Promise<void> = () => Promise.resolve()): T {
  const scoped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(lifecycle) as [string, unknown][]) {
    scoped[name] =
      typeof method === "function"
        ? (...args: unknown[]) =>
            currentCall.run(status, async () => {
              try {
                const result: unknown = await (method as (...a: unknown[]) => unknown).apply(lifecycle, args);
                return result;
              } finally {
                await delivered();
              }
            })
        : method;
  }
  return scoped as T;
}
