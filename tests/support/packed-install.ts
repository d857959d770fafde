import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PACKAGE_NAME, repoRoot } from "./project-dir";

/** The cache root shared with scripts/pulumi-cli/build.sh: outside git, kept across runs. */
function cacheRoot(): string {
  return process.env.PULUMI_SODA_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-soda-cloud");
}

/** The version of a package installed in this checkout's node_modules. */
export function installedVersion(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * This package installed the way a user installs it: `npm pack` of the current build, then `npm install` of that
 * tarball into a fresh project with the @pulumi/pulumi and TypeScript versions this checkout uses, plus
 * `extraPackages` at this checkout's versions (e.g. the optional peer `@pulumi/kubernetes`). Cached by the tarball's
 * digest and the versions, so an unchanged build is installed once. Returns the project's `node_modules` directory.
 *
 * The `pulumi` CLI is kept off PATH during the install: @pulumi/kubernetes's install script would otherwise try to
 * download its plugin.
 */
export function packedInstall(extraPackages: readonly string[] = []): string {
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "soda-pack-"));
  try {
    const tarballName = execFileSync("npm", ["pack", "--silent", "--pack-destination", packDir], { cwd: repoRoot, encoding: "utf8", env: npmEnv() })
      .trim()
      .split("\n")
      .pop() as string;
    const tarball = path.join(packDir, tarballName);
    const versions = Object.fromEntries(["@pulumi/pulumi", "typescript", "@types/node", ...extraPackages].map((pkg) => [pkg, installedVersion(pkg)]));
    const extras = Object.fromEntries(extraPackages.map((pkg) => [pkg, versions[pkg]]));
    // Keyed by the build and by the versions beside it (the compatibility job pins other @pulumi/pulumi versions).
    const digest = createHash("sha256").update(fs.readFileSync(tarball)).update(JSON.stringify(versions)).digest("hex").slice(0, 16);
    const installDir = path.join(cacheRoot(), "packed-install", digest);
    const done = path.join(installDir, ".installed");
    if (!fs.existsSync(done)) {
      fs.rmSync(installDir, { recursive: true, force: true });
      fs.mkdirSync(installDir, { recursive: true });
      fs.copyFileSync(tarball, path.join(installDir, "pulumi-soda-cloud.tgz"));
      const manifest = {
        name: "soda-user-project",
        private: true,
        dependencies: { [PACKAGE_NAME]: "file:./pulumi-soda-cloud.tgz", "@pulumi/pulumi": versions["@pulumi/pulumi"], ...extras },
        devDependencies: { typescript: versions.typescript, "@types/node": versions["@types/node"] },
      };
      fs.writeFileSync(path.join(installDir, "package.json"), JSON.stringify(manifest, null, 2));
      execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel", "error"], {
        cwd: installDir,
        stdio: ["ignore", "ignore", "inherit"],
        env: npmEnv(),
      });
      fs.writeFileSync(done, new Date().toISOString());
    }
    markUsed(done);
    pruneInstalls(path.dirname(installDir));
    return path.join(installDir, "node_modules");
  } finally {
    fs.rmSync(packDir, { recursive: true, force: true });
  }
}

/**
 * Every source change packs a new tarball, and each install is about 150 MB, so without pruning a contributor's
 * cache grows by that much per change. An install is removed once it is neither among the INSTALLS_KEPT most
 * recently used nor used within IN_USE_MS: a run marks its install when it starts, and a run in progress elsewhere
 * (another worktree, the compatibility job) may make installs of its own meanwhile, so recency alone could remove
 * one still in use.
 */
const INSTALLS_KEPT = 6;
const IN_USE_MS = 2 * 60 * 60 * 1000;

/** Records that an install was used now: pruning keeps the most recently used. */
function markUsed(done: string): void {
  const now = new Date();
  fs.utimesSync(done, now, now);
}

/** Removes the installs that are neither recent enough nor among the most recently used (see INSTALLS_KEPT). */
function pruneInstalls(root: string): void {
  const entries = fs.readdirSync(root).map((name) => {
    const dir = path.join(root, name);
    const done = path.join(dir, ".installed");
    // An unfinished install (no `.installed` yet) counts from its directory's time: it may be under way.
    return { dir, usedMs: fs.statSync(fs.existsSync(done) ? done : dir).mtimeMs };
  });
  entries.sort((a, b) => b.usedMs - a.usedMs);
  for (const entry of entries.slice(INSTALLS_KEPT)) if (Date.now() - entry.usedMs > IN_USE_MS) fs.rmSync(entry.dir, { recursive: true, force: true });
}

/** PATH without any directory holding a `pulumi` binary (see packedInstall). */
function npmEnv(): NodeJS.ProcessEnv {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => !fs.existsSync(path.join(dir, "pulumi")));
  return { ...process.env, PATH: dirs.join(path.delimiter) };
}
