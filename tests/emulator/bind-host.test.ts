import { describe, expect, it } from "vitest";
import { clientUrl, isLoopbackHost, isWildcardHost } from "../../emulator/bind-host";
import { useEmulators } from "./helpers";

const start = useEmulators();

describe("bind addresses", () => {
  it.each([
    ["127.0.0.1", true, false],
    ["127.1.2.3", true, false],
    ["localhost", true, false],
    ["::1", true, false],
    ["[::1]", true, false],
    ["0.0.0.0", false, true],
    ["::", false, true],
    ["192.168.1.5", false, false],
    ["emulator.internal", false, false],
  ])("%s: loopback %s, wildcard %s", (host, loopback, wildcard) => {
    expect(isLoopbackHost(host)).toBe(loopback);
    expect(isWildcardHost(host)).toBe(wildcard);
  });

  it("hands out a URL a client can connect to, naming loopback for a wildcard bind", () => {
    expect(clientUrl("0.0.0.0", 8080)).toBe("http://127.0.0.1:8080");
    expect(clientUrl("::", 8080)).toBe("http://[::1]:8080");
    expect(clientUrl("::1", 8080)).toBe("http://[::1]:8080");
    expect(clientUrl("192.168.1.5", 8080)).toBe("http://192.168.1.5:8080");
  });

  it("gives an emulator bound to 0.0.0.0 a loopback url a client can use", async () => {
    const emulator = await start({ host: "0.0.0.0" });
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${emulator.url}/__emulator/state`)).status).toBe(200);
  });
});
