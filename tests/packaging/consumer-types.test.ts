import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedInstall } from "../support/packed-install";
import { prepareProjectDir, repoRoot, type ProjectDir } from "../support/project-dir";

/**
 * A user's TypeScript project, installed from the tarball with the optional peer @pulumi/kubernetes, type-checks an
 * import of every export under each module resolution TypeScript offers. `node10` ("node") is what Pulumi's own
 * TypeScript template uses, and it ignores `exports`; the others read it. No `skipLibCheck`, as in that template,
 * so our declaration files are checked as the user's compiler sees them.
 */
const exportsMap = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { exports: Record<string, unknown> }).exports;
const entryPoints = Object.keys(exportsMap)
  .filter((key) => key !== "./package.json")
  .map((key) => `pulumi-soda-cloud${key.slice(1)}`);

/** Every entry point as a namespace import, plus the names a user imports, used so a missing type is an error. */
const consumer = [
  ...entryPoints.map((entry, i) => `import * as entry${i} from "${entry}";`),
  `import { SodaAgentKey, SodaApiKey, type SodaAgentKeyArgs } from "pulumi-soda-cloud";`,
  `import { SodaAgent, keySecretName, type SodaAgentArgs } from "pulumi-soda-cloud/kubernetes";`,
  `import { startEmulator, type Emulator, type EmulatorOptions } from "pulumi-soda-cloud/emulator";`,
  `export const entries: object[] = [${entryPoints.map((_, i) => `entry${i}`).join(", ")}];`,
  `export const classes: Function[] = [SodaAgentKey, SodaApiKey, SodaAgent];`,
  `export const agentKeyArgs: SodaAgentKeyArgs = { agentName: "a" };`,
  `export const agentArgs: SodaAgentArgs = { agentName: "a" };`,
  `export const secretName: string = keySecretName("id");`,
  `export const options: EmulatorOptions = { port: 0 };`,
  `export const start: (o?: EmulatorOptions) => Promise<Emulator> = startEmulator;`,
  "",
].join("\n");

// TypeScript 6 deprecates node10 resolution unless told to accept it, as a user on 6 must; 5.x refuses the setting.
const acceptNode10 = Number(ts.version.split(".")[0]) >= 6 ? { ignoreDeprecations: "6.0" } : {};

const RESOLUTIONS = {
  node10: { module: "commonjs", moduleResolution: "node", ...acceptNode10 },
  node16: { module: "node16", moduleResolution: "node16" },
  nodenext: { module: "nodenext", moduleResolution: "nodenext" },
  bundler: { module: "esnext", moduleResolution: "bundler" },
} as const;

let project: ProjectDir;

beforeAll(() => {
  project = prepareProjectDir({
    prefix: "soda-consumer-",
    nodeModules: packedInstall(["@pulumi/kubernetes"]),
    // node16 and nodenext type a `.ts` file by the nearest package.json: CommonJS here, ESM in `.mts`.
    files: { "package.json": JSON.stringify({ name: "consumer", private: true }), "index.ts": consumer, "index.mts": consumer },
  });
}, 600_000);
afterAll(() => project?.cleanup());

describe("a consumer project type-checks every export", () => {
  it.each(Object.entries(RESOLUTIONS))(
    "under moduleResolution %s",
    (name, resolution) => {
      const files = name === "node10" ? ["index.ts"] : ["index.ts", "index.mts"];
      const tsconfig = { compilerOptions: { ...resolution, target: "es2020", strict: true, noEmit: true, types: ["node"] }, files };
      fs.writeFileSync(path.join(project.dir, `tsconfig.${name}.json`), JSON.stringify(tsconfig));
      const tsc = path.join(project.dir, "node_modules", "typescript", "bin", "tsc");
      let output = "";
      try {
        execFileSync(process.execPath, [tsc, "-p", `tsconfig.${name}.json`], { cwd: project.dir, encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        output = String((error as { stdout?: string }).stdout ?? error);
      }
      expect(output).toBe("");
    },
    180_000,
  );
});
