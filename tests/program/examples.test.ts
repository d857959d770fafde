import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { prepareProjectDir, repoRoot, type ProjectDir } from "../support/project-dir";
import { isSecretWrapped } from "../support/pulumi-grpc";
import { plain, secretLeaks } from "../support/secret-scan";
import { StandInEngine, assertSucceeded, type ConfigValue, type OperationResult } from "../support/stand-in-engine";

/**
 * The Kubernetes examples through Pulumi's language runtime and provider host, driven by the stand-in engine,
 * which echoes Kubernetes resources: what this tests that the real CLI tier cannot yet is the examples' wiring
 * without a cluster or the Kubernetes provider plugin. The real CLI runs every other example (tests/real-cli).
 */
let env: EmulatorFixture;
let project: ProjectDir;
let engine: StandInEngine;

async function startExample(name: string, config: Record<string, ConfigValue>): Promise<Record<string, ConfigValue>> {
  project = prepareProjectDir({ source: path.join(repoRoot, "examples", name) });
  const stackConfig: Record<string, ConfigValue> = {
    "soda:host": env.url,
    "soda:apiKeyId": env.admin.apiKeyId,
    "soda:apiKeySecret": { secret: env.admin.apiKeySecret },
    ...config,
  };
  engine = await StandInEngine.start({ projectDir: project.dir, config: stackConfig });
  return stackConfig;
}

async function ok(result: Promise<OperationResult>): Promise<OperationResult> {
  const done = await result;
  assertSucceeded(done);
  return done;
}

function resource(name: string) {
  const state = engine.find(name);
  if (state === undefined) throw new Error(`${name} is not in state`);
  return { id: state.id, inputs: state.inputs, outputs: state.outputs, plainOutputs: plain<Record<string, any>>(state.outputs) };
}

const runnerKeys = async () => (await env.state()).apiKeys.filter((k: { kind: string; revoked: boolean }) => k.kind === "runner");

beforeEach(async () => {
  env = await emulatorFixture();
});
afterEach(async () => {
  await engine?.close();
  project?.cleanup();
  await env?.close();
});

describe("examples/agent-on-kubernetes", () => {
  it("deploys the agent with its key in a Secret, rotates onto a new Secret, and destroys", async () => {
    const config = await startExample("agent-on-kubernetes", { agentName: "k8s-agent", waitForAgent: "false" });
    const first = await ok(engine.up());
    const key = resource("soda-agent-key");
    const secret = resource("soda-agent-apikey");
    const release = resource("soda-agent-release");
    const minted = key.plainOutputs.apiKeySecret as string;

    expect((await runnerKeys()).map((k: { apiKeyId: string }) => k.apiKeyId)).toEqual([key.id]);
    expect(isSecretWrapped(secret.inputs.stringData)).toBe(true);
    expect(plain<any>(secret.inputs.stringData)).toEqual({ SODA_API_KEY_ID: key.id, SODA_API_KEY_SECRET: minted });
    const secretName = plain<any>(secret.inputs.metadata).name;
    expect(plain<any>(release.inputs.values).soda).toMatchObject({
      apikey: { existingSecret: secretName, secretKeys: { idKey: "SODA_API_KEY_ID", secretKey: "SODA_API_KEY_SECRET" } },
      agent: { name: "k8s-agent", logLevel: "INFO" },
      cloud: { endpoint: env.url },
    });
    expect(first.stackOutputs?.secretName).toBe(secretName);
    expect(secretLeaks(first, [minted, env.admin.apiKeySecret])).toEqual([]);

    // The agent starts with the key from the Secret and registers; refresh records it.
    await env.register({ apiKeyId: key.id, apiKeySecret: minted }, "k8s-agent");
    await ok(engine.refresh());
    expect(resource("soda-agent-key").plainOutputs.registered).toBe(true);

    engine.setConfig({ ...config, keyGeneration: "2" });
    const rotation = await ok(engine.up());
    const rotated = resource("soda-agent-key");
    const rotatedSecretName = plain<any>(resource("soda-agent-apikey").inputs.metadata).name;
    expect(rotated.id).not.toBe(key.id);
    expect(rotatedSecretName).not.toBe(secretName);
    expect(plain<any>(resource("soda-agent-release").inputs.values).soda.apikey.existingSecret).toBe(rotatedSecretName);
    const keySteps = rotation.operations.filter((o) => o.name === "soda-agent-key").map((o) => `${o.op}${o.reason ? `(${o.reason})` : ""}`);
    expect(keySteps.slice(0, 2)).toEqual(["delete(replace)", "create(replace)"]);
    expect((await env.state()).runners).toEqual([]);
    expect(secretLeaks(rotation, [minted, rotated.plainOutputs.apiKeySecret, env.admin.apiKeySecret])).toEqual([]);

    await ok(engine.destroy());
    expect(Object.keys(engine.state)).toEqual([]);
  }, 90_000);
});

describe("examples/soda-core-cronjob", () => {
  it("mounts the verified key's soda_cloud block from a Secret into a CronJob", async () => {
    const scanKey = await env.newApiKey([]);
    const dataSource = "type: postgres\nname: my_datasource\nconnection:\n  host: db.internal\n  password: canary-db-password-77\n";
    await startExample("soda-core-cronjob", {
      apiKeyId: scanKey.apiKeyId,
      apiKeySecret: { secret: scanKey.apiKeySecret },
      dataSourceConfig: { secret: dataSource },
      image: "soda-core-image:4",
    });
    const result = await ok(engine.up());
    const configuration = resource("soda-configuration");
    expect(isSecretWrapped(configuration.inputs.stringData)).toBe(true);
    const files = plain<any>(configuration.inputs.stringData) as Record<string, string>;
    expect(files["data-source.yml"]).toBe(dataSource);
    expect(files["soda-cloud.yml"]).toContain(`api_key_id: "${scanKey.apiKeyId}"`);
    expect(files["soda-cloud.yml"]).toContain(`api_key_secret: "${scanKey.apiKeySecret}"`);
    const cronJob = plain<any>(resource("soda-scan").inputs);
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    expect(pod.volumes[0].secret.secretName).toBe(plain<any>(configuration.outputs.metadata).name);
    expect(pod.containers[0].image).toBe("soda-core-image:4");
    expect(pod.containers[0].args).toEqual([
      "contract", "verify",
      "--contract", "/etc/soda/contract/contract.yml",
      "--data-source", "/etc/soda/config/data-source.yml",
      "--soda-cloud", "/etc/soda/config/soda-cloud.yml",
      "--publish",
    ]);
    // Every file the command names is mounted where it looks.
    expect(pod.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(["/etc/soda/config", "/etc/soda/contract"]);
    expect(result.stackOutputs?.organisation).toEqual(expect.any(String));
    expect(secretLeaks(result, [scanKey.apiKeySecret, "canary-db-password-77", env.admin.apiKeySecret])).toEqual([]);
    await ok(engine.destroy());
  }, 90_000);
});
