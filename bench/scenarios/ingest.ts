/**
 * Ingest: POST /msg from 64 concurrent clients to an application with one endpoint. A 202 means the message and
 * its delivery are committed to SQLite, so accepted msg/s is durable throughput. The worker delivers to a fast
 * receiver at the same time (as in production), competing for the same CPU. The same load then goes to an in-memory
 * queue (bench/peers/memory-peer.ts: nothing kept, no auth, delivering meanwhile too): what this machine accepts
 * without durability, the floor against which the target is read.
 */
import { Api, messageBody } from "../lib/api.ts";
import type { Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric } from "../lib/context.ts";
import { accountCpu, type CpuAccount, percent, perUnit, whole } from "../lib/cpu-account.ts";
import { type LoadRequest, payloadFor, requireClean, runLoad } from "../lib/load.ts";
import { peerEndpoint, startMemoryPeer } from "../lib/peer-senders.ts";
import { startReceiver } from "../lib/receiver.ts";
import { type Check, check } from "../lib/results.ts";
import { startServer } from "../lib/server.ts";
import { summarize } from "../lib/stats.ts";

const CLIENTS = 64;
const TARGET_MSG_S = 10_000;

export const ingest: Scenario = {
  name: "ingest",
  title: "POST /msg, 64 concurrent clients, 1 endpoint (durable accepts)",
  async run(ctx) {
    const base = await ctx.baseline();
    const count = ctx.size(20_000);
    const warmup = ctx.size(1_000);
    const cap = endpointConcurrency();
    const receiver = await startReceiver();
    const bodies = Array.from({ length: 64 }, (_, i) => messageBody(payloadFor(i)));
    const load = (origin: string, n: number, recordLatency: boolean, request: (i: number) => LoadRequest) =>
      runLoad({
        origin,
        count: n,
        concurrency: CLIENTS,
        request,
        expectStatus: 202,
        recordLatency,
        timeoutMs: ctx.quick ? 20_000 : 120_000,
      });
    try {
      const { r, deliveredDuring, cpu } = await outboundIngest(
        cap,
        receiver.url("/ingest"),
        async (origin, pid, request) => {
          requireClean(await load(origin, warmup, false, request), "ingest warm-up");
          const deliveredBefore = receiver.total();
          const [result, cpu] = await accountCpu(pid, () => load(origin, count, true, request));
          requireClean(result, "ingest");
          return { r: result, deliveredDuring: receiver.total() - deliveredBefore, cpu };
        },
        bodies,
      );
      const lat = summarize(r.latenciesMs);
      const perMessage = perUnit(cpu, count);
      // Outbound's server is stopped by now: the floor does not share the cores with its remaining deliveries.
      const floor = await inMemoryFloor(
        receiver.url("/ingest-floor"),
        Number(cap),
        bodies,
        async (origin, request) => {
          requireClean(await load(origin, warmup, false, request), "ingest floor warm-up");
          const result = await load(origin, count, false, request);
          requireClean(result, "ingest floor");
          return result.rps;
        },
      );
      return {
        config: {
          messages: count,
          warmup,
          clients: CLIENTS,
          endpoints: 1,
          OUTBOUND_ENDPOINT_CONCURRENCY: cap,
        },
        metrics: [
          metric("accepted msg/s", r.rps, "msg/s", "202 = committed to SQLite"),
          metric("wall time", r.elapsedMs / 1000, "s"),
          metric("POST /msg p50", lat.p50, "ms"),
          metric("POST /msg p99", lat.p99, "ms"),
          metric("delivered meanwhile", deliveredDuring, "deliv", "the worker keeps up while ingesting"),
          metric("in-memory queue accepted msg/s", floor, "msg/s", "same load, nothing kept: the floor"),
          metric("Outbound ÷ in-memory queue", r.rps / floor, "×"),
          metric("server CPU", perMessage.server, "µs/msg", "every thread"),
          metric("API thread CPU", perMessage.api, "µs/msg"),
          metric("delivery thread CPU", perMessage.delivery, "µs/msg"),
          metric("bench process CPU", perMessage.bench, "µs/msg", "load generator + receiver"),
          metric("machine busy", cpu.busy * 100, "%", `of ${ctx.machine.cores} cores, every process`),
        ],
        checks: [ingestCheck(r.rps, base.rps, { cpu, count, cores: ctx.machine.cores, floor })],
        notes: [
          `target ratio: ${(r.rps / TARGET_MSG_S).toFixed(3)} of ${TARGET_MSG_S} msg/s`,
          "in-memory queue: bench/peers/memory-peer.ts, one endpoint, delivering meanwhile; no disk, auth or validation",
        ],
      };
    } finally {
      await receiver.close();
    }
  },
};

/**
 * The target check, with what explains a miss: how busy the cores were, the CPU each accepted message cost (server
 * and load generator), what the cores carry at that cost, and the in-memory queue's rate under the same load.
 */
export function ingestCheck(
  rps: number,
  bareRps: number,
  run: { cpu: CpuAccount; count: number; cores: number; floor: number },
): Check {
  const { cpu, count, cores, floor } = run;
  const { server, api, delivery, bench } = perUnit(cpu, count);
  const budget = (cores * 1e6) / TARGET_MSG_S;
  const overBudget = server + bench - budget;
  return check({
    metric: `accepted msg/s ≥ ${whole(TARGET_MSG_S)}`,
    measured: rps,
    unit: "msg/s",
    target: `≥ ${whole(TARGET_MSG_S)} msg/s`,
    goal: { value: TARGET_MSG_S, direction: ">=", on: "measured" },
    baseline: { value: bareRps, label: "bare HTTP req/s" },
    why: [
      `the ${cores} cores were ${percent(cpu.busy)} busy; each accepted message cost ${whole(server)} µs of the ` +
        `server's CPU (API thread ${whole(api)}, delivery thread ${whole(delivery)}) and ${whole(bench)} µs of the load generator's and receiver's`,
      `at ${whole(server + bench)} µs per message ${cores} cores carry at most ${whole((cores * 1e6) / (server + bench))} ` +
        `msg/s; ${whole(TARGET_MSG_S)} msg/s leaves ${whole(budget)} µs per message for all of it`,
      `the in-memory queue, which keeps nothing, accepted ${whole(floor)} msg/s under the same load (Outbound ${(rps / floor).toFixed(2)} of it)`,
    ],
    closes:
      floor < TARGET_MSG_S
        ? "more cores: on these the in-memory queue, which does no durable work at all, stays under the target too"
        : `${whole(Math.max(0, overBudget))} µs less CPU per message, the server's share being ${whole(server)} µs`,
  });
}

/** Outbound as `npm start` runs it, one application with one endpoint; `measure` runs the load against it. */
async function outboundIngest<T>(
  cap: string,
  url: string,
  measure: (origin: string, pid: number, request: (i: number) => LoadRequest) => Promise<T>,
  bodies: string[],
): Promise<T> {
  const server = await startServer({ env: { OUTBOUND_ENDPOINT_CONCURRENCY: cap } });
  const api = new Api(server);
  try {
    const appId = await api.createApp("bench-ingest");
    await api.createEndpoint(appId, url);
    return await measure(server.url, server.pid, (i) => ({
      method: "POST",
      path: `/api/v1/app/${appId}/msg`,
      headers: api.headers,
      body: bodies[i % bodies.length],
    }));
  } finally {
    await api.close();
    await server.stop();
  }
}

/**
 * The same load against an in-memory queue (one endpoint on the same receiver, its worker delivering meanwhile);
 * `measure` returns its accepted msg/s.
 */
async function inMemoryFloor(
  url: string,
  concurrency: number,
  bodies: string[],
  measure: (origin: string, request: (i: number) => LoadRequest) => Promise<number>,
): Promise<number> {
  // messageBody's event type selects the one endpoint.
  const peer = await startMemoryPeer([peerEndpoint("invoice.paid", url)], concurrency);
  try {
    return await measure(peer.url, (i) => ({
      method: "POST",
      path: "/msg",
      headers: { "content-type": "application/json" },
      body: bodies[i % bodies.length],
    }));
  } finally {
    await peer.stop();
  }
}
