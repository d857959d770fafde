import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../emulator/http";
import { basic, useEmulators, type TestEmulator } from "./helpers";

const start = useEmulators();

interface RawReply {
  status: number;
  body: any;
}

/**
 * Sends `size` bytes to an endpoint with node:http, with a Content-Length or chunked, and resolves with the reply.
 * A server may answer before the upload ends; the write error that follows is expected and ignored.
 */
function upload(emulator: TestEmulator, path: string, size: number, framing: "content-length" | "chunked"): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: basic(emulator.adminKey), "content-type": "application/json" };
    if (framing === "content-length") headers["content-length"] = size;
    const req = request(`${emulator.url}${path}`, { method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      res.on("error", reject);
    });
    req.on("error", (error) => (req.writableEnded ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, "a");
    for (let sent = 0; sent < size; sent += chunk.length) req.write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
    req.end();
  });
}

async function runnerKeys(emulator: TestEmulator): Promise<number> {
  const state = (await (await fetch(`${emulator.url}/__emulator/state`)).json()) as { apiKeys: { kind: string }[] };
  return state.apiKeys.filter((k) => k.kind === "runner").length;
}

describe("request body limit", () => {
  it.each(["content-length", "chunked"] as const)("refuses a 60 MB body to POST /api/v1/runners with 413 (%s), minting nothing", async (framing) => {
    const emulator = await start();
    const reply = await upload(emulator, "/api/v1/runners", 60 * 1024 * 1024, framing);
    expect(reply).toEqual({ status: 413, body: { code: "payload_too_large", message: `Request body exceeds ${MAX_BODY_BYTES} bytes.` } });
    expect(await runnerKeys(emulator)).toBe(0);
    expect(emulator.requests().map((r) => [r.method, r.path, r.status])).toEqual([["POST", "/api/v1/runners", 413]]);

    // The emulator goes on serving.
    const created = await fetch(`${emulator.url}/api/v1/runners`, { method: "POST", headers: { authorization: basic(emulator.adminKey) } });
    expect(created.status).toBe(200);
  });

  it("accepts a body at the limit (POST /api/v1/runners takes none and ignores it)", async () => {
    const emulator = await start();
    expect((await upload(emulator, "/api/v1/runners", MAX_BODY_BYTES, "content-length")).status).toBe(200);
    expect(await runnerKeys(emulator)).toBe(1);
  });

  it("refuses an oversized control API body with the same 413", async () => {
    const emulator = await start();
    const reply = await upload(emulator, "/__emulator/api-keys", MAX_BODY_BYTES + 1, "chunked");
    expect(reply).toEqual({ status: 413, body: { code: "payload_too_large", message: `Request body exceeds ${MAX_BODY_BYTES} bytes.` } });
  });
});
