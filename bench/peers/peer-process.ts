/**
 * What every job-queue peer process shares (bench/peers/*-peer.ts): the same work as `outbound serve` with the
 * queue library doing the queueing. A node:http ingest (`POST /msg` with `{ eventType, payload }` → enqueue →
 * 202), and a delivery function for the queue's worker: pick the endpoint by event type, sign with
 * `standardwebhooks` and POST with undici. Configuration comes from the environment (PEER_*), set by
 * bench/lib/peer-launcher.ts.
 *
 * The ingest is deliberately minimal (no auth, no schema beyond two type checks, no idempotency): what a user
 * would write in front of a queue. That favours the peers, and the report says so.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";
import { Agent, request } from "undici";

export interface PeerEndpoint {
  eventType: string;
  url: string;
  /** `whsec_…` Standard Webhooks secret. */
  secret: string;
}

/** What the queue carries per message. */
export interface PeerJob {
  id: string;
  eventType: string;
  payload: unknown;
}

export interface PeerConfig {
  port: number;
  endpoints: PeerEndpoint[];
  /** Jobs the worker runs at once (Outbound's bench runs with 64 per endpoint, 256 in all). */
  concurrency: number;
  /** PEER_QUEUE_URL: redis://… or postgres://… */
  queueUrl: string;
  /** A name unique to this run (queue name / schema), so parallel runs never share state. */
  queueName: string;
}

export function readPeerConfig(): PeerConfig {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    port: Number(need("PEER_PORT")),
    endpoints: JSON.parse(need("PEER_ENDPOINTS")) as PeerEndpoint[],
    concurrency: Number(need("PEER_CONCURRENCY")),
    queueUrl: need("PEER_QUEUE_URL"),
    queueName: need("PEER_QUEUE_NAME"),
  };
}

/** Signs and POSTs one job to the endpoint its event type selects; throws on anything but 2xx (the queue retries). */
export function createDeliverer(endpoints: readonly PeerEndpoint[]) {
  // Prepared once per endpoint, as Outbound prepares its HMAC keys.
  const byType = new Map(endpoints.map((e) => [e.eventType, { url: e.url, webhook: new Webhook(e.secret) }]));
  const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 15_000, bodyTimeout: 15_000 });
  return {
    async deliver(job: PeerJob): Promise<void> {
      const endpoint = byType.get(job.eventType);
      if (!endpoint) return; // no subscriber: nothing to send, like Outbound's routing
      const body = JSON.stringify(job.payload);
      const now = new Date();
      const res = await request(endpoint.url, {
        method: "POST",
        dispatcher: agent,
        headers: {
          "content-type": "application/json",
          "webhook-id": job.id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": endpoint.webhook.sign(job.id, now, body),
        },
        body,
      });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode > 299)
        throw new Error(`receiver answered ${res.statusCode}`);
    },
    close: () => agent.close(),
  };
}

function answer(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/**
 * `POST /msg` → `enqueue(job)` → 202 `{ id }` once the queue library has accepted the job; `GET /health` → 204.
 * Resolves when listening on 127.0.0.1.
 */
export async function startIngest(port: number, enqueue: (job: PeerJob) => Promise<void>) {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/health") return answer(res, 204);
    if (req.method !== "POST" || req.url !== "/msg") return answer(res, 404, { error: "not found" });
    readJson(req).then(
      async (body) => {
        const { eventType, payload } = (body ?? {}) as { eventType?: unknown; payload?: unknown };
        if (typeof eventType !== "string" || typeof payload !== "object" || payload === null) {
          return answer(res, 422, { error: "eventType (string) and payload (object) are required" });
        }
        const job: PeerJob = { id: `msg_${randomUUID()}`, eventType, payload };
        try {
          await enqueue(job);
          answer(res, 202, { id: job.id });
        } catch (error) {
          answer(res, 500, { error: (error as Error).message });
        }
      },
      () => answer(res, 400, { error: "invalid JSON" }),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs `shutdown` once on SIGTERM/SIGINT and exits 0 (or 1 if it throws). */
export function onStopSignal(shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
