import { describe, expect, it } from "vitest";
import { AGENT_KEY } from "../../provider/spec/agent-key";
import { API_KEY } from "../../provider/spec/api-key";
import { UNKNOWN } from "../../provider/engine/unknowns";
import { InputError, checkInputs, parseInputs } from "../../provider/resources/validation";

const KEY_ID = "3f2a9c4e-0b1d-4c6e-9a7f-2d8e5b1c0a93";
const CANARY = "canary-secret-7f3b9d1e";

describe("agent key inputs", () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["missing agentName", {}, "agentName", /is required/],
    ["empty agentName", { agentName: "" }, "agentName", /must not be empty/],
    ["too long agentName", { agentName: "a".repeat(101) }, "agentName", /at most 100/],
    ["ill-formed agentName", { agentName: "bad/name" }, "agentName", /letters, digits/],
    ["agentName with a trailing dash", { agentName: "agent-" }, "agentName", /start and end/],
    ["agentName of the wrong type", { agentName: 42 }, "agentName", /must be a string/],
    ["rotationPeriod without unit", { agentName: "a", rotationPeriod: "90" }, "rotationPeriod", /"90d"/],
    ["negative rotationPeriod", { agentName: "a", rotationPeriod: "-1d" }, "rotationPeriod", /not a rotation period/],
    ["rotationPeriod in words", { agentName: "a", rotationPeriod: "1 fortnight" }, "rotationPeriod", /not a rotation period/],
    [
      "zero rotationPeriod",
      { agentName: "a", rotationPeriod: "0d" },
      "rotationPeriod",
      /^is zero \("0d"\), which would rotate on every run; the shortest period is "1m"$/,
    ],
    [
      "rotationPeriod over the cap",
      { agentName: "a", rotationPeriod: "1000000d" },
      "rotationPeriod",
      /^is longer than the largest period accepted, 999999 of a unit/,
    ],
    ["rotationPeriod of another unit", { agentName: "a", rotationPeriod: "2w" }, "rotationPeriod", /whole number from 1 to 999999 followed by d, h or m/],
    ["rotationTriggers not a map", { agentName: "a", rotationTriggers: "x" }, "rotationTriggers", /map of strings/],
    // The argument, so the engine can show its value, and the entry inside it with what it got (the engine showed
    // `value {<nil>}` for the nested path, and "must be a string" did not say what it was).
    ["rotationTriggers with a number", { agentName: "a", rotationTriggers: { n: 1 } }, "rotationTriggers", /^n must be a string \(got a number\)$/],
    ["agentName a boolean", { agentName: true }, "agentName", /^must be a string \(got a boolean\)$/],
    ["agentName a list", { agentName: ["a"] }, "agentName", /^must be a string \(got a list\)$/],
    ["misspelled argument", { agentNmae: "a", agentName: "a" }, "agentNmae", /did you mean "agentName"/],
  ])("%s names %s", (_label, inputs, property, reason) => {
    const failures = checkInputs(AGENT_KEY, inputs);
    expect(failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  it("accepts valid inputs, ignoring the engine's __provider", () => {
    expect(checkInputs(AGENT_KEY, { __provider: "x", agentName: "prod agent_1.eu", rotationPeriod: "90d", rotationTriggers: { a: "1" } })).toEqual([]);
  });

  it("skips values not known yet (preview)", () => {
    expect(checkInputs(AGENT_KEY, { agentName: UNKNOWN, rotationPeriod: UNKNOWN, rotationTriggers: { a: UNKNOWN } })).toEqual([]);
  });

  it("parseInputs throws one error naming every property", () => {
    expect(() => parseInputs(AGENT_KEY, { agentName: "", rotationPeriod: "x" })).toThrow(InputError);
    expect(() => parseInputs(AGENT_KEY, { agentName: "", rotationPeriod: "x" })).toThrow(/agentName.*rotationPeriod/);
  });
});

describe("API key inputs", () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["apiKeyId not a UUID", { apiKeyId: "not-a-uuid", apiKeySecret: CANARY }, "apiKeyId", /UUID/],
    ["empty secret", { apiKeyId: KEY_ID, apiKeySecret: "" }, "apiKeySecret", /must not be empty/],
    ["secret with a newline", { apiKeyId: KEY_ID, apiKeySecret: `${CANARY}\n` }, "apiKeySecret", /line breaks/],
    ["missing secret", { apiKeyId: KEY_ID }, "apiKeySecret", /is required/],
    ["secret of the wrong type", { apiKeyId: KEY_ID, apiKeySecret: 7 }, "apiKeySecret", /must be a string/],
    ["misspelled argument", { apiKeyId: KEY_ID, apiKeySecret: CANARY, apiKeySecrett: CANARY }, "apiKeySecrett", /did you mean "apiKeySecret"/],
  ])("%s names %s and never echoes the secret", (_label, inputs, property, reason) => {
    const failures = checkInputs(API_KEY, inputs);
    expect(failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
    expect(JSON.stringify(failures)).not.toContain(CANARY);
  });
});
