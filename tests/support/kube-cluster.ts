import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { kubernetesVersions } from "./kubernetes-build";
import type { PulumiCli } from "./pulumi-cli";
import { stopProcess } from "./stop-process";

/**
 * A throwaway Kubernetes API server for one test file: etcd, kube-apiserver and (when built) kube-controller-manager
 * as child processes on loopback only, each leading its own process group, with their data in a temp dir. No
 * kubelet or scheduler runs, so no pod ever starts: Pulumi must not wait for workloads to become ready.
 */

export interface KubeClusterOptions {
  /** The directory of the built binaries (`ensureKubernetesBins()`, or `inject("kubernetesBin")` in a test). */
  binDir: string;
  /** How long to wait for the API server's /readyz to answer 200, in milliseconds. Default 120 000. */
  readyTimeoutMs?: number;
  /**
   * Whether to run kube-controller-manager (default: when `binDir` has it). Without it a Namespace deletion never
   * ends (nothing removes its `kubernetes` finalizer) and a Deployment makes no ReplicaSet.
   */
  controllerManager?: boolean;
}

/** What the API server answered to one request. */
export interface KubeResponse {
  status: number;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  body: any;
}

export interface KubeCluster {
  /** The API server's URL, e.g. https://127.0.0.1:40123. */
  server: string;
  /** The bearer token of a user in `system:masters` (a throwaway; it is still a credential: keep it out of logs). */
  token: string;
  /** PEM of the API server's self-signed certificate and the CA that signed it. */
  caPem: string;
  /** A kubeconfig for the cluster (server, CA data, token) as text: Pulumi's `k8s.Provider({ kubeconfig })` takes it. */
  kubeconfig: string;
  /** The same kubeconfig as a file (for tools that want a path, e.g. KUBECONFIG). */
  kubeconfigPath: string;
  /** Whether kube-controller-manager runs. */
  controllerManager: boolean;
  /** Process ids of the running components (etcd, kube-apiserver, kube-controller-manager). */
  pids: number[];
  /** GET of an API path, e.g. `/api/v1/namespaces/default`, as the system:masters user. */
  get(apiPath: string): Promise<KubeResponse>;
  /** Stops every component (SIGTERM, then SIGKILL after a grace period) and removes the data dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** The last bytes a component printed, for error messages. */
const OUTPUT_TAIL = 6_000;

/** A component: its process, when it exited, and the tail of what it printed. */
interface Component {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** Whether it exited or could not start. */
  done: boolean;
  output(): string;
}

/** Every component started by this process and not stopped yet; killed when this process exits, whatever the cause. */
const running = new Set<Component>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function start(name: string, binary: string, args: string[], cwd: string): Component {
  if (!exitHookInstalled) {
    // A test worker that dies (a failed assertion is handled by the test's own stop; this is for crashes and
    // timeouts that end the worker) must not leave an API server behind.
    process.once("exit", () => running.forEach((component) => killGroup(component.child, "SIGKILL")));
    exitHookInstalled = true;
  }
  // Its own process group, so that stop reaches anything it might start.
  const child = spawn(binary, args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", (error) => {
      tail += `\n(${name} could not start: ${error.message})`;
      resolve();
    });
  });
  const component: Component = { name, child, exited, done: false, output: () => tail };
  running.add(component);
  void exited.then(() => {
    component.done = true;
    running.delete(component);
  });
  return component;
}

async function stopComponent(component: Component): Promise<void> {
  await stopProcess(component.child, component.exited, 10_000);
  killGroup(component.child, "SIGKILL");
  running.delete(component);
}

function hasExited(component: Component): boolean {
  return component.done || component.child.exitCode !== null || component.child.signalCode !== null;
}

/**
 * A free loopback port, found by binding port 0 and closing it. kube-apiserver reads 0 as "do not serve HTTPS", so
 * it cannot pick its own port; another process may take this one before it binds, which `startKubeCluster`
 * detects ("address already in use") and answers by trying another.
 */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One HTTPS GET against the API server; `ca` undefined skips verification (before the self-signed certificate exists). */
function request(server: string, token: string, apiPath: string, ca: string | undefined, timeoutMs = 10_000): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      new URL(apiPath, server),
      {
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
        ...(ca === undefined ? { rejectUnauthorized: false } : { ca }),
        timeout: timeoutMs,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON (e.g. /readyz's "ok"): the text is the body.
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from ${server}${apiPath} within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

function kubeconfigText(server: string, caPem: string, token: string): string {
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "throwaway", cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
      users: [{ name: "throwaway-admin", user: { token } }],
      contexts: [{ name: "throwaway", context: { cluster: "throwaway", user: "throwaway-admin" } }],
      "current-context": "throwaway",
    },
    null,
    2,
  );
}

/** Polls `check` until it returns true (resolves ""), a component exits or the deadline passes (resolves why). */
async function waitFor(check: () => Promise<boolean>, components: Component[], deadline: number): Promise<string> {
  for (;;) {
    const dead = components.find(hasExited);
    if (dead !== undefined) return `${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode ?? "it could not start"})`;
    if (await check()) return "";
    if (Date.now() >= deadline) return "the deadline passed";
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Starts etcd, kube-apiserver and kube-controller-manager; resolves once the API server is ready. */
export async function startKubeCluster(options: KubeClusterOptions): Promise<KubeCluster> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const bin = (name: string) => path.join(options.binDir, name);
  const controllerManager = options.controllerManager ?? fs.existsSync(bin("kube-controller-manager"));
  // Short: a unix socket's path must stay under 108 bytes.
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kube-")));
  const components: Component[] = [];
  const stop = async () => {
    // The controller-manager first, etcd last: each stops talking to what is still there.
    for (const component of components.splice(0).reverse()) await stopComponent(component);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const token = randomBytes(32).toString("hex");
    const certDir = path.join(dir, "certs");
    fs.mkdirSync(certDir, { mode: 0o700 });
    const tokenFile = path.join(dir, "tokens.csv");
    fs.writeFileSync(tokenFile, `${token},throwaway-admin,throwaway-admin,"system:masters"\n`, { mode: 0o600 });
    // The key pair the API server signs service-account tokens with; EC keys are generated in a millisecond.
    const serviceAccountKeys = generateKeyPairSync("ec", {
      namedCurve: "prime256v1",
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const saPublic = path.join(dir, "sa.pub");
    const saPrivate = path.join(dir, "sa.key");
    fs.writeFileSync(saPublic, serviceAccountKeys.publicKey);
    fs.writeFileSync(saPrivate, serviceAccountKeys.privateKey, { mode: 0o600 });

    // etcd on unix sockets: nothing to choose, nothing to collide with. The peer socket is relative to etcd's
    // working directory (etcd takes a peer URL's host as the socket's path).
    const etcdDir = path.join(dir, "etcd");
    fs.mkdirSync(etcdDir, { mode: 0o700 });
    const etcdClient = `unix://${path.join(etcdDir, "client.sock")}`;
    const etcdPeer = "unix://peer.sock";
    components.push(
      start(
        "etcd",
        bin("etcd"),
        [
          "--name=throwaway",
          `--data-dir=${path.join(etcdDir, "data")}`,
          `--listen-client-urls=${etcdClient}`,
          `--advertise-client-urls=${etcdClient}`,
          `--listen-peer-urls=${etcdPeer}`,
          `--initial-advertise-peer-urls=${etcdPeer}`,
          `--initial-cluster=throwaway=${etcdPeer}`,
          // A test's data need not survive a crash of the machine.
          "--unsafe-no-fsync",
          "--log-level=warn",
        ],
        etcdDir,
      ),
    );

    const deadline = Date.now() + readyTimeoutMs;
    const etcd = components[0];
    let server = "";
    let apiserver!: Component;
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      server = `https://127.0.0.1:${port}`;
      apiserver = start(
        "kube-apiserver",
        bin("kube-apiserver"),
        [
          `--etcd-servers=${etcdClient}`,
          "--bind-address=127.0.0.1",
          "--advertise-address=127.0.0.1",
          // The `kubernetes` Service would point at a loopback address, which the endpoint reconcilers refuse;
          // nothing in a test reaches the API server through that Service.
          "--endpoint-reconciler-type=none",
          `--secure-port=${port}`,
          // No certificate given: it self-signs one (for 127.0.0.1, localhost and the service names) into cert-dir.
          `--cert-dir=${certDir}`,
          `--token-auth-file=${tokenFile}`,
          "--authorization-mode=RBAC",
          `--service-account-key-file=${saPublic}`,
          `--service-account-signing-key-file=${saPrivate}`,
          "--service-account-issuer=https://kubernetes.default.svc",
          "--service-cluster-ip-range=10.0.0.0/24",
          "--profiling=false",
        ],
        dir,
      );
      components.push(apiserver);
      // Until it answers at all: a port taken in between shows as an exit saying "address already in use".
      const answering = () =>
        request(server, token, "/livez", undefined).then(
          () => true,
          () => false,
        );
      const why = await waitFor(answering, [etcd, apiserver], deadline);
      if (why === "" || !hasExited(apiserver) || !/address already in use/.test(apiserver.output()) || attempt === 5) break;
      components.pop();
    }

    let last = "no answer yet";
    const ready = async () => {
      try {
        const res = await request(server, token, "/readyz", undefined);
        last = `${res.status} ${(typeof res.body === "string" ? res.body : JSON.stringify(res.body)).slice(0, 300)}`;
        return res.status === 200;
      } catch (error) {
        last = (error as Error).message;
        return false;
      }
    };
    const why = await waitFor(ready, components, deadline);
    if (why !== "") {
      throw new Error(
        `The throwaway Kubernetes API server did not become ready within ${readyTimeoutMs} ms (${why}; last /readyz: ${last}). ` +
          `If it was only slow, raise readyTimeoutMs; if a component exited, its output says why.\n` +
          `kube-apiserver's output ends with:\n${apiserver.output()}\netcd's:\n${etcd.output()}`,
      );
    }

    // The self-signed serving certificate followed by the CA that signed it.
    const caPem = fs.readFileSync(path.join(certDir, "apiserver.crt"), "utf8");
    const kubeconfig = kubeconfigText(server, caPem, token);
    const kubeconfigPath = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    const verified = await request(server, token, "/version", caPem);
    if (verified.status !== 200)
      throw new Error(`The API server answered /version with ${verified.status} over a verified connection: ${JSON.stringify(verified.body)}`);

    if (controllerManager) {
      components.push(
        start(
          "kube-controller-manager",
          bin("kube-controller-manager"),
          [
            `--kubeconfig=${kubeconfigPath}`,
            // 0: no HTTPS endpoint of its own (nothing to bind, nothing to collide with).
            "--secure-port=0",
            "--leader-elect=false",
            // The controllers a test can observe: Namespace finalization (with the garbage collector for owned
            // objects), Deployments -> ReplicaSets -> Pods, and the default ServiceAccount that Pods need.
            "--controllers=namespace-controller,garbage-collector-controller,deployment-controller,replicaset-controller,serviceaccount-controller,serviceaccount-token-controller",
            `--service-account-private-key-file=${saPrivate}`,
            `--root-ca-file=${path.join(certDir, "apiserver.crt")}`,
          ],
          dir,
        ),
      );
    }

    return {
      server,
      token,
      caPem,
      kubeconfig,
      kubeconfigPath,
      controllerManager,
      get pids() {
        return components.filter((c) => !hasExited(c)).map((c) => c.child.pid as number);
      },
      get: (apiPath) => request(server, token, apiPath, caPem),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Whether a process id is still alive (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the built `pulumi-resource-kubernetes` into the CLI's own PULUMI_HOME under the version the
 * `@pulumi/kubernetes` package asks for, so the engine finds it without downloading anything.
 */
export async function installKubernetesPlugin(cli: PulumiCli, binDir: string): Promise<void> {
  const binary = fs.realpathSync(path.join(binDir, "pulumi-resource-kubernetes"));
  await cli.run(["plugin", "install", "resource", "kubernetes", kubernetesVersions().provider, "--file", binary]);
}
