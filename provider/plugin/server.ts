import type * as GrpcJs from "@grpc/grpc-js";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import type * as EmptyPb from "google-protobuf/google/protobuf/empty_pb";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";
import { createRequire } from "node:module";
import type { Clock } from "../client/clock";
import { EndpointError } from "../client/endpoint";
import { ProcessContext, type ProviderContext } from "../config/context";
import { CONFIG_KEYS, readStackConfig, resolveSettings, SettingsError } from "../config/settings";
import { withStatusLine } from "../engine/status-line";
import { EngineLog } from "../engine/engine-log";
import { secretOutputs } from "../spec/derive";
import { detailedDiff, previewCreate, pluginResource, type PluginResource } from "./resources";
import { CONFIG, PACKAGE_NAME, packageSchema } from "./schema";
import { plainProps, wrapSecrets } from "./secret-wrappers";

/**
 * The `pulumi-resource-soda` provider plugin: Pulumi's provider protocol over the lifecycles the dynamic provider
 * runs too.
 *
 * It serves the protocol with the gRPC stubs of `@pulumi/pulumi` rather than through `@pulumi/pulumi/provider`'s
 * `main()`, whose server (SDK 3.248) drops the provider configuration in Configure, cannot return a detailed diff,
 * and passes secrets through unmarked: the three things a plugin is for here (explicit provider instances,
 * `replaceOnChanges`, secret outputs in every language).
 *
 * The engine starts one plugin process per provider instance, so one ProcessContext here is one provider
 * instance's: its config, its clients and rate-limit budget.
 */

// gRPC and protobuf are @pulumi/pulumi's dependencies, not ours: load the very copies its generated stubs use
// (messages and channels do not mix across copies).
const requireAsPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = requireAsPulumi("@grpc/grpc-js") as typeof GrpcJs;
const emptyPb = requireAsPulumi("google-protobuf/google/protobuf/empty_pb") as typeof EmptyPb;
const structPb = requireAsPulumi("google-protobuf/google/protobuf/struct_pb") as typeof StructPb;

type Props = Record<string, unknown>;
type Callback<T> = GrpcJs.sendUnaryData<T>;

export interface PluginOptions {
  version: string;
  /** The engine's address, from the command line: warnings go to its log. */
  engineAddress?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
}

/** A provider context for one resource: its warnings and status lines are attached to it; everything else is the provider instance's. */
function forResource(base: ProcessContext, log: EngineLog, urn: string): ProviderContext {
  return base.forResource({ status: (message) => log.status(message, urn), warn: (message) => log.warn(message, urn) });
}

/** The provider configuration as `soda:<key>` strings, from Configure's arguments or its `variables` map. */
export function configFromRequest(args: Props, variables: ReadonlyMap<string, string>): Map<string, string> {
  const config = new Map<string, string>();
  for (const [name, key] of Object.entries(CONFIG_KEYS)) {
    const value = args[name];
    if (value !== undefined && value !== null) {
      config.set(key, typeof value === "string" ? value : JSON.stringify(value));
      continue;
    }
    // Older engines send only `variables`, keyed `soda:config:<name>` (or `soda:<name>`).
    const variable = variables.get(`${PACKAGE_NAME}:config:${name}`) ?? variables.get(key);
    if (variable !== undefined) config.set(key, variable);
  }
  return config;
}

function fromStruct(struct: StructPb.Struct | undefined): Props {
  return struct?.toJavaScript() ?? {};
}

function toStruct(props: Props): StructPb.Struct {
  // Struct.fromJavaScript refuses undefined: absent optional outputs are left out.
  const plain: unknown = JSON.parse(JSON.stringify(props));
  return structPb.Struct.fromJavaScript(plain as Parameters<typeof structPb.Struct.fromJavaScript>[0]);
}

function grpcError(error: unknown): GrpcJs.ServiceError {
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message, metadata: new grpc.Metadata() });
}

/** Runs a handler and answers its callback with the result or the error's message (never its stack). */
function answer<T>(callback: Callback<T>, handler: () => Promise<T>): void {
  handler().then(
    (response) => callback(null, response),
    (error: unknown) => callback(grpcError(error), null),
  );
}

export class SodaPlugin {
  readonly context: ProcessContext;
  readonly log: EngineLog;
  private readonly version: string;

  constructor(options: PluginOptions) {
    this.version = options.version;
    this.log = new EngineLog(options.engineAddress);
    this.context = new ProcessContext({ env: options.env, clock: options.clock, warn: (message) => this.log.warn(message) });
  }

  /** The resource's lifecycle, each call in the resource's own context: what it waits for shows beside it. */
  private lifecycle(resource: PluginResource, urn: string) {
    const ctx = forResource(this.context, this.log, urn);
    return withStatusLine(resource.lifecycle(ctx), ctx.status);
  }

  /** The handlers of pulumirpc.ResourceProvider; methods not here answer UNIMPLEMENTED, which the engine expects. */
  service(): Partial<providerGrpc.IResourceProviderServer> {
    return {
      getPluginInfo: (_call, callback) => {
        const info = new pluginPb.PluginInfo();
        info.setVersion(this.version);
        callback(null, info);
      },
      getSchema: (call, callback) =>
        answer(callback, async () => {
          if (call.request.getVersion() !== 0) throw new Error(`Schema version ${call.request.getVersion()} is not supported; this plugin serves version 0.`);
          const response = new providerPb.GetSchemaResponse();
          response.setSchema(JSON.stringify(packageSchema(this.version)));
          return response;
        }),
      attach: (call, callback) => {
        this.log.attach(call.request.getAddress());
        callback(null, new emptyPb.Empty());
      },
      cancel: (_call, callback) => callback(null, new emptyPb.Empty()),
      checkConfig: (call, callback) =>
        answer(callback, async () => {
          const news = fromStruct(call.request.getNews());
          const response = new providerPb.CheckResponse();
          response.setInputs(call.request.getNews());
          const { plain } = plainProps(news);
          // A setting that can never work is refused at preview, naming the property as the user wrote it.
          try {
            const config = configFromRequest(plain, new Map());
            resolveSettings(readStackConfig({ get: (key) => config.get(key) }), {});
          } catch (error) {
            if (!(error instanceof SettingsError || error instanceof EndpointError)) throw error;
            const failure = new providerPb.CheckFailure();
            failure.setProperty(error.setting.replace(`${PACKAGE_NAME}:`, ""));
            failure.setReason(error.message);
            response.setFailuresList([failure]);
          }
          return response;
        }),
      diffConfig: (call, callback) =>
        answer(callback, async () => {
          // A new setting reconfigures the provider, never replaces it: keys live where they were created, and their
          // own diff refuses or replaces them when the endpoint moves.
          const olds = plainProps(fromStruct(call.request.getOldInputs() ?? call.request.getOlds())).plain;
          const news = plainProps(fromStruct(call.request.getNews())).plain;
          const changed = Object.keys(CONFIG).filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
          const response = new providerPb.DiffResponse();
          response.setChanges(changed.length > 0 ? providerPb.DiffResponse.DiffChanges.DIFF_SOME : providerPb.DiffResponse.DiffChanges.DIFF_NONE);
          response.setDiffsList(changed);
          return response;
        }),
      configure: (call, callback) =>
        answer(callback, async () => {
          const { plain } = plainProps(fromStruct(call.request.getArgs()));
          const config = configFromRequest(plain, new Map(call.request.getVariablesMap().entries()));
          this.context.configure({ get: (key) => config.get(key) });
          const response = new providerPb.ConfigureResponse();
          response.setAcceptsecrets(true);
          response.setAcceptresources(false);
          response.setAcceptoutputs(false);
          response.setSupportspreview(true);
          return response;
        }),
      check: (call, callback) =>
        answer(callback, async () => {
          const resource = pluginResource(call.request.getType() || typeOfUrn(call.request.getUrn()));
          const olds = plainProps(fromStruct(call.request.getOlds()));
          const news = plainProps(fromStruct(call.request.getNews()));
          const result = await this.lifecycle(resource, call.request.getUrn()).check(olds.plain, news.plain);
          const response = new providerPb.CheckResponse();
          const secret = new Set([...news.secret, ...secretOutputs(resource.spec)]);
          response.setInputs(toStruct(wrapSecrets((result.inputs ?? news.plain) as Props, secret)));
          response.setFailuresList(
            (result.failures ?? []).map((f) => {
              const failure = new providerPb.CheckFailure();
              failure.setProperty(f.property);
              failure.setReason(f.reason);
              return failure;
            }),
          );
          return response;
        }),
      diff: (call, callback) =>
        answer(callback, async () => {
          const resource = pluginResource(call.request.getType() || typeOfUrn(call.request.getUrn()));
          const olds = plainProps(fromStruct(call.request.getOlds())).plain;
          const news = plainProps(fromStruct(call.request.getNews())).plain;
          const changes = await this.lifecycle(resource, call.request.getUrn()).diff(call.request.getId(), olds, news);
          const diff = detailedDiff(changes, olds, news);
          const response = new providerPb.DiffResponse();
          response.setChanges(Object.keys(diff).length > 0 ? providerPb.DiffResponse.DiffChanges.DIFF_SOME : providerPb.DiffResponse.DiffChanges.DIFF_NONE);
          response.setReplacesList(changes.replaces);
          response.setDeletebeforereplace(changes.deleteBeforeReplace);
          response.setDiffsList(Object.keys(diff));
          response.setHasdetaileddiff(true);
          const detailed = response.getDetaileddiffMap();
          for (const [key, kind] of Object.entries(diff)) {
            const property = new providerPb.PropertyDiff();
            property.setKind(kind as unknown as providerPb.PropertyDiff.Kind);
            property.setInputdiff(true);
            detailed.set(key, property);
          }
          return response;
        }),
      create: (call, callback) =>
        answer(callback, async () => {
          const resource = pluginResource(call.request.getType() || typeOfUrn(call.request.getUrn()));
          const inputs = plainProps(fromStruct(call.request.getProperties()));
          const secret = new Set([...inputs.secret, ...secretOutputs(resource.spec)]);
          const response = new providerPb.CreateResponse();
          if (call.request.getPreview()) {
            response.setProperties(toStruct(wrapSecrets(previewCreate(resource, inputs.plain), secret)));
            return response;
          }
          const result = await this.lifecycle(resource, call.request.getUrn()).create(inputs.plain);
          response.setId(result.id);
          response.setProperties(toStruct(wrapSecrets(result.outs as Props, secret)));
          return response;
        }),
      read: (call, callback) =>
        answer(callback, async () => {
          const resource = pluginResource(call.request.getType() || typeOfUrn(call.request.getUrn()));
          const props = plainProps(fromStruct(call.request.getProperties()));
          if (Object.keys(props.plain).length === 0) {
            throw new Error(
              `${resource.spec.pluginToken} "${call.request.getId()}" cannot be imported: Soda Cloud returns a key's secret only when the key is created, so a key made elsewhere cannot be read into a stack. ` +
                "Declare a new key in the program and run `pulumi up`.",
            );
          }
          const result = await this.lifecycle(resource, call.request.getUrn()).read(call.request.getId(), props.plain);
          const response = new providerPb.ReadResponse();
          if (result.id === undefined || result.id === "") return response;
          const secret = new Set([...props.secret, ...secretOutputs(resource.spec)]);
          response.setId(result.id);
          response.setProperties(toStruct(wrapSecrets(result.props as Props, secret)));
          const inputs = call.request.getInputs();
          if (inputs !== undefined) response.setInputs(inputs);
          return response;
        }),
      update: (call, callback) =>
        answer(callback, async () => {
          const resource = pluginResource(call.request.getType() || typeOfUrn(call.request.getUrn()));
          const olds = plainProps(fromStruct(call.request.getOlds()));
          const news = plainProps(fromStruct(call.request.getNews()));
          // Pure: the stored key with its new updatable arguments, so a preview shows exactly what `up` will store.
          const updated = await this.lifecycle(resource, call.request.getUrn()).update(call.request.getId(), olds.plain, news.plain);
          const outs = updated.outs as Props;
          const response = new providerPb.UpdateResponse();
          response.setProperties(toStruct(wrapSecrets(outs, new Set([...olds.secret, ...news.secret, ...secretOutputs(resource.spec)]))));
          return response;
        }),
      delete: (call, callback) =>
        answer(callback, async () => {
          const resource = pluginResource(call.request.getType() || typeOfUrn(call.request.getUrn()));
          const props = plainProps(fromStruct(call.request.getProperties())).plain;
          await this.lifecycle(resource, call.request.getUrn()).delete(call.request.getId(), props);
          return new emptyPb.Empty();
        }),
    };
  }

  async close(): Promise<void> {
    this.log.close();
    await this.context.close();
  }
}

/** The type token of a URN (`urn:pulumi:stack::project::[parent$]type::name`); older engines send no type. */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  const types = parts[2] ?? "";
  return types.split("$").pop() ?? "";
}

/** Starts the plugin's gRPC server on 127.0.0.1 and a free port; resolves with the port and a stop function. */
export async function servePlugin(options: PluginOptions): Promise<{ port: number; plugin: SodaPlugin; stop(): Promise<void> }> {
  const plugin = new SodaPlugin(options);
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(providerGrpc.ResourceProviderService, plugin.service() as providerGrpc.IResourceProviderServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    plugin,
    stop: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await plugin.close();
    },
  };
}
