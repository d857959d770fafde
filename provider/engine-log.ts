import { createRequire } from "node:module";
import * as path from "node:path";

/**
 * Warnings and status lines in the `pulumi up` output, from Pulumi's Node dynamic provider host.
 *
 * The engine starts every provider plugin with its own gRPC address as the first argument, and a plugin reports
 * diagnostics through the engine's `Log` call. The Node dynamic provider host does not connect the SDK's log to it
 * (pulumi/pulumi#18249), and the engine shows a plugin's stderr only as info on the stack (not at all on CLI
 * 3.144-3.145), so this module makes the call itself, with the gRPC client of the `@pulumi/pulumi` copy that runs
 * the host (already loaded there). Outside a provider host (direct tests) warnings go to stderr.
 */
export async function warnThroughEngine(message: string, timeoutMs = 5_000): Promise<void> {
  const engine = hostEngine();
  if (engine !== undefined) {
    try {
      await engine.log({ severity: "WARNING", message, urn: "", ephemeral: false }, timeoutMs);
      return;
    } catch {
      // The engine went away or refused the call: stderr still reaches the output as a diagnostic.
    }
  }
  process.stderr.write(`warning: ${message}\n`);
}

/** How long a status line may take to reach the engine; a later one says more anyway. */
const STATUS_TIMEOUT_MS = 2_000;

/** Status lines of this process, sent one after the other so that an older one never lands last. */
let statusQueue: Promise<void> = Promise.resolve();

/**
 * Shows `message` as the passing status of the resource `urn` (the engine's ephemeral log at info severity; with
 * no URN, beside the stack). Fire and forget: a line that cannot be delivered (the engine is shutting down, or this
 * is no provider host) is dropped, not written to stderr, where it would stay in the output as a diagnostic.
 */
/**
 * Resolves once every status line sent so far has reached the engine (or failed to). A call awaits it before it
 * answers, so that its last line (say, "waited 40 s for …") arrives before the engine marks the resource done and
 * prints its row with whatever status it last heard.
 */
export function statusLinesSent(): Promise<void> {
  return statusQueue;
}

export function statusThroughEngine(message: string, urn: string): void {
  const engine = hostEngine();
  if (engine === undefined) return;
  statusQueue = statusQueue.then(() => engine.log({ severity: "INFO", message, urn, ephemeral: true }, STATUS_TIMEOUT_MS)).catch(() => undefined);
}

interface LogEntry {
  severity: "INFO" | "WARNING";
  message: string;
  urn: string;
  ephemeral: boolean;
}

interface HostEngine {
  log(entry: LogEntry, timeoutMs: number): Promise<void>;
}

/** One client of the engine per process, made on first use; undefined outside a provider host. */
let engineOfThisHost: HostEngine | undefined;

function hostEngine(): HostEngine | undefined {
  if (engineOfThisHost !== undefined) return engineOfThisHost;
  const engineAddress = providerHostEngineAddress();
  if (engineAddress === undefined) return undefined;
  engineOfThisHost = engineClient(engineAddress);
  return engineOfThisHost;
}

/** The engine's address when this process is Pulumi's Node dynamic provider host, else undefined. */
export function providerHostEngineAddress(): string | undefined {
  const script = process.argv[1] ?? "";
  const address = process.argv[2];
  const isProviderHost = script.split(path.sep).join("/").includes("cmd/dynamic-provider");
  return isProviderHost && address !== undefined && /^[\w.-]+:\d+$/.test(address) ? address : undefined;
}

function engineClient(engineAddress: string): HostEngine {
  // The host's own copy of @pulumi/pulumi: protobuf messages and grpc channels do not mix across copies.
  const load = createRequire(require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd(), __dirname] }));
  const grpc = load("@grpc/grpc-js");
  const engineGrpc = load("@pulumi/pulumi/proto/engine_grpc_pb");
  const enginePb = load("@pulumi/pulumi/proto/engine_pb");
  const client = new engineGrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  return {
    log: (entry, timeoutMs) => {
      const request = new enginePb.LogRequest();
      request.setSeverity(enginePb.LogSeverity[entry.severity]);
      request.setMessage(entry.message);
      request.setUrn(entry.urn);
      request.setEphemeral(entry.ephemeral);
      return new Promise<void>((resolve, reject) => {
        client.log(request, { deadline: Date.now() + timeoutMs }, (error: Error | null) => (error ? reject(error) : resolve()));
      });
    },
  };
}
