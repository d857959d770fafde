import { parseArgs } from "node:util";
import type { EmulatorOptions, RunnerInUseRule } from "./index";
import type { KeyPair } from "./keys";

/** A command-line mistake; the CLI prints the message on one line and exits 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

/** The CLI's usage text. */
export const USAGE = `Usage: soda-cloud-emulator [options]

Runs a local Soda Cloud emulator: Soda's REST API for runner keys under /api/v1,
and a control API (no auth) under /__emulator.

Options:
  --port N              TCP port, 0 to 65535 (default 0: any free port)
  --host HOST           interface to bind (default 127.0.0.1); anything else exposes
                        the unauthenticated control API and is warned about on stderr
  --data-dir DIR        keep keys and runners in DIR/state.json across restarts
  --admin-key ID:SECRET user key with MANAGE_DATASOURCES_AND_AGENTS (repeatable);
                        when none is given, one is generated: its id is printed, its
                        secret written to a file only you can read (path printed)
  --user-key ID:SECRET  user key without that permission (repeatable)
  --organisation NAME   organisation name (default "Emulated Organisation")
  --rate-window-ms N    length of the 60-second rate-limit windows, in ms
  --runner-in-use RULE  what makes a runner's delete fail as "in use": scans (default:
                        the control API's in-use flag) or scans-or-datasources (also a
                        runner that data sources are assigned to)
  --version             print the version
  --help                show this help`;

/** What the command line asks for. */
export type CliConfig = { action: "help" } | { action: "version" } | { action: "run"; options: EmulatorOptions };

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  "data-dir": { type: "string" },
  "admin-key": { type: "string", multiple: true },
  "user-key": { type: "string", multiple: true },
  organisation: { type: "string" },
  "rate-window-ms": { type: "string" },
  "runner-in-use": { type: "string" },
  version: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses the arguments after `node cli.js`; throws CliUsageError naming the offending flag. */
export function parseCliArgs(args: readonly string[]): CliConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: attachDashValues(args),
      strict: true,
      allowPositionals: false,
      options: OPTIONS,
    }));
  } catch (error) {
    throw new CliUsageError((error as Error).message.split("\n")[0]);
  }
  if (values.help === true) return { action: "help" };
  if (values.version === true) return { action: "version" };

  const options: EmulatorOptions = {};
  if (values.port !== undefined) options.port = integerFlag("--port", values.port, 0, 65535);
  if (values.host !== undefined) options.host = nonEmptyFlag("--host", values.host);
  if (values["data-dir"] !== undefined) options.dataDir = nonEmptyFlag("--data-dir", values["data-dir"]);
  if (values["admin-key"] !== undefined) options.adminKeys = values["admin-key"].map((v) => keyFlag("--admin-key", v));
  if (values["user-key"] !== undefined) options.userKeys = values["user-key"].map((v) => keyFlag("--user-key", v));
  if (values.organisation !== undefined) options.organisation = values.organisation;
  if (values["rate-window-ms"] !== undefined) {
    options.rateWindowMs = integerFlag("--rate-window-ms", values["rate-window-ms"], 1, Number.MAX_SAFE_INTEGER);
  }
  if (values["runner-in-use"] !== undefined) options.runnerInUse = runnerInUseFlag(values["runner-in-use"]);
  return { action: "run", options };
}

const RUNNER_IN_USE_RULES: readonly RunnerInUseRule[] = ["scans", "scans-or-datasources"];

function runnerInUseFlag(value: string): RunnerInUseRule {
  const rule = RUNNER_IN_USE_RULES.find((r) => r === value);
  if (rule === undefined) throw new CliUsageError(`--runner-in-use must be ${RUNNER_IN_USE_RULES.join(" or ")}, not ${JSON.stringify(value)}`);
  return rule;
}

/**
 * Joins a value that starts with "-" to its flag (`--port -1` -> `--port=-1`). parseArgs refuses such a value as
 * "ambiguous", which names no rule; joined, it reaches the flag's own check, whose message does. A flag followed
 * by one of our options, or by nothing, has no value, and says so.
 */
function attachDashValues(args: readonly string[]): string[] {
  const takesValue = (token: string) =>
    token.startsWith("--") && Object.hasOwn(OPTIONS, token.slice(2)) && (OPTIONS as Record<string, { type: string }>)[token.slice(2)].type === "string";
  const isOption = (token: string) => token === "--" || token === "-h" || (token.startsWith("--") && Object.hasOwn(OPTIONS, token.slice(2).split("=")[0]));
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (takesValue(args[i]) && (next === undefined || isOption(next))) throw new CliUsageError(`${args[i]} needs a value`);
    if (takesValue(args[i]) && next.startsWith("-")) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  return joined;
}

/** Number flags hold no secret, so the message quotes the value given. */
function integerFlag(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new CliUsageError(`${flag} must be an integer from ${min} to ${max}, not "${raw}"`);
  return value;
}

function nonEmptyFlag(flag: string, raw: string): string {
  if (raw === "") throw new CliUsageError(`${flag} must not be empty`);
  return raw;
}

/** Splits on the first colon: key ids never contain one, secrets may. The value is never echoed back. */
function keyFlag(flag: string, raw: string): KeyPair {
  const colon = raw.indexOf(":");
  if (colon <= 0 || colon === raw.length - 1) throw new CliUsageError(`${flag} must look like ID:SECRET`);
  return { apiKeyId: raw.slice(0, colon), apiKeySecret: raw.slice(colon + 1) };
}
