import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SodaApiKey } from "pulumi-soda-cloud";

const config = new pulumi.Config();

// Generated in Soda Cloud (Profile > API Keys, or a service account) and kept as stack secrets.
const apiKey = new SodaApiKey("scan-key", {
  apiKeyId: config.require("apiKeyId"),
  apiKeySecret: config.requireSecret("apiKeySecret"),
  // Bump to re-verify after replacing the key in Soda Cloud.
  rotationTriggers: { generation: config.get("keyGeneration") ?? "1" },
});

const cluster = new k8s.Provider("cluster", { kubeconfig: config.get("kubeconfig"), context: config.get("kubeContext") });
const namespace = config.get("namespace") ?? "soda-scans";
const ns = new k8s.core.v1.Namespace("scans", { metadata: { name: namespace } }, { provider: cluster });

// configuration.yml for `soda scan`: the data source (from config, a secret) followed by the soda_cloud block.
const dataSourceConfig = config.requireSecret("dataSourceConfig");
const configuration = new k8s.core.v1.Secret(
  "soda-configuration",
  {
    metadata: { namespace: ns.metadata.name },
    stringData: { "configuration.yml": pulumi.interpolate`${dataSourceConfig}\n${apiKey.sodaCloudConfig}` },
  },
  { provider: cluster },
);

const checks = new k8s.core.v1.ConfigMap(
  "soda-checks",
  {
    metadata: { namespace: ns.metadata.name },
    data: { "checks.yml": config.get("checks") ?? "checks for orders:\n  - row_count > 0\n" },
  },
  { provider: cluster },
);

const dataSource = config.get("dataSource") ?? "my_datasource";
const scan = new k8s.batch.v1.CronJob(
  "soda-scan",
  {
    metadata: { namespace: ns.metadata.name },
    spec: {
      schedule: config.get("schedule") ?? "0 6 * * *",
      concurrencyPolicy: "Forbid",
      jobTemplate: {
        spec: {
          backoffLimit: 1,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [
                {
                  name: "soda",
                  image: config.get("image") ?? "sodadata/soda-core",
                  args: ["scan", "-d", dataSource, "-c", "/etc/soda/configuration.yml", "/etc/soda/checks/checks.yml"],
                  volumeMounts: [
                    { name: "configuration", mountPath: "/etc/soda", readOnly: true },
                    { name: "checks", mountPath: "/etc/soda/checks", readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: "configuration", secret: { secretName: configuration.metadata.name } },
                { name: "checks", configMap: { name: checks.metadata.name } },
              ],
            },
          },
        },
      },
    },
  },
  { provider: cluster },
);

export const organisation = apiKey.organisationName;
export const verifiedAt = apiKey.verifiedAt;
export const configurationSecret = configuration.metadata.name;
export const cronJob = scan.metadata.name;
