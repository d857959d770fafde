import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/project-dir";

/** The files `npm pack` would put in the tarball, from the current build (the pretest script builds). */
function packedFiles(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8" });
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
  return pack.files.map((f) => f.path);
}

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
  license: string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

describe("the published tarball", () => {
  const files = packedFiles();

  it("ships the license package.json names, the README and the emulator's README it links to", () => {
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "emulator/README.md"]));
    expect(manifest.license).toBe("Apache-2.0");
    expect(fs.readFileSync(path.join(repoRoot, "LICENSE"), "utf8")).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
  });

  it("has no source map naming a file it does not ship (stack traces would name files that do not exist)", () => {
    const shipped = new Set(files);
    const dangling = files
      .filter((file) => file.endsWith(".map"))
      .flatMap((map) => {
        const { sources } = JSON.parse(fs.readFileSync(path.join(repoRoot, map), "utf8")) as { sources: string[] };
        return sources.map((source) => path.posix.join(path.posix.dirname(map), source)).filter((source) => !shipped.has(source));
      });
    expect(dangling).toEqual([]);
  });

  it("ships the files of every export and of the bin", () => {
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target)));
    const expected = [...targets, ...Object.values(manifest.bin)].map((file) => path.posix.normalize(file));
    expect(expected).toContain("dist/sdk/kubernetes.js");
    expect(files).toEqual(expect.arrayContaining(expected));
  });

  it("leaves @pulumi/kubernetes to the users of pulumi-soda-cloud/kubernetes: an optional peer, not a dependency", () => {
    expect(Object.keys(manifest.dependencies)).not.toContain("@pulumi/kubernetes");
    expect(manifest.peerDependencies?.["@pulumi/kubernetes"]).toBeDefined();
    expect(manifest.peerDependenciesMeta?.["@pulumi/kubernetes"]).toEqual({ optional: true });
  });
});
