import { packageVersion } from "../version";
import { servePlugin } from "./server";

/**
 * Entry point of `pulumi-resource-soda`. The engine starts a plugin with flags and its own gRPC address as the
 * last argument, and reads the port the plugin listens on from its first line of stdout.
 *
 * What ends it: the engine sends SIGINT to the plugin's process group when it no longer needs the plugin, and
 * SIGKILL five seconds later if it is still there (`Plugin.Close` in Pulumi's sdk/go/common/resource/plugin). Both
 * SIGINT and SIGTERM (any other supervisor's) stop the server and exit; the handlers are in place before the port
 * is printed, so a signal that follows the port at once still runs them.
 */
export async function main(argv: string[]): Promise<void> {
  const engineAddress = argv.filter((arg) => /^[\w.[\]:-]+:\d+$/.test(arg)).pop();
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    (stop?.() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  const served = await servePlugin({ version: packageVersion(), engineAddress });
  stop = () => served.stop();
  // A signal while the server started: nothing was printed, so no engine waits for this plugin.
  if (stopping) return served.stop();
  process.stdout.write(`${served.port}\n`);
}

/** Runs the plugin with this process's arguments; a failure to start is one line on stderr and exit code 1. */
export function run(): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`pulumi-resource-soda could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

if (require.main === module) run();
