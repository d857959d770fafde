import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir, repoRoot, type ProjectDir } from "../support/project-dir";
import { PulumiCli, commandWorks, pulumiCliAvailable } from "../support/pulumi-cli";

/**
 * Each example with the real pulumi CLI against the emulator: up -> refresh --expect-no-changes -> rotate ->
 * destroy. Skips, saying why, where the CLI (or, for the Kubernetes examples, a reachable cluster) is absent.
 */
const cli = pulumiCliAvailable();
const cluster = cli && commandWorks("kubectl", ["cluster-info"]);
if (!cli) console.warn("acceptance: skipped: the pulumi CLI is not on PATH (install it from pulumi.com to run this tier).");
else if (!cluster) console.warn("acceptance: Kubernetes examples skipped: no reachable cluster (kubectl cluster-info failed).");

let env: EmulatorFixture;
let project: ProjectDir;
let stateDir: string;

beforeAll(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-acceptance-"));
  return () => fs.rmSync(stateDir, { recursive: true, force: true });
});
afterEach(async () => {
  project?.cleanup();
  await env?.close();
});

async function stackFor(source: string, files: Record<string, string> = {}): Promise<PulumiCli> {
  env = await emulatorFixture();
  project = prepareProjectDir({ source, files });
  const pulumi = new PulumiCli(project.dir, fs.mkdtempSync(path.join(stateDir, "stack-")));
  await pulumi.run(["stack", "init", "acceptance", "--non-interactive"]);
  await pulumi.setConfig({ "soda:host": env.url, "soda:apiKeyId": env.admin.apiKeyId, "soda:apiKeySecret": { secret: env.admin.apiKeySecret } });
  return pulumi;
}

async function lifecycle(pulumi: PulumiCli, rotate: Record<string, string>): Promise<void> {
  await pulumi.run(["up", "--yes", "--skip-preview", "--non-interactive"]);
  await pulumi.run(["refresh", "--yes", "--expect-no-changes", "--non-interactive"]);
  const before = (await env.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner").length;
  await pulumi.setConfig(rotate);
  await pulumi.run(["up", "--yes", "--skip-preview", "--non-interactive"]);
  expect((await env.state()).apiKeys.filter((k: { kind: string }) => k.kind === "runner").length).toBeGreaterThan(before);
  const destroy = await pulumi.run(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
  expect(destroy).not.toContain(env.admin.apiKeySecret);
  expect((await env.state()).runners).toEqual([]);
  await pulumi.run(["stack", "rm", "--yes", "--non-interactive"]);
}

describe.skipIf(!cli)("examples with the real pulumi CLI", () => {
  it("quickstart", async () => {
    const quickstart = fs.readFileSync(path.join(repoRoot, "examples", "quickstart", "index.ts"), "utf8");
    const pulumi = await stackFor(path.join(repoRoot, "examples", "quickstart"), {
      "Pulumi.yaml": fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8").replace("main: examples/quickstart/index.ts", "main: index.ts"),
      "index.ts": quickstart,
      "package.json": JSON.stringify({ name: "soda-cloud-quickstart", private: true }),
      "tsconfig.json": JSON.stringify({ compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", rootDir: ".", strict: true, skipLibCheck: true }, files: ["index.ts"] }),
    });
    const user = await env.newApiKey([]);
    await pulumi.setConfig({ apiKeyId: user.apiKeyId, apiKeySecret: { secret: user.apiKeySecret } });
    await lifecycle(pulumi, { rotation: "2" });
  });

  it("rotation", async () => {
    await lifecycle(await stackFor(path.join(repoRoot, "examples", "rotation")), { keyGeneration: "2", replacementTrigger: "2" });
  });

  it.skipIf(!cluster)("agent-on-kubernetes", async () => {
    await lifecycle(await stackFor(path.join(repoRoot, "examples", "agent-on-kubernetes")), { keyGeneration: "2" });
  });

  it.skipIf(!cluster)("soda-core-cronjob", async () => {
    const pulumi = await stackFor(path.join(repoRoot, "examples", "soda-core-cronjob"));
    const user = await env.newApiKey([]);
    await pulumi.setConfig({
      apiKeyId: user.apiKeyId,
      apiKeySecret: { secret: user.apiKeySecret },
      dataSourceConfig: { secret: "data_source my_datasource:\n  type: postgres\n" },
    });
    await lifecycle(pulumi, { keyGeneration: "2" });
  });
});
