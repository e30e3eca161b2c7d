/**
 * Peers: the same end-to-end job done by Outbound and by two job-queue libraries, in the same run, against the
 * same receiver. 64 HTTP producers send `{ eventType, payload }`; 10 endpoints are chosen by event type; each
 * message is signed (Standard Webhooks) and POSTed once. delivered/s = messages ÷ (first send → last arrival).
 *
 * - bare undici: a Pool of 64 connections POSTs the payload straight to the receiver (the ceiling, 1.00);
 * - Outbound: `outbound serve` with `npm start`'s flags, SQLite, 10 endpoints with `filterTypes`;
 * - BullMQ + Redis and graphile-worker + PostgreSQL: bench/peers/*-peer.ts, each its own process.
 *
 * Every sender runs once per round and the order rotates between rounds, so a noisy neighbour hurts them alike;
 * ratios are taken within a round, then the median and the spread over rounds are reported. A peer whose backing
 * service is not reachable is reported as missing; the others still run.
 */
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { Api } from "../lib/api.ts";
import type { Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric } from "../lib/context.ts";
import { type LoadResult, payloadFor, requireClean, runLoad } from "../lib/load.ts";
import type { LoadgenJob } from "../lib/loadgen-worker.ts";
import { createScratchDatabase, probeRedis } from "../lib/peer-backends.ts";
import { startPeer } from "../lib/peer-launcher.ts";
import { type Receiver, startReceiver } from "../lib/receiver.ts";
import { check, type Metric } from "../lib/results.ts";
import { startServer } from "../lib/server.ts";
import { median } from "../lib/stats.ts";
import { waitUntil, withTimeout } from "../lib/wait.ts";
import type { PeerEndpoint } from "../peers/peer-process.ts";

const ENDPOINTS = 10;
const PRODUCERS = 64;
/** Jobs in flight per peer worker; Outbound runs with OUTBOUND_ENDPOINT_CONCURRENCY (see the notes). */
const PEER_CONCURRENCY = 64;
const TARGET_VS_BARE = 0.5;
const TARGET_VS_BULLMQ = 2;

const eventTypeFor = (i: number) => `bench.peer.${i % ENDPOINTS}`;
const pathFor = (i: number) => `/peers/${i % ENDPOINTS}`;

/** One way of getting a message from a producer to the receiver. */
interface Sender {
  name: string;
  /**
   * Share of the run's message count this sender gets (1 = all). graphile-worker is ~10× slower than the others,
   * so it sends a quarter: its rate is steady well before that, and the run stays minutes shorter.
   */
  share: number;
  /** Sends `count` messages with 64 producers; resolves with the load result once all are accepted. */
  send(count: number, timeoutMs: number): Promise<LoadResult>;
  stop(): Promise<void>;
}

interface RoundResult {
  deliveredPerS: number;
  acceptedPerS: number;
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
      timeoutMs,
    });
}

/** The ceiling: the baseline's load generator (worker thread, own core) POSTing straight to this receiver. */
function bareSender(receiver: Receiver): Sender {
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

function peerEndpoints(receiver: Receiver): PeerEndpoint[] {
  return Array.from({ length: ENDPOINTS }, (_, i) => ({
    eventType: eventTypeFor(i),
    url: receiver.url(pathFor(i)),
    secret: `whsec_${randomBytes(24).toString("base64")}`,
  }));
}

async function outboundSender(receiver: Receiver, cap: string): Promise<Sender> {
  const server = await startServer({ env: { OUTBOUND_ENDPOINT_CONCURRENCY: cap } });
  const api = new Api(server);
  try {
    const appId = await api.createApp("bench-peers");
    for (let i = 0; i < ENDPOINTS; i++) {
      const body = { url: receiver.url(pathFor(i)), filterTypes: [eventTypeFor(i)] };
      await api.call("POST", `/api/v1/app/${appId}/endpoint`, body, 201);
    }
    return {
      name: "Outbound (SQLite)",
      share: 1,
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

async function bullmqSender(receiver: Receiver): Promise<Sender | string> {
  const redis = await probeRedis();
  if (!redis.ok) return redis.reason;
  const peer = await startPeer({
    script: "bullmq",
    endpoints: peerEndpoints(receiver),
    concurrency: PEER_CONCURRENCY,
    queueUrl: redis.value,
    queueName: `outbound-bench-${process.pid}-${randomBytes(4).toString("hex")}`,
  });
  return {
    name: "BullMQ + Redis",
    share: 1,
    send: httpSender(peer.url, "/msg", { "content-type": "application/json" }),
    stop: () => peer.stop(),
  };
}

async function graphileSender(receiver: Receiver): Promise<Sender | string> {
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

const messageCount = (sender: Sender, messages: number) =>
  Math.max(ENDPOINTS, Math.round(messages * sender.share));

/** Sends the sender's share of `messages` and waits until the receiver has them all; rates count from the first send. */
async function measure(
  sender: Sender,
  receiver: Receiver,
  messages: number,
  timeoutMs: number,
): Promise<RoundResult> {
  const count = messageCount(sender, messages);
  receiver.reset();
  const started = performance.now();
  const load = await sender.send(count, timeoutMs);
  requireClean(load, sender.name);
  await waitUntil(
    () => receiver.total() >= count,
    `${sender.name}: ${count} deliveries`,
    timeoutMs,
    () => `${receiver.total()} arrived`,
    5,
  );
  return {
    deliveredPerS: (count / (receiver.lastArrival() - started)) * 1000,
    acceptedPerS: load.rps,
  };
}

const spread = (values: readonly number[], digits: number) =>
  values.length > 1
    ? `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)} over ${values.length} rounds`
    : "1 round";

export const peers: Scenario = {
  name: "peers",
  title: "end to end beside job-queue peers: 64 producers → queue → signed POST, 10 endpoints by event type",
  async run(ctx) {
    const messages = ctx.size(20_000, 100);
    const warmup = ctx.size(2_000, 100);
    const rounds = ctx.quick ? 1 : 5;
    const timeoutMs = ctx.quick ? 20_000 : 180_000;
    const cap = endpointConcurrency();
    const receiver = await startReceiver();
    const senders: Sender[] = [bareSender(receiver)];
    const missing: string[] = [];
    try {
      senders.push(await outboundSender(receiver, cap));
      for (const [name, start] of [
        ["BullMQ + Redis", () => bullmqSender(receiver)],
        ["graphile-worker + PostgreSQL", () => graphileSender(receiver)],
      ] as const) {
        const sender = await start();
        if (typeof sender === "string") {
          missing.push(`${name}: missing — ${sender}`);
          ctx.log(`peers: ${name} missing (${sender})`);
        } else senders.push(sender);
      }

      for (const sender of senders) {
        ctx.log(`peers: warming up ${sender.name} (${warmup} messages)`);
        await measure(sender, receiver, warmup, timeoutMs);
      }
      const results = new Map<string, RoundResult[]>(senders.map((s) => [s.name, []]));
      for (let round = 0; round < rounds; round++) {
        const order = senders.map((_, i) => senders[(i + round) % senders.length] as Sender);
        for (const sender of order) {
          const r = await measure(sender, receiver, messages, timeoutMs);
          ctx.log(
            `peers: round ${round + 1}/${rounds} ${sender.name}: ${Math.round(r.deliveredPerS)} delivered/s`,
          );
          results.get(sender.name)?.push(r);
        }
      }
      const counts = Object.fromEntries(senders.map((x) => [x.name, messageCount(x, messages)]));
      return report(results, { messages: counts, warmup, rounds, cap, missing });
    } finally {
      for (const sender of senders) await sender.stop();
      await receiver.close();
    }
  },
};

function report(
  results: Map<string, RoundResult[]>,
  run: {
    messages: Record<string, number>;
    warmup: number;
    rounds: number;
    cap: string;
    missing: string[];
  },
) {
  const delivered = (name: string) => (results.get(name) ?? []).map((r) => r.deliveredPerS);
  const ratios = (name: string, reference: string) => {
    const refs = delivered(reference);
    return delivered(name)
      .map((v, i) => v / (refs[i] ?? Number.NaN))
      .filter(Number.isFinite);
  };
  const metrics: Metric[] = [];
  for (const [name, rows] of results) {
    const values = rows.map((r) => r.deliveredPerS);
    metrics.push(metric(`${name}: delivered/s`, median(values), "msg/s", spread(values, 0)));
    if (name !== "bare undici") {
      const vsBare = ratios(name, "bare undici");
      metrics.push(metric(`${name}: × bare undici`, median(vsBare), "×", spread(vsBare, 2)));
      const vsBull = ratios(name, "BullMQ + Redis");
      if (name !== "BullMQ + Redis" && vsBull.length > 0)
        metrics.push(metric(`${name}: × BullMQ`, median(vsBull), "×", spread(vsBull, 2)));
      metrics.push(
        metric(
          `${name}: accepted/s`,
          median(rows.map((r) => r.acceptedPerS)),
          "msg/s",
          "202s while delivering",
        ),
      );
    }
  }
  const outbound = median(delivered("Outbound (SQLite)"));
  const bull = delivered("BullMQ + Redis");
  const checks = [
    check({
      metric: `Outbound delivered/s ≥ ${TARGET_VS_BARE} × bare undici`,
      measured: outbound,
      unit: "msg/s",
      target: `≥ ${TARGET_VS_BARE}× bare undici`,
      goal: { value: TARGET_VS_BARE, direction: ">=", on: "ratio" },
      baseline: { value: median(delivered("bare undici")), label: "bare undici req/s, same receiver" },
    }),
  ];
  if (bull.length > 0) {
    checks.push(
      check({
        metric: `Outbound delivered/s ≥ ${TARGET_VS_BULLMQ} × BullMQ`,
        measured: outbound,
        unit: "msg/s",
        target: `≥ ${TARGET_VS_BULLMQ}× BullMQ + Redis`,
        goal: { value: TARGET_VS_BULLMQ, direction: ">=", on: "ratio" },
        baseline: { value: median(bull), label: "BullMQ + Redis delivered/s" },
      }),
    );
  }
  return {
    config: {
      messages: run.messages,
      warmup: run.warmup,
      rounds: run.rounds,
      producers: PRODUCERS,
      endpoints: ENDPOINTS,
      peerConcurrency: PEER_CONCURRENCY,
      OUTBOUND_ENDPOINT_CONCURRENCY: run.cap,
    },
    metrics,
    checks,
    notes: [
      ...run.missing,
      "ratios are taken within each round, then the median over rounds; the spread is min–max",
      "peers get a minimal node:http ingest (no auth, no schema validation, no idempotency), which favours them",
      `Outbound: OUTBOUND_ENDPOINT_CONCURRENCY=${run.cap} per endpoint; peers: worker concurrency ${PEER_CONCURRENCY}`,
    ],
  };
}
