#!/usr/bin/env node
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageVersion } from "../provider/version";
import { clientUrl, isLoopbackHost, isWildcardHost } from "./bind-host";
import { CliUsageError, USAGE, parseCliArgs } from "./cli-args";
import { startEmulator, type Emulator } from "./index";
import type { KeyPair } from "./keys";

const PROGRAM = "soda-cloud-emulator";

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

/**
 * Writes a generated admin key where only this user can read it: stdout is a log that scripts and CI keep, so the
 * secret never goes there. The file is in a fresh private directory (mode 0700, the file 0600) and lives as long
 * as the emulator, whose in-memory key it is; its lines are shell assignments, so `. FILE` loads both variables.
 */
function writeGeneratedKey(key: KeyPair): string {
  const dir = mkdtempSync(join(tmpdir(), `${PROGRAM}-`));
  // Every way out goes through process.exit (signals included, see stop), so this is the one place to clean up.
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "admin-key.env");
  writeFileSync(file, `SODA_API_KEY_ID=${key.apiKeyId}\nSODA_API_KEY_SECRET=${key.apiKeySecret}\n`, { mode: 0o600, flag: "wx" });
  return file;
}

/**
 * Stderr lines for a bind that other machines can reach. The control API has no authentication, and the URL on
 * stdout names loopback for a wildcard bind, so the warning says how a remote client reaches the emulator and what
 * the provider then needs to send a key over plain http.
 */
function exposureWarning(host: string, port: number): string[] {
  const where = isWildcardHost(host) ? `every network interface (${host})` : host;
  const remoteUrl = isWildcardHost(host) ? `http://<this machine's name or address>:${port}` : clientUrl(host, port);
  return [
    `listening on ${where}: other machines can reach this emulator.`,
    `its control API (/__emulator) has no authentication: anyone who reaches port ${port} can mint keys, read the state and inject faults. Bind 127.0.0.1 (the default) unless containers or other machines must reach it.`,
    `remote clients use ${remoteUrl}; the provider sends a key over plain http to a host other than loopback only when the stack opts in: pulumi config set soda:allowInsecureHttp true (or SODA_ALLOW_INSECURE_HTTP=1).`,
  ].map((line) => `${PROGRAM}: WARNING: ${line}\n`);
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message} (see --help)\n`);
    process.exit(2);
  }
  if (config.action === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (config.action === "version") {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }

  // Installed before anything is printed: a signal that arrives before its listener kills the process outright,
  // and whoever reads the first line may signal at once. `on`, not `once`, for the same reason.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const { options } = config;
  try {
    emulator = await startEmulator({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`${PROGRAM}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (stopping) return stop();

  const host = options.host ?? "127.0.0.1";
  // URL leaves out a scheme's default port, so an empty port here is 80.
  const port = Number(new URL(emulator.url).port || 80);
  if (!isLoopbackHost(host)) for (const line of exposureWarning(host, port)) process.stderr.write(line);
  const keyFile = options.adminKeys === undefined ? writeGeneratedKey(emulator.adminKey) : undefined;

  // Scripts wait for this exact first line to learn the URL.
  process.stdout.write(`Soda Cloud emulator listening on ${emulator.url}\n`);
  if (keyFile !== undefined) {
    process.stdout.write(
      `Generated admin key ${emulator.adminKey.apiKeyId}; SODA_API_KEY_ID and SODA_API_KEY_SECRET are in ${keyFile} (readable only by you, removed when the emulator stops)\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${PROGRAM}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
