import { afterEach } from "vitest";
import type { Clock } from "../../provider/client/clock";
import { startEmulator, type Emulator, type EmulatorOptions, type KeyPair } from "../../emulator/index";

/** A clock that moves only when told to. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
}

/** A fake clock starting at a fixed, recognisable instant. */
export function fakeClock(start = Date.UTC(2025, 0, 1)): FakeClock {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** An emulator under test, with the fake clock its rate limiter reads. */
export type TestEmulator = Emulator & { clock: FakeClock };

/** Registers an afterEach that closes every emulator the returned function started. */
export function useEmulators(): (options?: EmulatorOptions) => Promise<TestEmulator> {
  const started: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });
  return async (options) => {
    const clock = fakeClock();
    const emulator = await startEmulator({ clock, ...options });
    started.push(emulator);
    return Object.assign(emulator, { clock });
  };
}

/** The Authorization header for a key. */
export function basic(key: KeyPair): string {
  return `Basic ${Buffer.from(`${key.apiKeyId}:${key.apiKeySecret}`).toString("base64")}`;
}

/** A response with its JSON body parsed. */
export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** Calls the REST API; `auth` is a key (Basic) or a raw Authorization header, omitted when undefined. */
export async function api(emulator: Emulator, method: string, path: string, auth?: KeyPair | string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (auth !== undefined) headers.authorization = typeof auth === "string" ? auth : basic(auth);
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) };
}

/** Calls the control API. */
export function control(emulator: Emulator, method: string, path: string, body?: unknown): Promise<Reply> {
  return api(emulator, method, `/__emulator${path}`, undefined, body);
}

/**
 * Mints a runner key with the admin key and registers an agent with it, as a deployed agent would. Moves the
 * fake clock past the (unscaled) create window first, so tests can create many runners without a 429.
 */
export async function createRunner(emulator: TestEmulator, name: string, type?: "SELF_HOSTED" | "SODA_HOSTED"): Promise<{ key: KeyPair; runner: any }> {
  emulator.clock.advance(60_000);
  const created = await api(emulator, "POST", "/api/v1/runners", emulator.adminKey);
  if (created.status !== 200) throw new Error(`create failed: ${created.status}`);
  const key = created.body as KeyPair;
  const registered = await control(emulator, "POST", "/agents/register", { ...key, name, ...(type ? { type } : {}) });
  if (registered.status !== 200) throw new Error(`register failed: ${registered.status}`);
  return { key, runner: registered.body.runner };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const SECRET = /^[A-Za-z0-9_-]{54}$/;
export const TRACE_ID = /^[0-9a-f]{16,}$/;
