/**
 * The senders of the peers scenario (bench/scenarios/peers.ts): bare undici, Outbound, BullMQ + Redis and
 * graphile-worker + PostgreSQL, each started against the same receiver and driven by the same 64 producers.
 * The peers whose backing service is not reachable come back as a reason (a string) instead of a sender.
 */
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { PeerEndpoint } from "../peers/peer-process.ts";
import { Api } from "./api.ts";
import { type LoadResult, payloadFor, runLoad } from "./load.ts";
import type { LoadgenJob } from "./loadgen-worker.ts";
import {
  createScratchDatabase,
  dropAbandonedQueues,
  openRedisCpuMeter,
  probeRedis,
} from "./peer-backends.ts";
import { startPeer } from "./peer-launcher.ts";
import type { Receiver } from "./receiver.ts";
import { startServer } from "./server.ts";
import { withTimeout } from "./wait.ts";

export const ENDPOINTS = 10;
export const PRODUCERS = 64;
/** Jobs in flight per peer worker; Outbound runs with OUTBOUND_ENDPOINT_CONCURRENCY (see the notes). */
export const PEER_CONCURRENCY = 64;

const eventTypeFor = (i: number) => `bench.peer.${i % ENDPOINTS}`;
const pathFor = (i: number) => `/peers/${i % ENDPOINTS}`;

/** One way of getting a message from a producer to the receiver. */
export interface Sender {
  name: string;
  /**
   * Share of the run's message count this sender gets (1 = all). graphile-worker is ~10× slower than the others,
   * so it sends a quarter: its rate is steady well before that, and the run stays minutes shorter.
   */
  share: number;
  /** The sender's process (Outbound server, peer), to report the CPU it used. */
  pid?: number;
  /** CPU seconds used so far by a service the sender relies on (Redis), counted into its CPU per message. */
  serviceCpuSeconds?: () => Promise<number>;
  /** Sends `count` messages with 64 producers; resolves with the load result once all are accepted. */
  send(count: number, timeoutMs: number): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** Producers POST `{ eventType, payload }` bodies (pre-serialised, one per event type × 64). */
function httpSender(origin: string, path: string, headers: Record<string, string>) {
  const bodies = Array.from({ length: ENDPOINTS * 64 }, (_, i) =>
    JSON.stringify({ eventType: eventTypeFor(i), payload: payloadFor(i) }),
  );
  return (count: number, timeoutMs: number) =>
    runLoad({
      origin,
      count,
      concurrency: PRODUCERS,
      request: (i) => ({ method: "POST", path, headers, body: bodies[i % bodies.length] }),
      expectStatus: 202,
      // Each producer waits for its 202 before the next message: the closed loop's rate is 64 ÷ this latency.
      recordLatency: true,
      timeoutMs,
    });
}

/** The ceiling: the baseline's load generator (worker thread, own core) POSTing straight to this receiver. */
export function bareSender(receiver: Receiver): Sender {
  const body = JSON.stringify(payloadFor(0));
  return {
    name: "bare undici",
    share: 1,
    async send(count, timeoutMs) {
      const job: LoadgenJob = {
        origin: `http://127.0.0.1:${receiver.port}`,
        path: pathFor(0),
        body,
        count,
        concurrency: PRODUCERS,
        warmup: 0,
        rounds: 1,
        rttCount: 0,
        timeoutMs,
      };
      const worker = new Worker(new URL("../lib/loadgen-worker.ts", import.meta.url), { workerData: job });
      try {
        const result = await withTimeout(
          new Promise<{ rounds: LoadResult[] }>((resolve, reject) => {
            worker.once("message", resolve);
            worker.once("error", reject);
          }),
          timeoutMs + 10_000,
          "bare undici load generator",
        );
        const round = result.rounds[0];
        if (!round) throw new Error("bare undici produced no round");
        return round;
      } finally {
        await worker.terminate();
      }
    },
    stop: async () => {},
  };
}

/** A peer's endpoint: `eventType` selects it, with a fresh Standard Webhooks secret. */
export function peerEndpoint(eventType: string, url: string): PeerEndpoint {
  return { eventType, url, secret: `whsec_${randomBytes(24).toString("base64")}` };
}

function peerEndpoints(receiver: Receiver): PeerEndpoint[] {
  return Array.from({ length: ENDPOINTS }, (_, i) => peerEndpoint(eventTypeFor(i), receiver.url(pathFor(i))));
}

/**
 * Outbound as `npm start` runs it (delivery in its own thread where a second core exists), or with `threads: "0"`
 * everything on one event loop, as before OUTBOUND_WORKER_THREADS: the two side by side show what the thread gives.
 */
export async function outboundSender(receiver: Receiver, cap: string, threads?: "0"): Promise<Sender> {
  const server = await startServer({
    env: { OUTBOUND_ENDPOINT_CONCURRENCY: cap, ...(threads ? { OUTBOUND_WORKER_THREADS: threads } : {}) },
  });
  const api = new Api(server);
  try {
    const appId = await api.createApp("bench-peers");
    for (let i = 0; i < ENDPOINTS; i++) {
      const body = { url: receiver.url(pathFor(i)), filterTypes: [eventTypeFor(i)] };
      await api.call("POST", `/api/v1/app/${appId}/endpoint`, body, 201);
    }
    return {
      name: threads ? "Outbound (SQLite, one thread)" : "Outbound (SQLite)",
      share: 1,
      pid: server.pid,
      send: httpSender(server.url, `/api/v1/app/${appId}/msg`, api.headers),
      async stop() {
        await api.close();
        await server.stop();
      },
    };
  } catch (error) {
    await api.close();
    await server.stop();
    throw error;
  }
}

/** Starts bench/peers/memory-peer.ts (it has no backing service: the queue fields only name it). */
export function startMemoryPeer(endpoints: PeerEndpoint[], concurrency: number) {
  return startPeer({ script: "memory", endpoints, concurrency, queueUrl: "memory:", queueName: "memory" });
}

/** An in-memory queue in a node:http process (bench/peers/memory-peer.ts): the same two hops, no durability. */
export async function memorySender(receiver: Receiver): Promise<Sender> {
  const peer = await startMemoryPeer(peerEndpoints(receiver), PEER_CONCURRENCY);
  return {
    name: "in-memory queue (no disk)",
    share: 1,
    pid: peer.pid,
    send: httpSender(peer.url, "/msg", { "content-type": "application/json" }),
    stop: () => peer.stop(),
  };
}

export async function bullmqSender(receiver: Receiver): Promise<Sender | string> {
  const redis = await probeRedis();
  if (!redis.ok) return redis.reason;
  await dropAbandonedQueues(redis.value);
  const peer = await startPeer({
    script: "bullmq",
    endpoints: peerEndpoints(receiver),
    concurrency: PEER_CONCURRENCY,
    queueUrl: redis.value,
    queueName: `outbound-bench-${process.pid}-${randomBytes(4).toString("hex")}`,
  });
  const meter = await openRedisCpuMeter(redis.value);
  return {
    name: "BullMQ + Redis",
    share: 1,
    pid: peer.pid,
    serviceCpuSeconds: () => meter.cpuSeconds(),
    send: httpSender(peer.url, "/msg", { "content-type": "application/json" }),
    async stop() {
      await meter.close();
      await peer.stop();
    },
  };
}

export async function graphileSender(receiver: Receiver): Promise<Sender | string> {
  const database = await createScratchDatabase();
  if (!database.ok) return database.reason;
  try {
    const peer = await startPeer({
      script: "graphile",
      endpoints: peerEndpoints(receiver),
      concurrency: PEER_CONCURRENCY,
      queueUrl: database.value.url,
      queueName: database.value.name,
    });
    return {
      name: "graphile-worker + PostgreSQL",
      share: 0.25,
      pid: peer.pid,
      send: httpSender(peer.url, "/msg", { "content-type": "application/json" }),
      async stop() {
        await peer.stop();
        await database.value.drop();
      },
    };
  } catch (error) {
    await database.value.drop();
    throw error;
  }
}
