import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index";

/** Starts an emulator on 127.0.0.1:0 and gives small helpers to drive its control API. */
export async function emulatorFixture(options: EmulatorOptions = {}) {
  const emulator: Emulator = await startEmulator({ port: 0, ...options });
  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
  }
  return {
    emulator,
    url: emulator.url,
    admin: emulator.adminKey,
    control,
    /** Simulates a Soda Agent starting with this key under this name. */
    register: (key: { apiKeyId: string; apiKeySecret: string }, name: string) =>
      control("POST", "/__emulator/agents/register", { apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret, name }),
    /** A new user key: an admin by default, or with the given permissions. */
    newApiKey: async (permissions?: string[]) =>
      (await control("POST", "/__emulator/api-keys", permissions === undefined ? undefined : { permissions })).json as {
        apiKeyId: string;
        apiKeySecret: string;
      },
    state: async () => (await control("GET", "/__emulator/state")).json,
    faults: (rules: unknown[]) => control("POST", "/__emulator/faults", { rules }),
    close: () => emulator.close(),
  };
}

export type EmulatorFixture = Awaited<ReturnType<typeof emulatorFixture>>;
