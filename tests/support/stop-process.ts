import type { ChildProcess } from "node:child_process";

/**
 * Asks a child process to stop (SIGTERM), forces it after `graceMs` (SIGKILL), and resolves once `exited` has,
 * so that no test or benchmark leaves a process behind.
 */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>, graceMs = 5_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
