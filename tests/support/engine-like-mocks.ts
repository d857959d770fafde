import { createRequire } from "node:module";
import { dirname } from "node:path";
import { isSecretWrapped, wrapSecret } from "./pulumi-grpc";

export { plaintextStrings } from "./secret-scan";

/**
 * Pulumi mocks that behave like the engine where it matters for secrets: stock mocks ignore
 * `additionalSecretOutputs` and secret inputs, the engine does not. Loads `@pulumi/pulumi` and this package's
 * compiled SDK with Node's own require, so the `__provider` text is serialized from the real build (not from
 * vitest's transformed sources) and every object comes from one copy of the SDK.
 */
const requireFromHere = createRequire(__filename);
export const pulumi: typeof import("@pulumi/pulumi") = requireFromHere("@pulumi/pulumi");
export const sdk: typeof import("../../sdk/index") = requireFromHere("pulumi-soda-cloud");
const pulumiDir = dirname(requireFromHere.resolve("@pulumi/pulumi/package.json"));
const { Struct } = requireFromHere(requireFromHere.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }));

export interface WireRegistration {
  type: string;
  name: string;
  parent: string;
  /** The provider reference (`urn::id`), or "" for the default provider. */
  provider: string;
  /** The inputs exactly as the SDK sent them, secret wrappers intact. */
  object: Record<string, unknown>;
  additionalSecretOutputs: string[];
  /** The outputs sent back, after engine-like secret marking. */
  outputs?: Record<string, unknown>;
}

export type NewResource = (args: { type: string; name: string; inputs: Record<string, any> }) => Record<string, unknown>;

/**
 * Installs the mocks. `outputsFor` plays the provider: it returns a resource's outputs from its inputs (defaults:
 * outputs = inputs). Returns the wire registrations as they happen.
 */
export async function setEngineLikeMocks(outputsFor: NewResource = ({ inputs }) => inputs): Promise<WireRegistration[]> {
  const registrations: WireRegistration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: outputsFor({ type: args.type, name: args.name, inputs: args.inputs }) }),
      call: () => ({}),
    },
    "project",
    "stack",
    false,
  );
  const monitor = (pulumi.runtime as any).getMonitor();
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
    const registration: WireRegistration = {
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      provider: req.getProvider(),
      object: req.getObject()?.toJavaScript() ?? {},
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    };
    registrations.push(registration);
    original(req, (err: unknown, resp: any) => {
      if (resp) {
        const outputs = resp.getObject()?.toJavaScript() ?? {};
        for (const [key, value] of Object.entries(outputs)) {
          const secretInput = isSecretWrapped(registration.object[key]);
          if ((registration.additionalSecretOutputs.includes(key) || secretInput) && !isSecretWrapped(value)) {
            outputs[key] = wrapSecret(value);
          }
        }
        registration.outputs = outputs;
        resp.setObject(Struct.fromJavaScript(outputs));
      }
      callback(err, resp);
    });
  };
  return registrations;
}

/** The value of an Output, once known. */
export function valueOf<T>(output: import("@pulumi/pulumi").Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
