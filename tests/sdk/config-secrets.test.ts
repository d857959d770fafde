import type * as GrpcJs from "@grpc/grpc-js";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { emptyPb, engineGrpc, enginePb, grpc } from "../support/pulumi-grpc";

/**
 * The warning about a plain-text admin secret goes through Pulumi's own log, which sends a program's messages one
 * after the other: a message queued for its resource's URN holds back every message the program logs after it
 * until that resource's registration answers (in an `up`, until the key is created; for ever when the engine shut
 * down first), and it keeps the engine channel it was logged with, which the runtime closes when an RPC fails as the
 * engine shuts down ("failed to deliver log message … Channel has been shut down").
 *
 * The runtime talks to an engine's Log served in this process (it records what arrives), and to Pulumi's mocks as
 * its resource monitor, wrapped so that the test decides when the registration answers.
 */

const logs: { severity: number; message: string }[] = [];
let server: GrpcJs.Server;
let pulumi: typeof import("@pulumi/pulumi");
let sdk: typeof import("../../sdk/index");

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log: (call: GrpcJs.ServerUnaryCall<InstanceType<typeof enginePb.LogRequest>, unknown>, callback: GrpcJs.sendUnaryData<unknown>) => {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
      callback(null, new emptyPb.Empty());
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  // The runtime reads the engine's address once, when it is first loaded: set it first.
  process.env.PULUMI_NODEJS_ENGINE = `127.0.0.1:${port}`;
  const load = createRequire(__filename);
  pulumi = load("@pulumi/pulumi");
  sdk = load("pulumi-soda-cloud");
});

afterAll(async () => {
  delete process.env.PULUMI_NODEJS_ENGINE;
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

type Callback = (err: unknown, resp?: unknown) => void;

/** How long a message may take to reach the engine here (the first one opens the channel), with room for a busy machine. */
const DELIVERY = { timeout: 10_000, interval: 5 };

describe("the plain-text admin secret warning", () => {
  it("is logged once its resource has a URN, holding back none of the program's messages while the registration is under way", async () => {
    await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) }, "project", "stack", true);
    pulumi.runtime.setAllConfig({ "soda:apiKeySecret": "plain-text-in-the-stack-file" }, []);
    const monitor = (pulumi.runtime as unknown as { getMonitor(): { registerResource(req: unknown, cb: Callback): void } }).getMonitor();
    const answer = monitor.registerResource.bind(monitor);
    const held: (() => void)[] = [];
    monitor.registerResource = (req, callback) => held.push(() => answer(req, callback));
    const printed = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const key = new sdk.SodaAgentKey("key", { agentName: "agent" });
      await vi.waitFor(() => expect(held).toHaveLength(1), DELIVERY);
      void pulumi.log.info("the program's own message, while the key is being created");
      await vi.waitFor(() => expect(logs.map((l) => l.message)).toContain("the program's own message, while the key is being created"), DELIVERY);
      expect(logs.map((l) => l.message).join("\n")).not.toMatch(/plain text/);
      held[0]();
      await new Promise<void>((resolve) => key.urn.apply(() => resolve()));
      await vi.waitFor(
        () =>
          expect(logs).toContainEqual({
            severity: enginePb.LogSeverity.WARNING,
            message: expect.stringContaining("soda:apiKeySecret is stored in plain text"),
          }),
        DELIVERY,
      );
      expect(printed.mock.calls.flat().join("\n")).not.toMatch(/failed to deliver log message/);
    } finally {
      printed.mockRestore();
    }
  });
});
