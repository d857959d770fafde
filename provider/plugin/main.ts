import { packageVersion } from "../version";
import { servePlugin } from "./server";

/**
 * Entry point of `pulumi-resource-soda`. The engine starts a plugin with flags and its own gRPC address as the
 * last argument, and reads the port the plugin listens on from its first line of stdout.
 */
export async function main(argv: string[]): Promise<void> {
  const engineAddress = argv.filter((arg) => /^[\w.[\]:-]+:\d+$/.test(arg)).pop();
  const served = await servePlugin({ version: packageVersion(), engineAddress });
  process.stdout.write(`${served.port}\n`);
  // The engine ends a plugin with SIGINT or by closing its stdin when it no longer needs it.
  const shutdown = () => {
    served.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`pulumi-resource-soda could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
