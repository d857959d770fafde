/**
 * The floor: the very HTTP requests the provider must make for an operation, sent directly with undici from this
 * process, with a kept-alive connection pool and nothing else (no gRPC, no provider host, no validation beyond
 * JSON.parse). No provider can be faster than this against the same server.
 */
import { Agent, request } from "undici";
import type { KeyPair } from "../emulator/index";

interface Reply {
  status: number;
  json: any;
}

export class FloorClient {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  private readonly headers: Record<string, string>;

  constructor(
    private readonly endpoint: string,
    admin: KeyPair,
  ) {
    this.headers = {
      authorization: `Basic ${Buffer.from(`${admin.apiKeyId}:${admin.apiKeySecret}`).toString("base64")}`,
      "user-agent": "soda-bench-floor",
      accept: "application/json",
    };
  }

  async send(method: "GET" | "POST" | "DELETE", path: string): Promise<Reply> {
    const response = await request(`${this.endpoint}${path}`, { method, headers: this.headers, dispatcher: this.agent });
    const text = await response.body.text();
    return { status: response.statusCode, json: text === "" ? undefined : JSON.parse(text) };
  }

  private async expectOk(method: "GET" | "POST" | "DELETE", path: string): Promise<any> {
    const reply = await this.send(method, path);
    if (reply.status !== 200) throw new Error(`floor ${method} ${path}: HTTP ${reply.status} ${JSON.stringify(reply.json)}`);
    return reply.json;
  }

  /** What a create must do: the name check (one page of up to 1000 runners), then the key. */
  async createKey(agentName: string): Promise<KeyPair> {
    const page = await this.expectOk("GET", "/api/v1/runners?page=0&size=1000");
    if ((page.content as { name: string }[]).some((r) => r.name === agentName)) throw new Error(`floor: ${agentName} is taken`);
    return (await this.expectOk("POST", "/api/v1/runners")) as KeyPair;
  }

  /** What a refresh's read must do: one page of the runner list, which the reads of a whole refresh share. */
  async readRunner(runnerId: string): Promise<unknown> {
    const page = await this.expectOk("GET", "/api/v1/runners?page=0&size=1000");
    return (page.content as { id: string }[]).find((r) => r.id === runnerId);
  }

  /** What a delete with a known runner id must do: read the runner (is it still under the key's name?), then delete it. */
  async deleteRunner(runnerId: string): Promise<void> {
    await this.expectOk("GET", `/api/v1/runners/${encodeURIComponent(runnerId)}`);
    await this.expectOk("DELETE", `/api/v1/runners/${encodeURIComponent(runnerId)}`);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
