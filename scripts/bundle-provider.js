// Bundles what Pulumi's provider host loads (provider/index.ts: the dynamic provider's implementation) into one
// tree-shaken file, dist/provider/bundle.js, which the package's `./provider` export names. Loading the provider is
// paid on the first call of every `up` (the bench's load cost): from the sources' ES imports, zod/mini shrinks to
// what the specs use, and undici loads from one file instead of about a hundred. @pulumi/pulumi stays outside (the
// engine log loads gRPC from the very copy the provider host runs), and so does this package's package.json.
// Run by `npm run build`, after tsc has type-checked and emitted the rest.
const { buildSync } = require("esbuild");
const { join } = require("node:path");

const root = join(__dirname, "..");
buildSync({
  entryPoints: [join(root, "provider", "index.ts")],
  outfile: join(root, "dist", "provider", "bundle.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  external: ["@pulumi/pulumi", "@pulumi/pulumi/*", "pulumi-soda-cloud/*"],
  logLevel: "warning",
});
