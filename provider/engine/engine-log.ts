import type * as GrpcJs from "@grpc/grpc-js";
import type * as EngineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as EnginePb from "@pulumi/pulumi/proto/engine_pb";
import { createRequire } from "node:module";
import * as path from "node:path";

/**
 * Warnings and status lines in the `pulumi up` output, for both front ends: the `soda` plugin and Pulumi's Node
 * dynamic provider host.
 *
 * The engine starts every provider plugin with its own gRPC address as the first argument, and a plugin reports
 * diagnostics through the engine's `Log` call. The Node dynamic provider host does not connect the SDK's log to it
 * (pulumi/pulumi#18249), and the engine shows a plugin's stderr only as info on the stack (not at all on CLI
 * 3.144-3.145), so this module makes the call itself, over one channel per process, with the gRPC client of the
 * `@pulumi/pulumi` copy that runs the process (already loaded there). Without an engine (direct tests) warnings go
 * to stderr.
 */
export class EngineLog {
  private client: EngineClient | undefined;
  /** Status lines, sent one after the other so that an older one never lands last. */
  private statusQueue: Promise<void> = Promise.resolve();

  constructor(private address: string | undefined) {}

  /** The engine's address changed (the plugin protocol's Attach). */
  attach(address: string): void {
    this.close();
    this.address = address;
  }

  /** A warning on the resource `urn` (or the stack): in the output's diagnostics, and on stderr if it cannot be. */
  async warn(message: string, urn = ""): Promise<void> {
    if (this.address !== undefined) {
      try {
        await this.log("WARNING", message, urn, false, WARNING_TIMEOUT_MS);
        return;
      } catch {
        // The engine went away or refused the call: stderr still reaches the output as a diagnostic.
      }
    }
    process.stderr.write(`warning: ${message}\n`);
  }

  /**
   * Shows `message` as the passing status of the resource `urn` (the engine's ephemeral log at info severity; with
   * no URN, beside the stack). Fire and forget: a line that cannot be delivered (the engine is shutting down, or
   * there is none) is dropped, not written to stderr, where it would stay in the output as a diagnostic.
   */
  status(message: string, urn: string): void {
    if (this.address === undefined) return;
    this.statusQueue = this.statusQueue.then(() => this.log("INFO", message, urn, true, STATUS_TIMEOUT_MS)).catch(() => undefined);
  }

  /**
   * Resolves once every status line sent so far has reached the engine (or failed to). A call awaits it before it
   * answers, so that its last line (say, "waited 40 s for …") arrives before the engine marks the resource done and
   * prints its row with whatever status it last heard.
   */
  statusLinesSent(): Promise<void> {
    return this.statusQueue;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private log(severity: "INFO" | "WARNING", message: string, urn: string, ephemeral: boolean, timeoutMs: number): Promise<void> {
    this.client ??= engineClient(this.address!);
    return this.client.log(severity, message, urn, ephemeral, timeoutMs);
  }
}

/** How long a warning may take to reach the engine before it goes to stderr instead. */
const WARNING_TIMEOUT_MS = 5_000;
/** How long a status line may take to reach the engine; a later one says more anyway. */
const STATUS_TIMEOUT_MS = 2_000;

interface EngineClient {
  log(severity: "INFO" | "WARNING", message: string, urn: string, ephemeral: boolean, timeoutMs: number): Promise<void>;
  close(): void;
}

function engineClient(engineAddress: string): EngineClient {
  // The running copy of @pulumi/pulumi (the program's, in a provider host): protobuf messages and gRPC channels do
  // not mix across copies.
  const load = createRequire(require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd(), __dirname] }));
  const grpc = load("@grpc/grpc-js") as typeof GrpcJs;
  const engineGrpc = load("@pulumi/pulumi/proto/engine_grpc_pb") as typeof EngineGrpc;
  const enginePb = load("@pulumi/pulumi/proto/engine_pb") as typeof EnginePb;
  const client = new engineGrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  return {
    log: (severity, message, urn, ephemeral, timeoutMs) => {
      const request = new enginePb.LogRequest();
      request.setSeverity(enginePb.LogSeverity[severity]);
      request.setMessage(message);
      request.setUrn(urn);
      request.setEphemeral(ephemeral);
      return new Promise<void>((resolve, reject) => {
        client.log(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error) => (error ? reject(error) : resolve()));
      });
    },
    close: () => client.close(),
  };
}

/** The engine's address when this process is Pulumi's Node dynamic provider host, else undefined. */
export function providerHostEngineAddress(): string | undefined {
  const script = process.argv[1] ?? "";
  const address = process.argv[2];
  const isProviderHost = script.split(path.sep).join("/").includes("cmd/dynamic-provider");
  return isProviderHost && address !== undefined && /^[\w.-]+:\d+$/.test(address) ? address : undefined;
}

/** The log of this process when it is a dynamic provider host (stderr for warnings elsewhere), made on first use. */
let hostLog: EngineLog | undefined;

export function providerHostLog(): EngineLog {
  hostLog ??= new EngineLog(providerHostEngineAddress());
  return hostLog;
}
