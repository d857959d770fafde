import { providerHostEngineAddress } from "../engine/engine-log";

/**
 * Pulumi's Node dynamic provider host prints every error that check, diff, read, update or delete throws to stderr,
 * as `${error}: ${error.stack}`, before it returns the error to the engine (`cmd/dynamic-provider` in
 * @pulumi/pulumi), and the engine shows a plugin's stderr on the stack. The user would see the message again, with
 * JavaScript frames, beside the one the engine reports on the resource. The engine still gets every error through
 * gRPC; this keeps that echo, and only that, out of stderr. With `--logtostderr` or `-v` (the engine passes them to
 * its plugins for `--debug` and verbose runs) the echo stays: its frames are what debugging wants.
 */

/** The calls whose errors the host echoes (create's it only returns). */
const ECHOED = new Set(["check", "diff", "read", "update", "delete"]);

/** The echoes still to come: the exact text the host prints for each error thrown. */
const pending = new Set<string>();
let installed = false;

/** `lifecycle` with every call's thrown error kept out of the host's stderr echo (see above). */
export function withoutHostEcho<T extends object>(lifecycle: T): T {
  const wrapped = {} as T;
  for (const [name, method] of Object.entries(lifecycle) as [keyof T, unknown][]) {
    wrapped[name] = (
      typeof method !== "function" || !ECHOED.has(String(name))
        ? method
        : async (...args: unknown[]) => {
            try {
              return await (method as (...a: unknown[]) => unknown).apply(lifecycle, args);
            } catch (error) {
              if (error instanceof Error) expectEcho(error);
              throw error;
            }
          }
    ) as T[keyof T];
  }
  return wrapped;
}

function expectEcho(error: Error): void {
  if (!installed) install();
  if (installed) pending.add(`${String(error)}: ${error.stack}`);
}

function install(): void {
  if (providerHostEngineAddress() === undefined || process.argv.some((arg) => arg === "--logtostderr" || /^-v(=\d+)?$/.test(arg))) return;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === "string" && pending.delete(args[0])) return;
    original(...args);
  };
  installed = true;
}
