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

// Soda Core 4 reads the data source and Soda Cloud from two files: the data source configuration (from config, a
// secret) and the verified key's soda_cloud block. Both in one Secret, never in a ConfigMap.
const configuration = new k8s.core.v1.Secret(
  "soda-configuration",
  {
    metadata: { namespace: ns.metadata.name },
    stringData: {
      "data-source.yml": config.requireSecret("dataSourceConfig"),
      "soda-cloud.yml": apiKey.sodaCloudConfig,
    },
  },
  { provider: cluster },
);

// The data contract to verify (Soda Core 4's contract language); the default checks that orders has rows and ids.
const dataset = config.get("dataset") ?? "my_datasource/analytics/public/orders";
const contract = new k8s.core.v1.ConfigMap(
  "soda-contract",
  {
    metadata: { namespace: ns.metadata.name },
    data: { "contract.yml": config.get("contract") ?? `dataset: ${dataset}\ncolumns:\n  - name: id\n    checks:\n      - missing:\nchecks:\n  - row_count:\n` },
  },
  { provider: cluster },
);

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
                  // An image with Soda Core 4 and the package of your data source (e.g. soda-postgres), which Soda
                  // publishes on PyPI: build one `FROM python:3.11-slim` with `pip install`.
                  image: config.require("image"),
                  args: [
                    "contract",
                    "verify",
                    "--contract",
                    "/etc/soda/contract/contract.yml",
                    "--data-source",
                    "/etc/soda/config/data-source.yml",
                    "--soda-cloud",
                    "/etc/soda/config/soda-cloud.yml",
                    "--publish",
                  ],
                  // Side by side, not nested: a mount point inside a read-only Secret volume cannot be created.
                  volumeMounts: [
                    { name: "configuration", mountPath: "/etc/soda/config", readOnly: true },
                    { name: "contract", mountPath: "/etc/soda/contract", readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: "configuration", secret: { secretName: configuration.metadata.name } },
                { name: "contract", configMap: { name: contract.metadata.name } },
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
