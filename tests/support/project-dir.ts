/**
 * Throwaway Pulumi project directories whose `node_modules` resolve to this
 * repository's packages, so a program (and the provider host started in it) loads
 * the very same `@pulumi/pulumi` and `pulumi-soda-cloud` copies the tests do.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root: the package's own directory, found by name so it holds when this file is compiled elsewhere. */
export const repoRoot: string = path.dirname(require.resolve("pulumi-soda-cloud/package.json"));

/** The package name a project uses to import this repository. */
export const PACKAGE_NAME = "pulumi-soda-cloud";

export interface PrepareProjectDirOptions {
  /** A directory to copy (an example program); its `node_modules` is skipped. */
  source?: string;
  /** Files to write, by path relative to the project dir; written after the copy, so they win. */
  files?: Record<string, string>;
  /** Prefix of the temp dir's name. */
  prefix?: string;
  /** A `node_modules` directory to link as the project's own (a packed install); else the repository's, see below. */
  nodeModules?: string;
}

export interface ProjectDir {
  /** Absolute path of the project dir. */
  dir: string;
  /** Removes the project dir (never follows the `node_modules` links). Safe to call more than once. */
  cleanup(): void;
}

/**
 * Makes a temp project dir: the copied source, the given files, and a
 * `node_modules/` of symlinks to every entry of the repository's `node_modules`
 * (scopes such as `@pulumi` link the whole scope dir) plus
 * `node_modules/pulumi-soda-cloud` -> the repository root. Node resolves realpaths,
 * so module instances are shared with the repository's.
 */
export function prepareProjectDir(options: PrepareProjectDirOptions = {}): ProjectDir {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), options.prefix ?? "pulumi-project-")));
  try {
    if (options.source !== undefined) {
      const source = path.resolve(options.source);
      fs.cpSync(source, dir, {
        recursive: true,
        filter: (src) => path.basename(src) !== "node_modules" || path.dirname(src) !== source,
      });
    }
    for (const [relative, content] of Object.entries(options.files ?? {})) {
      const target = path.join(dir, relative);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    if (options.nodeModules !== undefined) fs.symlinkSync(options.nodeModules, path.join(dir, "node_modules"), "dir");
    else linkNodeModules(dir);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let removed = false;
  return {
    dir,
    cleanup() {
      if (!removed) {
        removed = true;
        // rmSync removes symlinks themselves, not their targets.
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function linkNodeModules(dir: string): void {
  const repoModules = path.join(repoRoot, "node_modules");
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  for (const entry of fs.readdirSync(repoModules)) {
    // Tool caches and npm's lockfile copy are not packages; `.bin` is kept for completeness.
    if ((entry.startsWith(".") && entry !== ".bin") || entry === PACKAGE_NAME) {
      continue;
    }
    fs.symlinkSync(path.join(repoModules, entry), path.join(modules, entry), "dir");
  }
  fs.symlinkSync(repoRoot, path.join(modules, PACKAGE_NAME), "dir");
}
