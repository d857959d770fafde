import { describe, expect, it } from "vitest";
import { realStack, skipReason } from "./real-stack";

/** Settings that need no network are judged at preview, and a plain-text admin secret is pointed out. */
describe.skipIf(skipReason)("stack settings through the real pulumi CLI", () => {
  it.each([
    ["soda:host", "http://soda.example.com", /SodaAgentKey: soda:host "http:\/\/soda\.example\.com" uses plain http to a host that is not loopback/],
    ["soda:region", "mars", /SodaAgentKey: soda:region "mars" is not a Soda Cloud region; use "eu" \(cloud\.soda\.io\) or "us" \(cloud\.us\.soda\.io\)/],
    ["soda:requestTimeoutMs", "30s", /SodaAgentKey: soda:requestTimeoutMs "30s" must be a positive number of milliseconds/],
  ])("a bad %s fails `pulumi preview`, without a request", async (key, value, message) => {
    const stack = await realStack({});
    // soda:region only counts when soda:host is not set.
    if (key === "soda:region") await stack.cli.run(["config", "rm", "soda:host"]);
    await stack.cli.setConfig({ [key]: value });
    const output = await stack.cli.fail(["preview", "--non-interactive"]);
    expect(output).toMatch(message);
    // One message, for the resource as a whole: on its row and under Diagnostics, as the CLI shows every error, and
    // nowhere else; no repeat of itself, no JavaScript stack frame (a thrown error brought both, four times over).
    expect(output).toMatch(/resource 'agent' has a problem: SodaAgentKey: soda:/);
    expect(output.match(new RegExp(message.source, "g"))).toHaveLength(2);
    expect(output).not.toMatch(/^\s*at .*:\d+:\d+\)?$/m);
    expect(output).not.toMatch(/Error: SodaAgentKey/);
    expect(stack.emulatorLog).toEqual([]);
  });

  it("an admin secret set without --secret draws a warning at preview", async () => {
    const stack = await realStack({});
    await stack.cli.run(["config", "set", "--plaintext", "--", "soda:apiKeySecret", stack.soda.admin.apiKeySecret]);
    const preview = await stack.cli.run(["preview", "--non-interactive"]);
    expect(preview).toMatch(/soda:apiKeySecret is stored in plain text in this stack's config file\. Set it again as a secret/);
    expect(preview).not.toContain(stack.soda.admin.apiKeySecret);
    // Set as a secret, there is nothing to say.
    await stack.cli.setConfig({ "soda:apiKeySecret": { secret: stack.soda.admin.apiKeySecret } });
    expect(await stack.cli.run(["preview", "--non-interactive"])).not.toMatch(/plain text/);
  });
});
