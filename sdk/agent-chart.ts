import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Helm repository used when no `chart.repo` or `chart.path` is given: Soda's public one, the only repository
 * URL Soda's docs publish. Since chart 1.2.0 Soda hands each customer the repository to use
 * (`helm repo add soda-agent [REPOSITORY_URL_PROVIDED]`), so set `chart.repo` (and its credentials) to that one.
 */
export const DEFAULT_CHART_REPO = "https://helm.soda.io/soda-agent/";
/** The chart's name in a repository or an OCI registry. */
export const CHART_NAME = "soda-agent";

/** Where a {@link SodaAgent}'s `soda-agent` chart comes from. */
export interface SodaAgentChart {
  /** The chart version, e.g. `"1.3.14"`. Default: the newest the repository has. Not with `path`. */
  version?: string;
  /**
   * The repository: a Helm repository URL (`https://…`, default {@link DEFAULT_CHART_REPO}), or an OCI registry path
   * (`oci://host/path`, the chart being `<path>/soda-agent`). Not with `path`.
   */
  repo?: string;
  /** The repository's user name, for a repository that asks for one (Soda's private one takes a Soda API key id). */
  username?: pulumi.Input<string>;
  /** The repository's password (for Soda's private repository, the API key's secret). Kept secret in the state. */
  password?: pulumi.Input<string>;
  /**
   * A chart directory or archive on this machine (a vendored copy, for clusters without access to Soda's
   * repository), which takes the place of `repo`, `version` and the credentials.
   */
  path?: string;
}

/** The Release's chart arguments for a {@link SodaAgentChart}; throws, naming the arguments, on a contradictory one. */
export function chartSource(name: string, chart: SodaAgentChart | undefined): Pick<k8s.helm.v3.ReleaseArgs, "chart" | "version" | "repositoryOpts"> {
  if (chart?.path !== undefined) {
    const extra = (["version", "repo", "username", "password"] as const).filter((argument) => chart[argument] !== undefined);
    if (extra.length > 0) {
      throw new Error(
        `SodaAgent "${name}": chart.path names the chart itself, so ${extra.map((a) => `chart.${a}`).join(" and ")} cannot be set with it. Set either chart.path, or chart.repo with chart.version and its credentials.`,
      );
    }
    return { chart: chart.path };
  }
  if ((chart?.username === undefined) !== (chart?.password === undefined)) {
    throw new Error(`SodaAgent "${name}": chart.username and chart.password go together: set both for a repository that asks for credentials, or neither.`);
  }
  const credentials = chart?.username === undefined ? {} : { username: chart.username, password: pulumi.secret(chart.password!) };
  const repo = chart?.repo ?? DEFAULT_CHART_REPO;
  // An OCI chart is named by its full reference; the provider logs in to the registry with the credentials.
  if (repo.startsWith("oci://")) return { chart: `${repo.replace(/\/+$/, "")}/${CHART_NAME}`, version: chart?.version, repositoryOpts: credentials };
  return { chart: CHART_NAME, version: chart?.version, repositoryOpts: { repo, ...credentials } };
}
