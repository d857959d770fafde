import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// The real bin, built by the pretest script, started as the engine starts a plugin: through a link (as
// `pulumi plugin install --file` or a bin entry make), reading the port from its first line of stdout.
const BIN = resolve(__dirname, "../../../bin/pulumi-resource-soda");

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts the plugin through a link in a directory of its own; resolves with its port once printed. */
async function startThroughLink(): Promise<{ child: ChildProcess; port: number; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const dir = mkdtempSync(join(tmpdir(), "soda-plugin-link-"));
  dirs.push(dir);
  const link = join(dir, "pulumi-resource-soda");
  symlinkSync(BIN, link);
  const child = spawn(link, [], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on("exit", (code, signal) => done({ code, signal })));
  let out = "";
  const port = await new Promise<number>((done, fail) => {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const line = /^(\d+)\n/.exec(out);
      if (line) done(Number(line[1]));
    });
    void ended.then(({ code, signal }) => fail(new Error(`the plugin ended before printing its port (code ${code}, signal ${signal})`)));
  });
  return { child, port, ended };
}

describe("the soda plugin as a process", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("started through a link, stops cleanly on %s sent right after its port", async (signal) => {
    const { child, port, ended } = await startThroughLink();
    expect(port).toBeGreaterThan(0);
    child.kill(signal);
    // Our shutdown ran (exit code 0), rather than Node's default for the signal (killed by it).
    expect(await ended).toEqual({ code: 0, signal: null });
  });
});
