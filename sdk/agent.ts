import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imagePullSecretName, keySecretName } from "../provider/resources/key-secret-name";
import { providerShim } from "../provider/shim";
import { chartSource, type SodaAgentChart } from "./agent-chart";
import { cloudValues, dockerConfigJson, imageRegistry, mirroredImageValues, registryProblem } from "./agent-image-registry";
import { SodaAgentKey } from "./agent-key";
import { SodaAgentRegistration } from "./agent-registration";
import { deepMerge } from "./deep-merge";

/** Data keys of the key's Secret: the chart's defaults, so `secretKeys` read like the chart's own Secret. */
export const API_KEY_ID_DATA_KEY = "SODA_API_KEY_ID";
export const API_KEY_SECRET_DATA_KEY = "SODA_API_KEY_SECRET";

/** The data key of a `kubernetes.io/dockerconfigjson` Secret. */
const DOCKER_CONFIG_DATA_KEY = ".dockerconfigjson";

/**
 * Credentials for the image registry other than the agent's own key (the chart's `imageCredentials.apikey`): a
 * Soda API key's id and secret, e.g. a {@link SodaApiKey}'s outputs, or a mirror's user name and password.
 */
export interface SodaImageCredentials {
  /** The key id (the registry user name). */
  apiKeyId: pulumi.Input<string>;
  /** The key secret (the registry password). */
  apiKeySecret: pulumi.Input<string>;
}

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
   * Where the `soda-agent` chart comes from: a Helm repository (the one Soda gave you, with its credentials), an OCI
   * registry, or a chart on this machine. Default: chart `soda-agent` from `DEFAULT_CHART_REPO` (see `SodaAgentChart`).
   */
  chart?: SodaAgentChart;
  /**
   * The image registry the agent's images are pulled from, e.g. a mirror (`"registry.example.com"`). Default: Soda's
   * private registry for the key's region, `registry.cloud.soda.io` (EU) or `registry.us.soda.io` (US). Setting it
   * also points each component's image at it, as Soda's mirroring guide lays them out
   * (`<registry>/sodadata/agent-orchestrator`, …); `values` can override any of those repositories.
   */
  registry?: string;
  /**
   * Pull the images with these credentials instead of the agent's key (the chart's `imageCredentials.apikey`).
   * Without them, and without `existingImagePullSecrets`, the pull Secret holds the agent's key and rotates with it.
   */
  imageCredentials?: SodaImageCredentials;
  /**
   * Pull the images with Secrets that already exist in the namespace (the chart's `existingImagePullSecrets`); no
   * pull Secret is created then. Cannot be combined with `imageCredentials`.
   */
  existingImagePullSecrets?: pulumi.Input<string>[];
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

export { keySecretName, imagePullSecretName };

/**
 * A Soda Agent on Kubernetes: a {@link SodaAgentKey}, a Secret holding it, an image pull Secret for Soda's private
 * registry, and a Helm release of the `soda-agent` chart that reads the key from the first
 * (`soda.apikey.existingSecret`) and pulls its images with the second (`existingImagePullSecrets`). No key is ever
 * a Helm value.
 *
 * Rotation (a new key by `rotationTriggers`, `rotationPeriod` or Pulumi's `replacementTrigger`) reaches the running
 * agent: each key gets its own Secret and pull Secret, so the Release changes and its pods roll onto the new key.
 * The sequence is written down in the README. Pass a Kubernetes provider through `opts.providers` or `opts.provider`.
 */
export class SodaAgent extends pulumi.ComponentResource {
  /** The agent's key. */
  readonly key: SodaAgentKey;
  /** The namespace the agent runs in. */
  readonly namespace: pulumi.Output<string>;
  /** The name of the Secret that holds the current key. */
  readonly secretName: pulumi.Output<string>;
  /** The names of the Secrets the agent's pods pull their images with. */
  readonly imagePullSecretNames: pulumi.Output<string[]>;
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
    // Arguments that contradict each other are refused before any child is registered.
    refuseBadImageArguments(name, args);
    const chart = chartSource(name, args.chart);
    const namespaceName = pulumi.output(args.namespace ?? "soda-agent");

    this.key = new SodaAgentKey(
      `${name}-key`,
      { agentName: args.agentName, rotationTriggers: args.rotationTriggers, rotationPeriod: args.rotationPeriod },
      { parent: this },
    );

    const namespace =
      args.createNamespace === false ? undefined : new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: namespaceName } }, { parent: this });
    this.namespace = namespace?.metadata.name ?? namespaceName;

    // Named from a resource updated in place, not from the key: see provider/resources/key-secret-name.ts.
    const keyNames = new KeySecretName(`${name}-apikey-name`, { apiKeyId: this.key.apiKeyId }, { parent: this });
    const secret = new k8s.core.v1.Secret(
      `${name}-apikey`,
      {
        metadata: { name: keyNames.secretName, namespace: this.namespace },
        type: "Opaque",
        stringData: pulumi.secret({ [API_KEY_ID_DATA_KEY]: this.key.apiKeyId, [API_KEY_SECRET_DATA_KEY]: this.key.apiKeySecret }),
      },
      { parent: this },
    );
    this.secretName = secret.metadata.name;
    this.imagePullSecretNames = this.imagePullSecrets(name, args, keyNames);

    // With a mirror, every component's image points at it: the agent's beside its name, the others beside it.
    const { agent: agentImage, ...otherImages } = args.registry === undefined ? { agent: {} } : mirroredImageValues(args.registry);
    const ours = {
      existingImagePullSecrets: this.imagePullSecretNames.apply((names) => names.map((secretName) => ({ name: secretName }))),
      soda: {
        apikey: { existingSecret: this.secretName, secretKeys: { idKey: API_KEY_ID_DATA_KEY, secretKey: API_KEY_SECRET_DATA_KEY } },
        agent: { name: args.agentName, ...agentImage },
        cloud: this.key.endpoint.apply(cloudValues),
        ...otherImages,
      },
    };
    const values = pulumi
      .all([pulumi.output(ours), pulumi.output(args.values ?? {})])
      .apply(([o, user]) => deepMerge(o as Record<string, unknown>, user as Record<string, unknown>));

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: args.releaseName ?? "soda-agent",
        ...chart,
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
      imagePullSecretNames: this.imagePullSecretNames,
      releaseName: this.releaseName,
      releaseStatus: this.releaseStatus,
      runnerId: this.registration?.runnerId,
    });
  }

  /**
   * The pull Secrets the chart is given: the user's own, or one made here from `imageCredentials`, or, by default,
   * from the agent's key. The default one is named per key from the same in-place resource as the key Secret, so a
   * rotation creates the new one before the Release names it and deletes the old one after, as for the key Secret.
   */
  private imagePullSecrets(name: string, args: SodaAgentArgs, keyNames: KeySecretName): pulumi.Output<string[]> {
    if (args.existingImagePullSecrets !== undefined) return pulumi.all(args.existingImagePullSecrets);
    const credentials =
      args.imageCredentials === undefined
        ? { secretName: keyNames.apiKeyId.apply(imagePullSecretName), apiKeyId: this.key.apiKeyId, apiKeySecret: this.key.apiKeySecret }
        : { secretName: pulumi.output(args.imageCredentials.apiKeyId).apply(imagePullSecretName), ...args.imageCredentials };
    const registry = this.key.endpoint.apply((endpoint) => imageRegistry(endpoint, args.registry));
    const pullSecret = new k8s.core.v1.Secret(
      `${name}-image-pull`,
      {
        metadata: { name: credentials.secretName, namespace: this.namespace },
        type: "kubernetes.io/dockerconfigjson",
        stringData: pulumi.secret(
          pulumi
            .all([registry, credentials.apiKeyId, credentials.apiKeySecret])
            .apply(([host, id, secret]) => ({ [DOCKER_CONFIG_DATA_KEY]: dockerConfigJson(host, id, secret) })),
        ),
      },
      { parent: this },
    );
    return pullSecret.metadata.name.apply((secretName) => [secretName]);
  }
}

/**
 * Refuses, naming the arguments: both ways of naming pull Secrets at once (one would go unused), an empty list of
 * them, and a registry that is not a host.
 */
function refuseBadImageArguments(name: string, args: SodaAgentArgs): void {
  if (args.existingImagePullSecrets !== undefined && args.imageCredentials !== undefined) {
    throw new Error(
      `SodaAgent "${name}": existingImagePullSecrets and imageCredentials both say how to pull the agent's images. Set existingImagePullSecrets to use Secrets you manage, or imageCredentials to have a pull Secret made from those credentials, not both.`,
    );
  }
  if (args.existingImagePullSecrets?.length === 0) {
    throw new Error(
      `SodaAgent "${name}": existingImagePullSecrets is empty. Name at least one Secret in the agent's namespace, or leave it out to pull with the agent's key.`,
    );
  }
  const problem = args.registry === undefined ? "" : registryProblem(args.registry);
  if (problem !== "") throw new Error(`SodaAgent "${name}": registry ${problem}.`);
}

/** The key Secret's name and the key id it was made for, updated in place when the key changes (provider/resources/key-secret-name.ts). */
class KeySecretName extends pulumi.dynamic.Resource {
  declare public readonly secretName: pulumi.Output<string>;
  declare public readonly apiKeyId: pulumi.Output<string>;

  constructor(name: string, args: { apiKeyId: pulumi.Input<string> }, opts: pulumi.CustomResourceOptions) {
    super(providerShim("keySecretName"), name, { ...args, secretName: undefined }, opts, "soda", "AgentKeySecretName");
  }
}
