/**
 * The program the real-engine benchmark runs with the real `pulumi` CLI: `keys` SodaAgentKeys, or as many trivial
 * dynamic resources (stack config `kind`), so that the two differ only in the provider. The trivial provider does
 * nothing, so its stack costs what the engine, the language host and Pulumi's provider host cost per resource.
 */

/** The Pulumi project name; config without a namespace (`kind`, `keys`) belongs to it. */
export const PROJECT_NAME = "soda-bench-real-engine";

/** What a stack of the program declares. */
export type ProgramKind = "soda" | "trivial";

// Both kinds import this package, so that loading it is charged to both and the difference is the provider's work.
// The trivial provider is built by a function, as bench/providers.ts does, so that its serialized text captures
// nothing. `agentKeys` carries each key's secret only so that the benchmark can register the agents (untimed).
const INDEX_TS = `import * as pulumi from "@pulumi/pulumi";
import { SodaAgentKey } from "pulumi-soda-cloud";

const config = new pulumi.Config();
const kind = config.require("kind");
const count = config.requireNumber("keys");

function trivialProvider(): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, news) {
      return { inputs: news };
    },
    async diff() {
      return { changes: false };
    },
    async create() {
      return { id: "trivial", outs: {} };
    },
    async read(id, props) {
      return { id, props };
    },
    async update(_id, _olds, news) {
      return { outs: news };
    },
    async delete() {},
  };
}

class Trivial extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(trivialProvider(), name, {}, {}, "bench", "Trivial");
  }
}

const agentKeys: pulumi.Output<{ name: string; apiKeyId: string; apiKeySecret: string }>[] = [];
for (let i = 0; i < count; i++) {
  if (kind === "soda") {
    const name = "bench-agent-" + i;
    const key = new SodaAgentKey("key-" + i, { agentName: name });
    agentKeys.push(pulumi.all([key.apiKeyId, key.apiKeySecret]).apply(([apiKeyId, apiKeySecret]) => ({ name, apiKeyId, apiKeySecret })));
  } else {
    new Trivial("trivial-" + i);
  }
}

export const keys = pulumi.all(agentKeys);
`;

/** The project's files: Pulumi.yaml, package.json, tsconfig.json and index.ts. */
export function programFiles(): Record<string, string> {
  return {
    "Pulumi.yaml": `name: ${PROJECT_NAME}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`,
    "package.json": JSON.stringify({ name: PROJECT_NAME, private: true, main: "index.ts" }, null, 2),
    // Pulumi's TypeScript runner forces nodenext resolution.
    "tsconfig.json": JSON.stringify({
      compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: true },
      files: ["index.ts"],
    }),
    "index.ts": INDEX_TS,
  };
}
