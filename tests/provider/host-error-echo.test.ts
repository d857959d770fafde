import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * The Node dynamic provider host echoes every error of check, diff, read, update and delete to stderr with its
 * stack (`console.error(`${e}: ${e.stack}`)`); inside a provider host that echo, and only it, is kept out.
 */
const HOST_ARGV = [process.argv[0], "/project/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:43210"];
const savedArgv = process.argv;
const savedConsoleError = console.error;

afterEach(() => {
  process.argv = savedArgv;
  console.error = savedConsoleError;
  vi.resetModules();
});

/** The module loaded as a provider host (or not) would load it, with console.error recording what it prints. */
async function load(argv: string[]) {
  process.argv = argv;
  const printed: unknown[][] = [];
  console.error = (...args: unknown[]) => void printed.push(args);
  const { withoutHostEcho } = await import("../../provider/dynamic/host-error-echo.js");
  return { withoutHostEcho, printed };
}

/** What Pulumi's host does with an error a lifecycle call threw. */
async function hostCall(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (e) {
    console.error(`${e}: ${(e as Error).stack}`);
    return e as Error;
  }
  throw new Error("the call did not fail");
}

describe("the provider host's stderr echo of an error", () => {
  it("is kept out in a provider host; the error itself still reaches the host, and other stderr lines pass", async () => {
    const { withoutHostEcho, printed } = await load(HOST_ARGV);
    const lifecycle = withoutHostEcho({ delete: async () => Promise.reject(new Error("Soda Cloud refused to delete agent")) });
    const error = await hostCall(() => lifecycle.delete());
    expect(error.message).toBe("Soda Cloud refused to delete agent");
    console.error("something else");
    expect(printed).toEqual([["something else"]]);
  });

  it("stays with --logtostderr or -v (debugging wants its frames), and outside a provider host", async () => {
    for (const argv of [
      [...HOST_ARGV, "--logtostderr"],
      [...HOST_ARGV, "-v=9"],
      [process.argv[0], "/some/script.js"],
    ]) {
      const { withoutHostEcho, printed } = await load(argv);
      const lifecycle = withoutHostEcho({ read: async () => Promise.reject(new Error("boom")) });
      await hostCall(() => lifecycle.read());
      expect(printed).toHaveLength(1);
      expect(String(printed[0][0])).toMatch(/^Error: boom: Error: boom\n\s+at /);
      console.error = savedConsoleError;
      vi.resetModules();
    }
  });

  it("leaves create alone: the host returns its error without an echo", async () => {
    const { withoutHostEcho, printed } = await load(HOST_ARGV);
    const thrown = new Error("create failed");
    const lifecycle = withoutHostEcho({ create: async () => Promise.reject(thrown) });
    await expect(lifecycle.create()).rejects.toBe(thrown);
    console.error(`${thrown}: ${thrown.stack}`);
    expect(printed).toHaveLength(1);
  });
});
