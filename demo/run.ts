import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "pulumi-soda-cloud/emulator";
import { commandWorks, ensurePulumiCli, goAvailable } from "../tests/support/pulumi-cli-build";
import { CliStack } from "./cli-stack";
import { Narrator, describeEmulatorState, short } from "./narrator";
import { DEMO_AGENT_NAME, quickstartProject } from "./quickstart-project";

/** What to install where no pulumi CLI can be had: the demo says it in one line and exits non-zero. */
const NO_CLI =
  "The demo runs the real pulumi CLI, and none can be had here: install Go 1.25 or newer (go.dev/doc/install) so that scripts/pulumi-cli/build.sh can build it, or put a pulumi 3.139.0 or newer on PATH.";

export interface DemoOptions {
  /** Where the story goes; stdout by default. */
  write?: (line: string) => void;
}

/**
 * The main job: the quickstart against a freshly started Soda Cloud emulator, step by step: keys created (secrets
 * masked), the emulator's view of them, an agent registering, a rotation, and the destroy that revokes the
 * agent's runner. Everything it starts, it stops; every temp dir it makes, it removes.
 */
export async function runDemo(options: DemoOptions = {}): Promise<void> {
  // Before anything is printed or started: without a CLI the demo has nothing to show.
  if (!goAvailable() && !commandWorks("pulumi", ["version"])) throw new Error(NO_CLI);
  const say = new Narrator(options.write ?? ((line) => process.stdout.write(`${line}\n`)));
  const started = Date.now();
  say.title("pulumi-soda-cloud demo: the quickstart against a local Soda Cloud emulator");
  say.line(
    "Using the real pulumi CLI: one on PATH of a supported version, else built from Go modules (first run only: several minutes, progress below; cached after).",
  );
  const cliBin = ensurePulumiCli();
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-demo-state-"));
  const project = quickstartProject();
  let emulator: Emulator | undefined;
  let stack: CliStack | undefined;
  try {
    say.begin("Start the Soda Cloud emulator");
    emulator = await startEmulator({ port: 0, dataDir: path.join(tempDir, "emulator"), organisation: "Demo Organisation" });
    const control = controlApi(emulator.url);
    const apiKey = (await control("POST", "/__emulator/api-keys", { permissions: [] })) as { apiKeyId: string; apiKeySecret: string };
    say.detail(`Listening on ${emulator.url}, organisation "Demo Organisation", data in a temp dir.`);
    say.detail(`Stack config: soda:host = ${emulator.url}, soda:apiKeyId = ${short(emulator.adminKey.apiKeyId)} (an admin key), soda:apiKeySecret = [secret].`);
    say.detail(`An API key for Soda Core, as Profile > API Keys would make it: apiKeyId = ${short(apiKey.apiKeyId)}, apiKeySecret = [secret].`);

    const config = { sodaHost: emulator.url, admin: emulator.adminKey, apiKey, agentName: DEMO_AGENT_NAME };
    stack = await CliStack.start(cliBin, project.dir, path.join(tempDir, "pulumi"), config);
    const emulatorView = async () => describeEmulatorState((await control("GET", "/__emulator/state")) as Parameters<typeof describeEmulatorState>[0]);

    say.detail(`Pulumi commands below are run by ${stack.driver}.`);

    say.begin("pulumi up: the quickstart creates a SodaAgentKey and verifies a SodaApiKey");
    show(say, await stack.up());
    say.detail(await emulatorView());

    say.begin(`A Soda Agent starts with the new key and registers as "${DEMO_AGENT_NAME}" (simulated through the emulator's control API)`);
    const key = await stack.agentKey();
    const registered = (await control("POST", "/__emulator/agents/register", {
      apiKeyId: key.apiKeyId,
      apiKeySecret: key.apiKeySecret,
      name: DEMO_AGENT_NAME,
    })) as { runner: { id: string } };
    say.detail(`The agent registered as runner ${short(registered.runner.id)}.`);
    say.detail(await emulatorView());

    say.begin("pulumi refresh: the provider finds the runner the agent registered as");
    show(say, await stack.refresh());
    const refreshed = await stack.agentKey();
    say.detail(
      `agent-key: registered = ${refreshed.registered}, runnerId = ${short(refreshed.runnerId)} (in the resource's state; the stack outputs follow at the next \`pulumi up\`).`,
    );

    say.begin("Rotation: `pulumi config set rotation 2` and `pulumi up` replace the key, deleting the old runner first");
    await stack.setConfig("rotation", "2");
    show(say, await stack.up());
    const rotated = await stack.agentKey();
    say.detail(`The new key is ${short(rotated.apiKeyId)}; the old key ${short(key.apiKeyId)} was revoked with its runner.`);
    say.detail(await emulatorView());

    say.begin("The agent restarts with the new key and registers again under the same name; pulumi refresh records it");
    const reregistered = (await control("POST", "/__emulator/agents/register", {
      apiKeyId: rotated.apiKeyId,
      apiKeySecret: rotated.apiKeySecret,
      name: DEMO_AGENT_NAME,
    })) as { runner: { id: string } };
    show(say, await stack.refresh());
    say.detail(`agent-key: registered = ${(await stack.agentKey()).registered}, runnerId = ${short(reregistered.runner.id)}.`);
    say.detail(await emulatorView());

    say.begin("pulumi destroy: deletes the agent's runner, which revokes its key, and warns about the API key Soda cannot revoke");
    show(say, await stack.destroy());
    say.detail(await emulatorView());
  } finally {
    await stack?.close().catch(() => undefined);
    await emulator?.close();
    project.cleanup();
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
  say.line("");
  say.line(`Stopped the emulator and removed its temp dir. Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

/** What the CLI printed for a step, as details of the current one. */
function show(say: Narrator, lines: string[]): void {
  for (const line of lines) say.detail(line);
}

/** A tiny client of the emulator's control API (no auth; loopback only). */
function controlApi(url: string) {
  return async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control API ${method} ${route} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  };
}

if (require.main === module) {
  runDemo().catch((error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
