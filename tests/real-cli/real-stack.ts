import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inject } from "vitest";
import { emulatorFixture, type EmulatorFixture } from "../support/emulator-fixture";
import { userProject } from "../support/packed-install";
import { PulumiCli } from "../support/pulumi-cli";

/** Why the tier skips here ("" when it runs); `describe.skipIf(skipReason)`. */
export const skipReason: string = inject("realCliSkipReason");

/** The compile settings Pulumi's TypeScript runner needs (it forces nodenext resolution). */
export const TSCONFIG = JSON.stringify({
  compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: true },
  files: ["index.ts"],
});

/** A Pulumi.yaml for a TypeScript program named `name`. */
export function pulumiYaml(name: string): string {
  return `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`;
}

/** A stack of the real CLI against a fresh emulator, in a user's project that installed the packed package. */
export interface RealStack {
  cli: PulumiCli;
  soda: EmulatorFixture;
  projectDir: string;
  /** Stops the emulator and removes the project and the run's state. */
  close(): Promise<void>;
}

export interface RealStackOptions {
  /** An example directory to copy. */
  source?: string;
  /** Files written over it (a whole program when there is no source). */
  files?: Record<string, string>;
  /** Stack config besides the emulator's soda:host and admin key. */
  config?: Record<string, string | { secret: string }>;
}

export async function realStack(options: RealStackOptions): Promise<RealStack> {
  const soda = await emulatorFixture();
  const project = userProject(inject("userNodeModules"), { source: options.source, files: options.files });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-real-cli-"));
  const close = async () => {
    await soda.close();
    project.cleanup();
    fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const cli = new PulumiCli(inject("pulumiBin"), project.dir, runDir);
    await cli.run(["stack", "init", "test", "--non-interactive"]);
    await cli.setConfig({
      "soda:host": soda.url,
      "soda:apiKeyId": soda.admin.apiKeyId,
      "soda:apiKeySecret": { secret: soda.admin.apiKeySecret },
      ...options.config,
    });
    return { cli, soda, projectDir: project.dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `pulumi up` flags for a run that must not stop to ask. */
export const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
export const REFRESH = ["refresh", "--yes", "--skip-preview", "--non-interactive"];
export const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];
