import { describe, expect, it } from "vitest";
import { runDemo } from "../../demo/run";

describe("npm run demo", () => {
  it("tells the whole story through the stand-in engine, masking every secret", async () => {
    const lines: string[] = [];
    await runDemo({ write: (line) => lines.push(line), driver: "stand-in" });
    const text = lines.join("\n");
    expect(text).toContain("not a real `pulumi up`");
    expect(text).toMatch(/SodaAgentKey agent-key: created, id [0-9a-f]{8}…/);
    expect(text).toContain("output agentKeySecret = [secret, 54 characters]");
    expect(text).toMatch(/The agent registered as runner [0-9a-f]{8}…/);
    expect(text).toMatch(/agent-key: registered = true/);
    expect(text).toMatch(/deleted as part of a replacement[\s\S]*created as part of a replacement/);
    expect(text).toMatch(/warning: SodaApiKey \(key [0-9a-f-]+\): Soda Cloud has no API to revoke API keys/);
    expect(lines.filter((l) => l.includes("Soda Cloud (emulator) now has:")).at(-1)).toMatch(/\(revoked\), agent key [0-9a-f]{8}… \(revoked\); no runners\./);
    expect(text).toMatch(/Stopped the emulator and removed its temp dir\./);
    // Secrets are 54 URL-safe characters; none may be printed.
    expect(text).not.toMatch(/[A-Za-z0-9_-]{40,}/);
  }, 120_000);
});
