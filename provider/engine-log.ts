import { createRequire } from "node:module";
import * as path from "node:path";

/**
 * Warnings at warning severity in the `pulumi up` output.
 *
 * The engine starts every provider plugin with its own gRPC address as the first argument, and a plugin reports
 * diagnostics through the engine's `Log` call. The Node dynamic provider host does not connect the SDK's log to it
 * (pulumi/pulumi#18249), and the engine shows a plugin's stderr only as info on the stack (not at all on CLI
 * 3.144-3.145), so this module makes the call itself, with the gRPC client of the `@pulumi/pulumi` copy that runs
 * the host. Outside a provider host (direct tests) it writes to stderr.
 */
export async function warnThroughEngine(message: string, timeoutMs = 5_000): Promise<void> {
  const engineAddress = providerHostEngineAddress();
  if (engineAddress !== undefined) {
    try {
      await logWarning(engineAddress, message, timeoutMs);
      return;
    } catch {
      // The engine went away or refused the call: stderr still reaches the output as a diagnostic.
    }
  }
  process.stderr.write(`warning: ${message}\n`);
}

/** The engine's address when this process is Pulumi's Node dynamic provider host, else undefined. */
function providerHostEngineAddress(): string | undefined {
  const script = process.argv[1] ?? "";
  const address = process.argv[2];
  const isProviderHost = script.split(path.sep).join("/").includes("cmd/dynamic-provider");
  return isProviderHost && address !== undefined && /^[\w.-]+:\d+$/.test(address) ? address : undefined;
}

async function logWarning(engineAddress: string, message: string, timeoutMs: number): Promise<void> {
  // The host's own copy of @pulumi/pulumi: protobuf messages and grpc channels do not mix across copies.
  const load = createRequire(require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd(), __dirname] }));
  const grpc = load("@grpc/grpc-js");
  const engineGrpc = load("@pulumi/pulumi/proto/engine_grpc_pb");
  const enginePb = load("@pulumi/pulumi/proto/engine_pb");
  const client = new engineGrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  try {
    const request = new enginePb.LogRequest();
    request.setSeverity(enginePb.LogSeverity.WARNING);
    request.setMessage(message);
    await new Promise<void>((resolve, reject) => {
      client.log(request, { deadline: Date.now() + timeoutMs }, (error: Error | null) => (error ? reject(error) : resolve()));
    });
  } finally {
    client.close();
  }
}
