import type * as dynamic from "@pulumi/pulumi/dynamic";
import type * as Implementation from "./index";

/** Which lifecycle of the implementation a shim delegates to. */
export type ResourceKind = "agentKey" | "apiKey" | "agentRegistration" | "keySecretName";

/** One shim per kind for the whole program: Pulumi caches a provider's serialized text by the object. */
const shims = new Map<ResourceKind, dynamic.ResourceProvider>();

/**
 * The object Pulumi serializes into a resource's `__provider` input and later runs in its provider host, one per
 * kind: `@pulumi/pulumi` serializes each provider object once and reuses the text (a WeakMap keyed by the object),
 * so a program of a thousand keys serializes this closure once, not a thousand times.
 */
export function providerShim(kind: ResourceKind): dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (shim === undefined) {
    shim = delegatingTo(kind);
    shims.set(kind, shim);
  }
  return shim;
}

/**
 * What is serialized: it captures nothing but `kind` and the loader below (no module-level objects, which do not
 * serialize, and no credentials, which would be written verbatim into state). Each call loads the compiled
 * implementation by package name from the Pulumi project's node_modules and delegates to it.
 */
function delegatingTo(kind: ResourceKind): dynamic.ResourceProvider {
  return {
    configure: (req) => loadImplementation().configure(req),
    check: (olds, news) => loadImplementation()[kind].check(olds, news),
    diff: (id, olds, news) => loadImplementation()[kind].diff(id, olds, news),
    create: (inputs) => loadImplementation()[kind].create(inputs),
    read: (id, props) => loadImplementation()[kind].read(id, props),
    update: (id, olds, news) => loadImplementation()[kind].update(id, olds, news),
    delete: (id, props) => loadImplementation()[kind].delete(id, props),
  };
}

function loadImplementation(): typeof Implementation {
  // The provider host evaluates this text with the program's directory as cwd (`dirname(main)` when Pulumi.yaml
  // names a main file); `require` resolves from there upwards.
  try {
    return require("pulumi-soda-cloud/provider") as typeof Implementation;
  } catch (error) {
    const path = require("path") as typeof import("path");
    const fs = require("fs") as typeof import("fs");
    // When the program lives inside this package's own checkout (its quickstart), load the build of that checkout.
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
      const manifest = path.join(dir, "package.json");
      if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown }).name === "pulumi-soda-cloud") {
        return require(path.join(dir, "dist", "provider", "index.js")) as typeof Implementation;
      }
      if (path.dirname(dir) === dir) break;
    }
    throw new Error(
      `The pulumi-soda-cloud provider could not be loaded from this Pulumi program's directory (${(error as Error).message}). ` +
        "Install it in the project with `npm install pulumi-soda-cloud` (npm only: pnpm and Bun are not supported by Pulumi dynamic providers).",
    );
  }
}
