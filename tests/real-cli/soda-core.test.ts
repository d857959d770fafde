import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sodaCloudConfigYaml } from "../../provider/resources/soda-core-config";
import { startKubeCluster } from "../support/kube-cluster";
import { repoRoot } from "../support/project-dir";
import { SODA_CORE_VERSION, ensureSodaCore, sodaCloudTest, sodaContractTest, sodaCoreSkipReason, type SodaResult } from "../support/soda-core";
import { certificateSkipReason, makeTestCertificates, startConnectProxy, startTlsFront, type LocalServer } from "../support/tls-front";
import { kubeList, kubeObject, kubeStack, kubernetesBin, kubernetesSkipReason } from "./kubernetes-stack";
import { DESTROY, UP, agentKeyOf, realStack, registerAgent, skipReason, type RealStack } from "./real-stack";

/**
 * Soda Core's own CLI (`soda cloud test`, pinned in scripts/soda-core/versions.env) given the `soda_cloud` block
 * that `SodaApiKey.sodaCloudConfig` holds after a real `pulumi up`, against the emulator: accepted over http and
 * https, then refused once the key is revoked, and refused for a runner key, each in Soda Core's own words; and the
 * configuration file and the data contract the CronJob example mounts, as a real API server holds them.
 */
const sodaSkip = skipReason || sodaCoreSkipReason();
const tlsSkip = certificateSkipReason();
// The tier's own skip (no pulumi CLI) is reported by its global setup; these are this file's.
if (skipReason === "" && sodaSkip !== "") process.stderr.write(`soda-core: skipped: ${sodaSkip}\n`);
else if (skipReason === "" && tlsSkip !== "") process.stderr.write(`soda-core: https test skipped: ${tlsSkip}\n`);

// What Soda Core 4.28.0 prints (soda_core/cli/handlers/soda_cloud.py, soda_core/common/soda_cloud.py _get_token).
const ACCEPTED = "✅ Success! Tested Soda Cloud credentials in";
const REFUSED =
  "soda_core.common.exceptions.SodaCloudAuthenticationFailedException: Soda Cloud authentication failed. The provided API keys are unknown or invalid. Please verify your credentials.";
// Soda Core's exit code for errors (ExitCode.LOG_ERRORS).
const SODA_ERROR_EXIT = 3;

// Soda Core logs a request that could not be sent at all (refused connection, bad certificate) as CRITICAL, which
// its connection test does not count as an error: it then prints ACCEPTED and exits 0 anyway (seen with 4.28.0).
// So success is proven by the emulator's log and the absence of this line, never by the exit code alone.
const NOT_SENT = "Error while executing Soda Cloud query who_am_i";

function expectAccepted(result: SodaResult): void {
  expect(result.output).toContain(ACCEPTED);
  expect(result.output).not.toContain(NOT_SENT);
  expect(result.code).toBe(0);
}

function expectRefused(result: SodaResult): void {
  expect(result.output).toContain(REFUSED);
  expect(result.code).toBe(SODA_ERROR_EXIT);
}

/** The Soda Core requests the emulator answered since `from`, e.g. ["POST /api/command 200", ...]. */
function sodaCoreRequests(log: string[], from = 0): string[] {
  return log
    .slice(from)
    .filter((line) => /^POST \/api\/(command|query) /.test(line))
    .map((line) => line.replace(/ \d+ms$/, ""));
}

/** A stack of the scenario fixture with a SodaApiKey made from a fresh user key of its emulator. */
async function stackWithApiKey(): Promise<{ stack: RealStack; scanKey: { apiKeyId: string; apiKeySecret: string } }> {
  const stack = await realStack({});
  const scanKey = await stack.soda.newApiKey([]);
  await stack.cli.setConfig({ apiKeyId: scanKey.apiKeyId, apiKeySecret: { secret: scanKey.apiKeySecret } });
  return { stack, scanKey };
}

async function sodaCloudConfigOf(stack: RealStack): Promise<string> {
  return String((await stack.cli.outputs(true)).sodaCloudConfig);
}

describe.skipIf(sodaSkip)(`Soda Core ${SODA_CORE_VERSION}'s own CLI on the soda_cloud block`, () => {
  let soda: string;
  beforeAll(() => {
    soda = ensureSodaCore();
  }, 20 * 60_000);

  it("accepts the block of a pulumi up over the emulator's http with a port, refuses a runner key, and refuses the block once its key is revoked", async () => {
    const { stack, scanKey } = await stackWithApiKey();
    await stack.cli.run(UP);
    const block = await sodaCloudConfigOf(stack);
    const { hostname, port } = new URL(stack.soda.url);
    expect(block).toContain(`host: "${hostname}"\n  scheme: "http"\n  port: "${port}"\n`);

    const mark = stack.emulatorLog.length;
    const accepted = await sodaCloudTest(soda, block);
    expectAccepted(accepted);
    expect(sodaCoreRequests(stack.emulatorLog, mark)).toEqual(["POST /api/command 200", "POST /api/query 200"]);

    // An agent's key, in the block the provider would write for it: Soda Core cannot log in with it.
    await registerAgent(stack);
    const agentKey = await agentKeyOf(stack);
    const runnerMark = stack.emulatorLog.length;
    const runner = await sodaCloudTest(soda, sodaCloudConfigYaml(stack.soda.url, agentKey));
    expectRefused(runner);
    expect(sodaCoreRequests(stack.emulatorLog, runnerMark)).toEqual(["POST /api/command 401"]);

    expect((await stack.soda.control("DELETE", `/__emulator/api-keys/${scanKey.apiKeyId}`)).status).toBe(200);
    const revokedMark = stack.emulatorLog.length;
    const revoked = await sodaCloudTest(soda, block);
    expectRefused(revoked);
    expect(sodaCoreRequests(stack.emulatorLog, revokedMark)).toEqual(["POST /api/command 401"]);

    for (const result of [accepted, runner, revoked]) {
      expect(result.output).not.toContain(scanKey.apiKeySecret);
      expect(result.output).not.toContain(agentKey.apiKeySecret);
    }
  });

  it.skipIf(tlsSkip)(
    "accepts the https block (no scheme: Soda Core's default) of a pulumi up, and Soda Cloud's own bare-host form, verifying TLS",
    async () => {
      const certDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-core-tls-"));
      const servers: LocalServer[] = [];
      try {
        const certificates = makeTestCertificates(certDir, ["cloud.soda.io"]);
        const { stack, scanKey } = await stackWithApiKey();
        const front = await startTlsFront(stack.soda.url, certificates);
        servers.push(front);
        // The provider verifies the key through the same TLS front, trusting the test CA as it would a system CA.
        stack.cli.env.NODE_EXTRA_CA_CERTS = certificates.caFile;
        await stack.cli.setConfig({ "soda:host": `https://localhost:${front.port}` });
        await stack.cli.run(UP);
        const block = await sodaCloudConfigOf(stack);
        expect(block).toContain(`host: "localhost"\n  port: "${front.port}"\n`);
        expect(block).not.toContain("scheme:");

        const trusting = { REQUESTS_CA_BUNDLE: certificates.caFile };
        const mark = stack.emulatorLog.length;
        expectAccepted(await sodaCloudTest(soda, block, { env: trusting }));
        expect(sodaCoreRequests(stack.emulatorLog, mark)).toEqual(["POST /api/command 200", "POST /api/query 200"]);

        // Without the test CA, Soda Core refuses the certificate and sends nothing: the block really took it to https.
        const untrustedMark = stack.emulatorLog.length;
        const untrusted = await sodaCloudTest(soda, block);
        expect(untrusted.output).toContain(NOT_SENT);
        expect(untrusted.output).toContain("CERTIFICATE_VERIFY_FAILED");
        expect(sodaCoreRequests(stack.emulatorLog, untrustedMark)).toEqual([]);

        // The block for Soda Cloud itself is a bare host. A proxy that tunnels cloud.soda.io:443 (and nothing else)
        // to the TLS front lets Soda Core resolve it exactly as in production: https, port 443.
        const cloudBlock = sodaCloudConfigYaml("https://cloud.soda.io", scanKey);
        expect(cloudBlock).toMatch(/^soda_cloud:\n {2}host: "cloud\.soda\.io"\n {2}api_key_id: /);
        const proxy = await startConnectProxy("cloud.soda.io", front.port);
        servers.push(proxy);
        const cloudMark = stack.emulatorLog.length;
        const viaProxy = await sodaCloudTest(soda, cloudBlock, { env: { ...trusting, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } });
        expectAccepted(viaProxy);
        expect(sodaCoreRequests(stack.emulatorLog, cloudMark)).toEqual(["POST /api/command 200", "POST /api/query 200"]);
        expect(viaProxy.output + untrusted.output).not.toContain(scanKey.apiKeySecret);
      } finally {
        await Promise.all(servers.map((server) => server.close()));
        fs.rmSync(certDir, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(kubernetesSkipReason)("accepts the CronJob example's soda-cloud.yml, as its Secret mounts it, and its default contract", async () => {
    // The example through the real CLI on a real API server: the files are the ones the cluster holds, from the
    // Secret and the ConfigMap the CronJob's pod mounts.
    const cluster = await startKubeCluster({ binDir: kubernetesBin });
    try {
      const namespace = "soda-scans";
      const stack = await kubeStack(cluster, { source: path.join(repoRoot, "examples", "soda-core-cronjob"), typeCheck: true });
      const scanKey = await stack.soda.newApiKey([]);
      await stack.cli.setConfig({
        apiKeyId: scanKey.apiKeyId,
        apiKeySecret: { secret: scanKey.apiKeySecret },
        dataSourceConfig: { secret: "type: postgres\nname: my_datasource\nconnection:\n  host: db.internal\n" },
        image: "soda-core-image:4",
        namespace,
      });
      await stack.cli.run(UP);
      const [cronJob] = await kubeList(cluster, `/apis/batch/v1/namespaces/${namespace}/cronjobs`);
      const volumes: { secret?: { secretName: string }; configMap?: { name: string } }[] = cronJob.spec.jobTemplate.spec.template.spec.volumes;
      const secret = await kubeObject(cluster, `/api/v1/namespaces/${namespace}/secrets/${volumes.find((v) => v.secret)?.secret?.secretName}`);
      const file = Buffer.from(secret.data["soda-cloud.yml"], "base64").toString("utf8");
      expect(file).toMatch(/^soda_cloud:\n/);

      const mark = stack.emulatorLog.length;
      const result = await sodaCloudTest(soda, file);
      expectAccepted(result);
      expect(sodaCoreRequests(stack.emulatorLog, mark)).toEqual(["POST /api/command 200", "POST /api/query 200"]);
      expect(result.output).not.toContain(scanKey.apiKeySecret);

      const configMap = await kubeObject(cluster, `/api/v1/namespaces/${namespace}/configmaps/${volumes.find((v) => v.configMap)?.configMap?.name}`);
      const checked = await sodaContractTest(soda, configMap.data["contract.yml"]);
      expect(checked.output).toMatch(/contract\.yml is valid/);
      expect(checked.code, checked.output).toBe(0);
      await stack.cli.run(DESTROY);
    } finally {
      await cluster.stop();
    }
  });
});
