#!/usr/bin/env node
import { CliUsageError, USAGE, parseCliArgs } from "./cli-args";
import { startEmulator, type Emulator } from "./index";

let emulator: Emulator | undefined;
let stopping = false;

/** Closes the server (if it is up yet) and exits 0; repeated signals join the same shutdown. */
function stop(): void {
  stopping = true;
  emulator?.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`soda-cloud-emulator: ${error.message} (see --help)\n`);
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  // Installed before anything is printed: a signal that arrives before its listener kills the process outright,
  // and whoever reads the first line may signal at once. `on`, not `once`, for the same reason.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  try {
    emulator = await startEmulator({ ...config.options, log: (line) => process.stdout.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`soda-cloud-emulator: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (stopping) return stop();

  // Scripts wait for this exact first line to learn the URL.
  process.stdout.write(`Soda Cloud emulator listening on ${emulator.url}\n`);
  if (config.options.adminKeys === undefined) {
    // The one deliberate print of a secret: without it nobody could use the generated key.
    const { apiKeyId, apiKeySecret } = emulator.adminKey;
    process.stdout.write(`Generated admin key: SODA_API_KEY_ID=${apiKeyId} SODA_API_KEY_SECRET=${apiKeySecret}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soda-cloud-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
