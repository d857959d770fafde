import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, inject } from "vitest";
import type { EmulatorOptions } from "../../emulator/index";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir } from "../support/project-dir";
import { PulumiCli } from "../support/pulumi-cli";

/** Why the tier skips here ("" when it runs); `describe.skipIf(skipReason)`. */
export const skipReason: string = inject("realCliSkipReason");

/** The version of the CLI under test, e.g. "3.274.1". */
export const pulumiVersion: string = inject("pulumiVersion");

/** The version of @pulumi/pulumi the programs run with, e.g. "3.248.0". */
export const pulumiSdkVersion: string = inject("pulumiSdkVersion");

/** Whether version `a` is at least `b` (x.y.z). */
function atLeast(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return true;
}

/**
 * Whether `replacementTrigger` works here: the engine honours it from CLI 3.208.0 and the Node SDK sends it from
 * @pulumi/pulumi 3.211.0; with either older, the option is ignored.
 */
export const replacementTriggerWorks: boolean = atLeast(pulumiVersion, "3.208.0") && atLeast(pulumiSdkVersion, "3.211.0");

/** The compile settings Pulumi's TypeScript runner needs (it forces nodenext resolution). */
export const TSCONFIG = JSON.stringify({
  compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: true },
  files: ["index.ts"],
});

/** A Pulumi.yaml for a TypeScript program named `name`. */
export function pulumiYaml(name: string): string {
  return `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`;
}

/** The scenario program: a SodaAgentKey (and a SodaApiKey when apiKeyId is set), arguments and options from config. */
export const KEYS_FIXTURE = path.join(__dirname, "fixtures", "keys");

/** A stack of the real CLI against a fresh emulator, in a user's project that installed the packed package. */
export interface RealStack {
  cli: PulumiCli;
  soda: EmulatorFixture;
  projectDir: string;
  /** Every line the emulator logged (one per REST request). */
  emulatorLog: string[];
  /** Stops the emulator and removes the project and the run's state. */
  close(): Promise<void>;
}

export interface RealStackOptions {
  /** A project dir made by the caller instead of a user project on the packed install; removed by close. */
  project?: { dir: string; cleanup(): void };
  /** An example directory to copy; the scenario fixture (tests/real-cli/fixtures/keys) when neither it nor files are given. */
  source?: string;
  /** Files written over it (a whole program when there is no source). */
  files?: Record<string, string>;
  /** Stack config besides the emulator's soda:host and admin key. */
  config?: Record<string, string | { secret: string }>;
  /** The `node_modules` the project links to; by default the packed install of global setup. */
  nodeModules?: string;
  /** Options of the stack's emulator (its log is always the stack's). */
  emulator?: Omit<EmulatorOptions, "log" | "port">;
  /** An emulator several stacks share (one Soda organisation), started and closed by the caller; `emulatorLog` stays empty then. */
  sharedEmulator?: EmulatorFixture;
  /**
   * Type-check the program on every run, as Pulumi's TypeScript runner does for a user: on for the examples and
   * the quickstart, which are users' programs. A test's own program is only transpiled: its types are not what it
   * tests (the consumer-types tests check every export), and type-checking costs about half a second a run.
   */
  typeCheck?: boolean;
}

/** Stacks of the running test; each is closed after it, whether it passed or not. */
const open: RealStack[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((stack) => stack.close()));
});

/** Starts a stack for the running test; it is closed after the test (see `open`). */
export async function realStack(options: RealStackOptions): Promise<RealStack> {
  const emulatorLog: string[] = [];
  const soda = options.sharedEmulator ?? (await emulatorFixture({ ...options.emulator, log: (line) => emulatorLog.push(line) }));
  const source = options.source ?? (options.files === undefined ? KEYS_FIXTURE : undefined);
  const project =
    options.project ??
    prepareProjectDir({ source, files: options.files, prefix: "soda-user-project-", nodeModules: options.nodeModules ?? inject("userNodeModules") });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-real-cli-"));
  const close = async () => {
    if (options.sharedEmulator === undefined) await soda.close();
    project.cleanup();
    fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const cli = new PulumiCli(inject("pulumiBin"), project.dir, runDir);
    if (options.typeCheck !== true) cli.env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    await cli.run(["stack", "init", "test", "--non-interactive"]);
    await cli.setConfig({
      "soda:host": soda.url,
      "soda:apiKeyId": soda.admin.apiKeyId,
      "soda:apiKeySecret": { secret: soda.admin.apiKeySecret },
      ...options.config,
    });
    const stack = { cli, soda, projectDir: project.dir, emulatorLog, close };
    open.push(stack);
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}

/** `pulumi up` flags for a run that must not stop to ask. */
export const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
export const REFRESH = ["refresh", "--yes", "--skip-preview", "--non-interactive"];
export const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];

/** The agent key's id and secret from the stack outputs (the secret only to let a simulated agent register). */
export async function agentKeyOf(stack: RealStack): Promise<{ apiKeyId: string; apiKeySecret: string }> {
  const outputs = await stack.cli.outputs(true);
  return { apiKeyId: String(outputs.agentKeyId), apiKeySecret: String(outputs.agentKeySecret) };
}

/** Simulates the Soda Agent starting with the stack's current agent key; returns the runner id. */
export async function registerAgent(stack: RealStack, name = "scenario-agent"): Promise<string> {
  const registered = await stack.soda.register(await agentKeyOf(stack), name);
  if (registered.status !== 200) throw new Error(`the emulator refused the registration: ${JSON.stringify(registered.json)}`);
  return registered.json.runner.id as string;
}

interface EmulatorKey {
  apiKeyId: string;
  kind: string;
  revoked: boolean;
  runnerId: string | null;
}

/** The emulator's runners and runner keys. */
export async function sodaView(stack: RealStack): Promise<{ runners: { id: string; name: string }[]; runnerKeys: EmulatorKey[] }> {
  const state = await stack.soda.state();
  return { runners: state.runners, runnerKeys: (state.apiKeys as EmulatorKey[]).filter((k) => k.kind === "runner") };
}

/** Runner keys that still work: not revoked (a key that never registered cannot be revoked through the API). */
export async function liveRunnerKeys(stack: RealStack): Promise<string[]> {
  return (await sodaView(stack)).runnerKeys.filter((k) => !k.revoked).map((k) => k.apiKeyId);
}

/** The stored outputs of the stack's one resource of this type (`AgentKey`, `ApiKey`), from `pulumi stack export`. */
export async function storedOutputs(stack: RealStack, type: "AgentKey" | "ApiKey"): Promise<Record<string, unknown> | undefined> {
  const state = await stack.cli.exportState();
  return state.deployment.resources?.find((r) => r.type === `pulumi-nodejs:dynamic/soda:${type}`)?.outputs;
}
