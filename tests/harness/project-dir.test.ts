// prepareProjectDir: copies, files, node_modules links that resolve to the
// repository's own package copies, and a cleanup that never follows the links.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { PACKAGE_NAME, prepareProjectDir, repoRoot, type ProjectDir } from "../support/project-dir";

const made: ProjectDir[] = [];
const scratch: string[] = [];

afterEach(() => {
  made.splice(0).forEach((p) => p.cleanup());
  scratch.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function prepare(...args: Parameters<typeof prepareProjectDir>): ProjectDir {
  const project = prepareProjectDir(...args);
  made.push(project);
  return project;
}

describe("prepareProjectDir", () => {
  it("finds the repository root", () => {
    expect(JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).name).toBe(PACKAGE_NAME);
  });

  it("copies the source without its node_modules and writes files over it", () => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), "project-source-"));
    scratch.push(source);
    fs.writeFileSync(path.join(source, "Pulumi.yaml"), "name: copied\n");
    fs.writeFileSync(path.join(source, "index.ts"), "export {};\n");
    fs.mkdirSync(path.join(source, "node_modules", "stale"), { recursive: true });
    fs.mkdirSync(path.join(source, "lib", "node_modules"), { recursive: true });

    const project = prepare({ source, files: { "index.ts": "export const x = 1;\n", "nested/extra.txt": "hi" } });

    expect(fs.readFileSync(path.join(project.dir, "Pulumi.yaml"), "utf8")).toBe("name: copied\n");
    expect(fs.readFileSync(path.join(project.dir, "index.ts"), "utf8")).toBe("export const x = 1;\n");
    expect(fs.readFileSync(path.join(project.dir, "nested", "extra.txt"), "utf8")).toBe("hi");
    expect(fs.existsSync(path.join(project.dir, "node_modules", "stale"))).toBe(false);
    // Only the top-level node_modules is skipped.
    expect(fs.existsSync(path.join(project.dir, "lib", "node_modules"))).toBe(true);
  });

  it("resolves @pulumi/pulumi and this package to the repository's own copies", () => {
    const project = prepare({ files: { "package.json": "{}" } });
    const fromProject = (id: string) => fs.realpathSync(require.resolve(id, { paths: [project.dir] }));

    expect(fromProject("@pulumi/pulumi")).toBe(fs.realpathSync(require.resolve("@pulumi/pulumi")));
    expect(fromProject("@grpc/grpc-js")).toBe(fs.realpathSync(require.resolve("@grpc/grpc-js")));
    expect(fs.realpathSync(path.join(project.dir, "node_modules", PACKAGE_NAME))).toBe(fs.realpathSync(repoRoot));
    expect(fs.lstatSync(path.join(project.dir, "node_modules", "@pulumi")).isSymbolicLink()).toBe(true);
  });

  it("removes only the project dir on cleanup, and only once", () => {
    const project = prepareProjectDir({ files: { "a.txt": "a" } });
    project.cleanup();
    project.cleanup();
    expect(fs.existsSync(project.dir)).toBe(false);
    expect(fs.existsSync(path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json"))).toBe(true);
    expect(fs.existsSync(path.join(repoRoot, "package.json"))).toBe(true);
  });
});
