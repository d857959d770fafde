/** Prints the demo's story: numbered steps, indented details, and nothing secret. */
export class Narrator {
  private step = 0;

  constructor(private readonly write: (line: string) => void) {}

  title(text: string): void {
    this.write(text);
    this.write("=".repeat(Math.min(text.length, 100)));
  }

  /** A new numbered step. */
  begin(text: string): void {
    this.step += 1;
    this.write("");
    this.write(`${this.step}. ${text}`);
  }

  /** A detail of the current step. */
  detail(text: string): void {
    for (const line of text.split("\n")) this.write(`   ${line}`);
  }

  line(text = ""): void {
    this.write(text);
  }
}

/** A one-line account of the emulator's state: keys and runners as Soda Cloud would list them. */
export function describeEmulatorState(state: {
  apiKeys: { apiKeyId: string; kind: string; revoked: boolean; runnerId: string | null }[];
  runners: { id: string; name: string; isOnline: boolean }[];
}): string {
  const runnerKeys = state.apiKeys.filter((k) => k.kind === "runner");
  const keys =
    runnerKeys.length === 0
      ? "no agent keys"
      : runnerKeys
          .map((k) => `agent key ${short(k.apiKeyId)} (${k.revoked ? "revoked" : k.runnerId !== null ? "registered" : "not registered yet"})`)
          .join(", ");
  const runners =
    state.runners.length === 0 ? "no runners" : state.runners.map((r) => `runner ${short(r.id)} "${r.name}" ${r.isOnline ? "online" : "offline"}`).join(", ");
  return `Soda Cloud (emulator) now has: ${keys}; ${runners}.`;
}

/** The first 8 characters of an id, enough to follow it through the story. */
export function short(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}
