import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { REGION_HOSTS } from "../provider/client/soda-api";
import { keySecretName } from "../provider/resources/key-secret-name";
import { providerShim } from "../provider/shim";
import { SodaAgentKey } from "./agent-key";
import { SodaAgentRegistration } from "./agent-registration";
import { deepMerge } from "./deep-merge";

/** Data keys of the key's Secret: the chart's defaults, so `secretKeys` read like the chart's own Secret. */
export const API_KEY_ID_DATA_KEY = "SODA_API_KEY_ID";
export const API_KEY_SECRET_DATA_KEY = "SODA_API_KEY_SECRET";

/** Soda's public Helm repository and chart. */
export const DEFAULT_CHART_REPO = "https://helm.soda.io/soda-agent/";
export const CHART_NAME = "soda-agent";

/** Arguments of a {@link SodaAgent}. */
export interface SodaAgentArgs {
  /** The agent's name in Soda Cloud (Helm `soda.agent.name`), unique in the organisation. */
  agentName: pulumi.Input<string>;
  /** Namespace of the agent. Default `"soda-agent"`. */
  namespace?: pulumi.Input<string>;
  /** Whether to create the namespace. Default `true`; set `false` when it exists already. */
  createNamespace?: boolean;
  /** Helm release name. Default `"soda-agent"`. */
  releaseName?: pulumi.Input<string>;
  /**
   * The `soda-agent` chart: a version (default: the repository's newest) and a repository URL (default Soda's public
   * one); or `path`, a chart directory or archive on this machine (a vendored copy, for clusters without access to
   * Soda's repository), which takes the place of both.
   */
  chart?: { version?: string; repo?: string; path?: string };
  /**
   * Do not wait for the release's workloads to become ready (Helm's `--wait`, which Pulumi applies by default).
   * Default `false`. Set it where no controller or node will ever run the pods (a bare API server in tests), or
   * when `waitForAgent` is the readiness you care about.
   */
  skipAwait?: boolean;
  /**
   * Make `pulumi up` finish only once the agent has registered with Soda Cloud under `agentName` with the new key and
   * is online, within `timeoutSeconds` (default 300); otherwise the `up` fails saying what to look at. Every
   * rotation waits again. `true` waits with the default timeout.
   */
  waitForAgent?: boolean | { timeoutSeconds?: pulumi.Input<number> };
  /** Helm values deep-merged over the ones this component sets (objects merge, anything else replaces). */
  values?: pulumi.Input<object>;
  /** Passed to the {@link SodaAgentKey}: any change creates a new key and rolls the agent onto it. */
  rotationTriggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Passed to the {@link SodaAgentKey}: rotate once this much time has passed (`"90d"`, `"12h"`, `"30m"`). */
  rotationPeriod?: pulumi.Input<string>;
}

export { keySecretName };

/** The chart's `soda.cloud` values for an endpoint: the endpoint itself, plus the region for the US one. */
export function cloudValues(endpoint: string): Record<string, string> {
  return endpoint === REGION_HOSTS.us ? { endpoint, region: "us" } : { endpoint };
}

/**
 * A Soda Agent on Kubernetes: a {@link SodaAgentKey}, a Secret holding it, and a Helm release of the `soda-agent`
 * chart that reads the key from that Secret (`soda.apikey.existingSecret`).
 *
 * Rotation (a new key by `rotationTriggers`, `rotationPeriod` or Pulumi's `replacementTrigger`) reaches the running
 * agent: each key gets its own Secret, so the Release changes and its pods roll onto the new key. The sequence is
 * written down in the README. Pass a Kubernetes provider through `opts.providers` or `opts.provider`.
 */
export class SodaAgent extends pulumi.ComponentResource {
  /** The agent's key. */
  readonly key: SodaAgentKey;
  /** The namespace the agent runs in. */
  readonly namespace: pulumi.Output<string>;
  /** The name of the Secret that holds the current key. */
  readonly secretName: pulumi.Output<string>;
  /** The Helm release name. */
  readonly releaseName: pulumi.Output<string>;
  /** Helm's status of the release, e.g. `deployed`. */
  readonly releaseStatus: pulumi.Output<string>;
  /** The Helm release. */
  readonly release: k8s.helm.v3.Release;
  /** The wait for the agent's registration, with `waitForAgent`; its `runnerId` is the agent's runner. */
  readonly registration?: SodaAgentRegistration;

  constructor(name: string, args: SodaAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("soda:index:SodaAgent", name, {}, opts);
    const namespaceName = pulumi.output(args.namespace ?? "soda-agent");

    this.key = new SodaAgentKey(
      `${name}-key`,
      { agentName: args.agentName, rotationTriggers: args.rotationTriggers, rotationPeriod: args.rotationPeriod },
      { parent: this },
    );

    const namespace =
      args.createNamespace === false ? undefined : new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: namespaceName } }, { parent: this });
    this.namespace = namespace?.metadata.name ?? namespaceName;

    const secret = new k8s.core.v1.Secret(
      `${name}-apikey`,
      {
        // From a resource updated in place, not from the key: see provider/resources/key-secret-name.ts.
        metadata: { name: new KeySecretName(`${name}-apikey-name`, { apiKeyId: this.key.apiKeyId }, { parent: this }).secretName, namespace: this.namespace },
        type: "Opaque",
        stringData: pulumi.secret({ [API_KEY_ID_DATA_KEY]: this.key.apiKeyId, [API_KEY_SECRET_DATA_KEY]: this.key.apiKeySecret }),
      },
      { parent: this },
    );
    this.secretName = secret.metadata.name;

    const ours = {
      soda: {
        apikey: { existingSecret: this.secretName, secretKeys: { idKey: API_KEY_ID_DATA_KEY, secretKey: API_KEY_SECRET_DATA_KEY } },
        agent: { name: args.agentName },
        cloud: this.key.endpoint.apply(cloudValues),
      },
    };
    const values = pulumi.all([pulumi.output(ours), pulumi.output(args.values ?? {})]).apply(([o, user]) => deepMerge(o as Record<string, unknown>, user as Record<string, unknown>));

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: args.releaseName ?? "soda-agent",
        ...chartSource(name, args.chart),
        namespace: this.namespace,
        values,
        skipAwait: args.skipAwait,
      },
      { parent: this },
    );
    this.releaseName = this.release.name;
    this.releaseStatus = this.release.status.status;

    if (args.waitForAgent !== undefined && args.waitForAgent !== false) {
      this.registration = new SodaAgentRegistration(
        `${name}-registration`,
        {
          agentName: this.key.agentName,
          apiKeyId: this.key.apiKeyId,
          endpoint: this.key.endpoint,
          timeoutSeconds: args.waitForAgent === true ? undefined : args.waitForAgent.timeoutSeconds,
          namespace: this.namespace,
        },
        { parent: this, dependsOn: [this.release] },
      );
    }

    this.registerOutputs({
      namespace: this.namespace,
      secretName: this.secretName,
      releaseName: this.releaseName,
      releaseStatus: this.releaseStatus,
      runnerId: this.registration?.runnerId,
    });
  }
}

/** Where the Release takes the chart from: a local path, or Soda's chart from a repository. */
function chartSource(name: string, chart: SodaAgentArgs["chart"]): Pick<k8s.helm.v3.ReleaseArgs, "chart" | "version" | "repositoryOpts"> {
  if (chart?.path === undefined) return { chart: CHART_NAME, version: chart?.version, repositoryOpts: { repo: chart?.repo ?? DEFAULT_CHART_REPO } };
  if (chart.version !== undefined || chart.repo !== undefined) {
    throw new Error(`SodaAgent "${name}": chart.path names the chart itself, so chart.version and chart.repo cannot be set with it. Set either chart.path, or chart.version and chart.repo.`);
  }
  return { chart: chart.path };
}

/** The key Secret's name, updated in place when the key changes (provider/resources/key-secret-name.ts). */
class KeySecretName extends pulumi.dynamic.Resource {
  declare public readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: { apiKeyId: pulumi.Input<string> }, opts: pulumi.CustomResourceOptions) {
    super(providerShim("keySecretName"), name, { ...args, secretName: undefined }, opts, "soda", "AgentKeySecretName");
  }
}
