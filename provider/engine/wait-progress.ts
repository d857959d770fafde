import type { Clock } from "../client/clock";
import type { PacerWait, WaitObserver } from "../client/pacer";
import { DOCUMENTED_WINDOW_MS, type Operation } from "../client/soda-api";
import type { StatusLine } from "./status-line";

/**
 * What a resource waits for, in the words of its status line: the pacer holding a request back for one of Soda's
 * rate limits, and the wait for an agent to register. Numbers, names and limits only: never a secret.
 */

/** What each operation's limit counts. */
const COUNTED: Record<Operation, string> = {
  createRunnerKey: "agent creates",
  deleteRunner: "agent deletes",
  listRunners: "agent list requests",
  getRunner: "agent lookups",
  testLogin: "key checks",
};

/**
 * The fewest milliseconds between two status lines of one wait. The pacer says how long is left every few seconds
 * and on every change, and releases can wake it many times a second: one line each would flood a non-interactive
 * log, where every new status prints the resource's row again.
 */
export const STATUS_MIN_GAP_MS = 2_000;

/** `waiting 42 s for Soda's limit of 10 agent creates per minute` */
export function pacerWaitMessage(wait: PacerWait, remainingMs: number): string {
  return `waiting ${Math.max(1, Math.ceil(remainingMs / 1000))} s for ${limitText(wait)}`;
}

/** `waited 42 s for Soda's limit of 10 agent creates per minute`: the last word of a wait, so that no countdown stays behind. */
export function pacerWaitedMessage(wait: PacerWait, waitedMs: number): string {
  return `waited ${Math.max(1, Math.round(waitedMs / 1000))} s for ${limitText(wait)}`;
}

/** `waiting for agent "prod-agent" to register (35 s of 300 s)`, or `to come online` once it registered. */
export function agentWaitMessage(agentName: string, elapsedMs: number, timeoutSeconds: number, registered: boolean): string {
  const what = registered ? "come online" : "register";
  return `waiting for agent "${agentName}" to ${what} (${Math.floor(elapsedMs / 1000)} s of ${timeoutSeconds} s)`;
}

/**
 * `waited 10 s for agent "prod-agent" to register`: the last word of a wait that said anything, so that the row of
 * the created resource does not keep a countdown (the non-interactive display prints it with its last status).
 */
export function agentWaitedMessage(agentName: string, elapsedMs: number, seenOffline: boolean): string {
  return `waited ${Math.round(elapsedMs / 1000)} s for agent "${agentName}" to ${seenOffline ? "come online" : "register"}`;
}

function limitText(wait: PacerWait): string {
  return `Soda's limit of ${wait.rate.limit} ${COUNTED[wait.operation]} per ${windowText(wait.rate.windowMs)}`;
}

/** "minute" for Soda's documented window; a scaled one (tests, soda:rateWindowMs) as it is. */
function windowText(ms: number): string {
  if (ms === DOCUMENTED_WINDOW_MS) return "minute";
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * The observer of one pacer wait that writes its status line: when the wait starts, whenever the pacer says how
 * long is left (every few seconds of its clock) but no more often than `STATUS_MIN_GAP_MS`, and once when it ends.
 */
export function pacerWaitReporter(status: StatusLine, clock: Clock, wait: PacerWait): WaitObserver {
  const startedAt = clock.now();
  let lastSentAt: number | undefined;
  return {
    remaining(ms) {
      const now = clock.now();
      if (lastSentAt !== undefined && now - lastSentAt < STATUS_MIN_GAP_MS) return;
      lastSentAt = now;
      status(pacerWaitMessage(wait, ms));
    },
    ended() {
      if (lastSentAt !== undefined) status(pacerWaitedMessage(wait, clock.now() - startedAt));
    },
  };
}
