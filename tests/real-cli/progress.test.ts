import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir } from "../support/project-dir";
import { PulumiCli } from "../support/pulumi-cli";
import { pulumiYaml, skipReason, TSCONFIG, UP } from "./real-stack";

/**
 * What a resource waits for, beside it in the real `pulumi up` output: the engine's ephemeral status, which the
 * non-interactive display prints as the resource's row each time it changes (the interactive one updates the row
 * in place). Against an emulator whose rate-limit windows last 6 s instead of a minute, as the provider is told.
 */

const RATE_WINDOW_MS = 6_000;

/** Twelve keys (Soda allows ten creates a window, so two wait), and, with `waitFor` set, the wait for key-0's agent. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey, SodaAgentRegistration } from "pulumi-soda-cloud";

const keys = Array.from({ length: 12 }, (_, i) => new SodaAgentKey(\`key-\${i}\`, { agentName: \`agent-\${i}\` }));
if (new pulumi.Config().getBoolean("waitFor")) {
  new SodaAgentRegistration("wait", { agentName: keys[0].agentName, apiKeyId: keys[0].apiKeyId, endpoint: keys[0].endpoint, timeoutSeconds: 60 });
}
export const firstKeyId = keys[0].apiKeyId;
export const firstKeySecret = keys[0].apiKeySecret;
`;

interface ProgressStack {
  cli: PulumiCli;
  soda: EmulatorFixture;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A user's project on the packed install, against an emulator with scaled windows (real-stack.ts, with the emulator's options). */
async function progressStack(): Promise<ProgressStack> {
  const soda = await emulatorFixture({ rateWindowMs: RATE_WINDOW_MS });
  const project = prepareProjectDir({
    files: {
      "Pulumi.yaml": pulumiYaml("soda-progress"),
      "tsconfig.json": TSCONFIG,
      "index.ts": PROGRAM,
      "package.json": JSON.stringify({ name: "soda-progress", private: true, main: "index.ts" }),
    },
    prefix: "soda-user-project-",
    nodeModules: inject("userNodeModules"),
  });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-real-cli-"));
  closers.push(async () => {
    await soda.close();
    project.cleanup();
    fs.rmSync(runDir, { recursive: true, force: true });
  });
  const cli = new PulumiCli(inject("pulumiBin"), project.dir, runDir);
  cli.env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
  await cli.run(["stack", "init", "test", "--non-interactive"]);
  await cli.setConfig({
    "soda:host": soda.url,
    "soda:apiKeyId": soda.admin.apiKeyId,
    "soda:apiKeySecret": { secret: soda.admin.apiKeySecret },
    "soda:rateWindowMs": String(RATE_WINDOW_MS),
  });
  return { cli, soda };
}

/** The rows the display printed for one resource (type and name), in order. */
function rowsOf(output: string, type: string, name: string): string[] {
  return output.split("\n").filter((line) => new RegExp(`${type} +${name} `).test(line));
}

describe.skipIf(skipReason)("progress while waiting, through the real pulumi CLI", () => {
  it("a key held back by Soda's create limit, and the wait for an agent, say what they wait for and how long, on their own rows", async () => {
    const { cli, soda } = await progressStack();

    const keys = await cli.run(UP);
    const waitingRows = keys.split("\n").filter((line) => /waiting \d+ s for Soda's limit/.test(line));
    // Two keys waited, each on its own row, while it was being created.
    expect(new Set(waitingRows.map((line) => /soda:AgentKey +(key-\d+) /.exec(line)?.[1]))).toHaveProperty("size", 2);
    for (const line of waitingRows)
      expect(line).toMatch(
        /^ \+ +pulumi-nodejs:dynamic\/soda:AgentKey +key-\d+ +creating \(\d+s\) +waiting [1-6] s for Soda's limit of 10 agent creates per 6 s$/,
      );
    expect(keys).toMatch(/soda:AgentKey +key-\d+ +creating \(\d+s\) +waited [5-7] s for Soda's limit of 10 agent creates per 6 s$/m);
    // Passing statuses: not diagnostics, and the rows end as created.
    expect(keys).not.toMatch(/Diagnostics:/);
    expect(soda.emulator.requests().filter((r) => r.status === 429)).toEqual([]);

    // The agent of key-0 registers once the wait has looked twice (at 0 s and 5 s) and found nothing.
    const firstKey = await cli.outputs(true);
    const listsBefore = soda.emulator.requests().filter((r) => r.path === "/api/v1/runners").length;
    await cli.setConfig({ waitFor: "true" });
    const waiting = cli.exec(UP);
    const registered = (async () => {
      while (soda.emulator.requests().filter((r) => r.path === "/api/v1/runners").length < listsBefore + 2)
        await new Promise((resolve) => setTimeout(resolve, 100));
      return soda.register({ apiKeyId: String(firstKey.firstKeyId), apiKeySecret: String(firstKey.firstKeySecret) }, "agent-0");
    })();
    const agent = await waiting;
    expect(agent.code, agent.output).toBe(0);
    expect((await registered).status).toBe(200);
    expect(
      rowsOf(agent.output, "soda:AgentRegistration", "wait").map((row) => row.replace(/\(\d+s\)/, "(…)").replace(/waited 1[01] s/, "waited 10 s")),
    ).toEqual([
      " +  pulumi-nodejs:dynamic/soda:AgentRegistration wait creating (…) ",
      ' +  pulumi-nodejs:dynamic/soda:AgentRegistration wait creating (…) waiting for agent "agent-0" to register (0 s of 60 s)',
      ' +  pulumi-nodejs:dynamic/soda:AgentRegistration wait creating (…) waiting for agent "agent-0" to register (5 s of 60 s)',
      ' +  pulumi-nodejs:dynamic/soda:AgentRegistration wait creating (…) waited 10 s for agent "agent-0" to register',
      ' +  pulumi-nodejs:dynamic/soda:AgentRegistration wait created (…) waited 10 s for agent "agent-0" to register',
    ]);
    expect(agent.output).not.toContain(String(firstKey.firstKeySecret));
    expect(keys).not.toContain(soda.admin.apiKeySecret);
  });
});
