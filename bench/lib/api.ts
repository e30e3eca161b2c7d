/** The few Outbound API calls the scenarios need, over one small undici Pool with the bearer token. */
import { Pool } from "undici";
import type { BenchServer } from "./server.ts";

export interface Stats {
  success: number;
  pending: number;
  sending: number;
  fail: number;
}

export class Api {
  readonly pool: Pool;
  readonly headers: Record<string, string>;

  constructor(server: BenchServer) {
    this.pool = new Pool(server.url, { connections: 8 });
    this.headers = { authorization: `Bearer ${server.token}`, "content-type": "application/json" };
  }

  async call<T>(method: "GET" | "POST" | "PATCH", path: string, body: unknown, expect: number): Promise<T> {
    const res = await this.pool.request({
      method,
      path,
      headers: this.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    if (res.statusCode !== expect) {
      throw new Error(
        `${method} ${path} answered ${res.statusCode} (expected ${expect}): ${text.slice(0, 300)}`,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async createApp(name: string): Promise<string> {
    return (await this.call<{ id: string }>("POST", "/api/v1/app", { name }, 201)).id;
  }

  async createEndpoint(appId: string, url: string): Promise<string> {
    return (await this.call<{ id: string }>("POST", `/api/v1/app/${appId}/endpoint`, { url }, 201)).id;
  }

  /** Creates `urls.length` endpoints, `parallel` at a time; ids in the same order. */
  async createEndpoints(appId: string, urls: readonly string[], parallel = 16): Promise<string[]> {
    const ids: string[] = new Array(urls.length);
    let next = 0;
    const worker = async () => {
      while (next < urls.length) {
        const i = next++;
        ids[i] = await this.createEndpoint(appId, urls[i] ?? "");
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, urls.length) }, worker));
    return ids;
  }

  async sendMessage(appId: string, payload: Record<string, unknown>): Promise<string> {
    const path = `/api/v1/app/${appId}/msg`;
    return (await this.call<{ id: string }>("POST", path, { eventType: "invoice.paid", payload }, 202)).id;
  }

  async stats(appId: string, endpointId: string): Promise<Stats> {
    return this.call<Stats>("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/stats`, undefined, 200);
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => this.pool.destroy());
  }
}

/** The body of POST /msg for message `i` (eventType + payload), pre-serialised for the load generator. */
export function messageBody(payload: Record<string, unknown>): string {
  return JSON.stringify({ eventType: "invoice.paid", payload });
}
