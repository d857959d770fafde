import { spawn, type ChildProcess } from "node:child_process";

/** What a command printed, and how it ended. */
export interface GroupRunResult {
  /** The exit code, or -1 when it was stopped by a signal or could not start. */
  code: number;
  stdout: string;
  /** stderr, with a note when the command was stopped or could not start. */
  stderr: string;
  /** stdout then stderr. */
  output: string;
}

export interface GroupRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** How notes name the command, e.g. "pulumi up". */
  label: string;
  /** Called once the command has started, e.g. to signal it while it runs (its output is still collected here). */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Runs a command as the leader of its own process group and resolves with what it printed, whatever the exit
 * code. The group is killed once the command has exited (or timed out), so nothing it started outlives the call:
 * on exit, not close, since a child left running could hold the pipes open.
 */
export function runInProcessGroup(command: string, args: string[], options: GroupRunOptions): Promise<GroupRunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    options.onSpawn?.(child);
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is gone already.
      }
    };
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(killGroup, options.timeoutMs);
    const finish = (code: number, note: string) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr + note, output: `${stdout}${stderr}${note}` });
    };
    child.on("exit", killGroup);
    child.on("close", (code, signal) => {
      finish(code ?? -1, signal !== null ? `\n(${options.label} stopped by ${signal}${signal === "SIGKILL" ? ` after ${options.timeoutMs} ms` : ""})` : "");
    });
    child.on("error", (error) => finish(-1, `\n(${options.label} could not start: ${error.message})`));
  });
}
