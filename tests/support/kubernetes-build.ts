import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "./project-dir";

/** The script that builds etcd, kube-apiserver, kube-controller-manager and the Kubernetes provider plugin from Go modules. */
export const KUBERNETES_BUILD_SCRIPT = path.join(repoRoot, "scripts", "kubernetes", "build.sh");

/** The versions the build script pins (scripts/kubernetes/versions.env), without a leading "v". */
export interface KubernetesVersions {
  /** pulumi-resource-kubernetes, e.g. "4.25.0": the version `pulumi plugin install` registers it under. */
  provider: string;
  /** kube-apiserver and kube-controller-manager, e.g. "1.37.2". */
  kubernetes: string;
  etcd: string;
}

/** Reads scripts/kubernetes/versions.env, the one place the versions are written. */
export function kubernetesVersions(): KubernetesVersions {
  const text = fs.readFileSync(path.join(path.dirname(KUBERNETES_BUILD_SCRIPT), "versions.env"), "utf8");
  const value = (name: string): string => {
    const match = new RegExp(`^${name}=(\\S+)$`, "m").exec(text);
    if (match === null) throw new Error(`scripts/kubernetes/versions.env sets no ${name}: add it back (build.sh reads it too).`);
    return match[1].replace(/^v/, "");
  };
  return { provider: value("KUBERNETES_PROVIDER_VERSION"), kubernetes: value("KUBERNETES_VERSION"), etcd: value("ETCD_VERSION") };
}

/**
 * Builds the Kubernetes pieces (or finds them in the cache) and returns the directory holding `etcd`,
 * `kube-apiserver`, `kube-controller-manager` and `pulumi-resource-kubernetes`. The script's progress goes to our
 * stderr; a cold build takes many minutes, a warm one a second.
 */
export function ensureKubernetesBins(): string {
  const result = spawnSync("bash", [KUBERNETES_BUILD_SCRIPT], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: 90 * 60_000,
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `Building the Kubernetes pieces failed (${result.error?.message ?? `exit ${result.status}`}); see the lines above, and run ${path.relative(repoRoot, KUBERNETES_BUILD_SCRIPT)} by hand to retry.`,
    );
  }
  const lines = result.stdout.trim().split("\n");
  return lines[lines.length - 1];
}
