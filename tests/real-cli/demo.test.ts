import { describe, expect, it } from "vitest";
import { runDemo } from "../../demo/run";
import { skipReason } from "./real-stack";

describe.skipIf(skipReason)("npm run demo with the real pulumi CLI", () => {
  it("prints the CLI's own output for each step, every secret masked, and cleans up", async () => {
    const lines: string[] = [];
    await runDemo({ write: (line) => lines.push(line) });
    const text = lines.join("\n");
    expect(text).toMatch(/run by the pulumi CLI v3\.\d+\.\d+/);
    expect(text).toMatch(/\+ {2}pulumi-nodejs:dynamic\/soda:AgentKey agent-key created/);
    expect(text).toMatch(/\+ 3 created/);
    expect(text).toMatch(/agentKeySecret\s*: \[secret\]/);
    expect(text).toMatch(/The agent registered as runner [0-9a-f]{8}…/);
    expect(text).toMatch(/agent-key: registered = true/);
    expect(text).toMatch(/deleted original[\s\S]*created replacement/);
    expect(text).toMatch(
      /Diagnostics:\s+pulumi:pulumi:Stack \(soda-cloud-quickstart-demo\):\s+warning: SodaApiKey \(key [0-9a-f-]+\): Soda Cloud has no API to revoke API keys/,
    );
    expect(lines.filter((l) => l.includes("Soda Cloud (emulator) now has:")).at(-1)).toMatch(/\(revoked\), agent key [0-9a-f]{8}… \(revoked\); no runners\./);
    expect(text).toMatch(/Stopped the emulator and removed its temp dir\./);
    // Secrets are 54 URL-safe characters; none may be printed.
    expect(text).not.toMatch(/[A-Za-z0-9_-]{40,}/);
  });
});
