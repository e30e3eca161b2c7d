/**
 * Peers: the same end-to-end job done by Outbound and by two job-queue libraries, in the same run, against the
 * same receiver. 64 HTTP producers send `{ eventType, payload }`; 10 endpoints are chosen by event type; each
 * message is signed (Standard Webhooks) and POSTed once. delivered/s = messages ÷ (first send → last arrival).
 *
 * - bare undici: a Pool of 64 connections POSTs the payload straight to the receiver (the ceiling, 1.00);
 * - in-memory queue: a node:http process that keeps jobs in an array and signs and POSTs them with undici, nothing
 *   kept (bench/peers/memory-peer.ts): the same two HTTP hops and signature as every sender here and no more work,
 *   i.e. the floor of a webhook sender on this machine, not a service anyone should run;
 * - Outbound: `outbound serve` with `npm start`'s flags, SQLite, 10 endpoints with `filterTypes`; and the same with
 *   OUTBOUND_WORKER_THREADS=0 (API and delivery on one event loop), to show what the delivery thread gives;
 * - BullMQ + Redis and graphile-worker + PostgreSQL: bench/peers/*-peer.ts, each its own process.
 *
 * Every sender runs once per round and the order rotates between rounds, so a noisy neighbour hurts them alike;
 * ratios are taken within a round, then the median and the spread over rounds are reported. A peer whose backing
 * service is not reachable is reported as missing; the others still run. BENCH_PEERS runs a subset
 * (bench/lib/peer-selection.ts); a ratio or check whose reference did not run is reported as not measured.
 */
import type { Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric } from "../lib/context.ts";
import { requireClean } from "../lib/load.ts";
import { BARE, BULLMQ, explainEndToEnd, MEMORY, OUTBOUND, type RoundResult } from "../lib/peer-rounds.ts";
import { type PeerName, selectPeers } from "../lib/peer-selection.ts";
import {
  bareSender,
  bullmqSender,
  ENDPOINTS,
  graphileSender,
  memorySender,
  outboundSender,
  PEER_CONCURRENCY,
  PRODUCERS,
  type Sender,
} from "../lib/peer-senders.ts";
import { type Receiver, startReceiver } from "../lib/receiver.ts";
import { type Check, check, type Metric } from "../lib/results.ts";
import { median, percentile } from "../lib/stats.ts";
import { threadCpu } from "../lib/thread-cpu.ts";
import { waitUntil } from "../lib/wait.ts";

const TARGET_VS_BARE = 0.5;
const TARGET_VS_BULLMQ = 2;

/** CPU seconds of a process (`process`) or of one of its thread groups (lib/thread-cpu.ts); NaN when unreadable. */
function cpuSeconds(pid: number | undefined, group: "process" | "delivery"): number {
  if (pid === undefined) return Number.NaN;
  try {
    return threadCpu(pid).get(group) ?? Number.NaN;
  } catch {
    return Number.NaN;
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
  const senderCpu0 = cpuSeconds(sender.pid, "process");
  const deliveryCpu0 = cpuSeconds(sender.pid, "delivery");
  const serviceCpu0 = (await sender.serviceCpuSeconds?.()) ?? 0;
  const benchCpu0 = process.cpuUsage();
  const load = await sender.send(count, timeoutMs);
  requireClean(load, sender.name);
  await waitUntil(
    () => receiver.total() >= count,
    `${sender.name}: ${count} deliveries`,
    timeoutMs,
    () => `${receiver.total()} arrived`,
    5,
  );
  const seconds = (performance.now() - started) / 1000;
  const benchCpu = process.cpuUsage(benchCpu0);
  const senderCpu = cpuSeconds(sender.pid, "process") - senderCpu0;
  const serviceCpu = ((await sender.serviceCpuSeconds?.()) ?? 0) - serviceCpu0;
  return {
    deliveredPerS: (count / (receiver.lastArrival() - started)) * 1000,
    acceptedPerS: load.rps,
    senderCores: senderCpu / seconds,
    benchCores: (benchCpu.user + benchCpu.system) / 1e6 / seconds,
    cpuMsPerMessage: ((senderCpu + serviceCpu) * 1000) / count,
    deliveryThreadCores: (cpuSeconds(sender.pid, "delivery") - deliveryCpu0) / seconds,
    acceptP50Ms: load.latenciesMs.length > 0 ? percentile(load.latenciesMs, 50) : Number.NaN,
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
    // The smoke run (npm test) only proves the scenario completes: its one measured round runs the same code.
    const warmup = ctx.smoke ? 0 : ctx.size(2_000, 100);
    const rounds = ctx.quick ? 1 : 5;
    const timeoutMs = ctx.quick ? 20_000 : 180_000;
    const cap = endpointConcurrency();
    const selected = selectPeers(process.env.BENCH_PEERS, ctx.smoke);
    const receiver = await startReceiver();
    const senders: Sender[] = selected.has("bare") ? [bareSender(receiver)] : [];
    const missing: string[] = [];
    try {
      // The senders start side by side (startup is not measured; each is a process start of a second or more),
      // and keep their order below. Every one that started is stopped, even when another failed to.
      const starts: Array<[PeerName, string, () => Promise<Sender | string>]> = [
        ["memory", MEMORY, () => memorySender(receiver)],
        ["outbound", OUTBOUND, () => outboundSender(receiver, cap)],
        ["outbound-0", "Outbound (SQLite, one thread)", () => outboundSender(receiver, cap, "0")],
        ["bullmq", BULLMQ, () => bullmqSender(receiver)],
        ["graphile", "graphile-worker + PostgreSQL", () => graphileSender(receiver)],
      ];
      const chosen = starts.filter(([key]) => selected.has(key));
      const started = await Promise.allSettled(chosen.map(([, , start]) => start()));
      for (const [i, outcome] of started.entries()) {
        const name = chosen[i]?.[1] ?? "";
        if (outcome.status === "rejected") continue;
        if (typeof outcome.value === "string") {
          missing.push(`${name}: missing — ${outcome.value}`);
          ctx.log(`peers: ${name} missing (${outcome.value})`);
        } else senders.push(outcome.value);
      }
      const failed = started.find((outcome) => outcome.status === "rejected");
      if (failed) throw failed.reason;

      if (warmup > 0) {
        for (const sender of senders) {
          ctx.log(`peers: warming up ${sender.name} (${warmup} messages)`);
          await measure(sender, receiver, warmup, timeoutMs);
        }
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
      const peers = process.env.BENCH_PEERS;
      return report(results, {
        messages: counts,
        warmup,
        rounds,
        cap,
        missing,
        peers,
        cores: ctx.machine.cores,
      });
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
    /** BENCH_PEERS, when set. */
    peers: string | undefined;
    cores: number;
  },
) {
  const ran = (name: string) => results.has(name);
  const delivered = (name: string) => (results.get(name) ?? []).map((r) => r.deliveredPerS);
  const ratios = (name: string, reference: string) => {
    const refs = delivered(reference);
    return delivered(name)
      .map((v, i) => v / (refs[i] ?? Number.NaN))
      .filter(Number.isFinite);
  };
  const metrics: Metric[] = [];
  const series: Record<string, number[]> = {};
  for (const [name, rows] of results) {
    series[`${name}: delivered/s`] = delivered(name);
    metrics.push(
      metric(
        `${name}: bench process CPU`,
        median(rows.map((r) => r.benchCores)),
        "cores",
        "producers + receiver (+ bare undici's thread)",
      ),
    );
    if (name !== BARE && ran(BARE)) series[`${name}: × bare undici`] = ratios(name, BARE);
    const values = rows.map((r) => r.deliveredPerS);
    metrics.push(metric(`${name}: delivered/s`, median(values), "msg/s", spread(values, 0)));
    if (name !== BARE) {
      const vsBare = ratios(name, BARE);
      if (ran(BARE)) metrics.push(metric(`${name}: × bare undici`, median(vsBare), "×", spread(vsBare, 2)));
      const vsBull = ratios(name, BULLMQ);
      if (name !== BULLMQ && vsBull.length > 0)
        metrics.push(metric(`${name}: × BullMQ`, median(vsBull), "×", spread(vsBull, 2)));
      const vsMemory = ratios(name, MEMORY);
      if (name === OUTBOUND && vsMemory.length > 0)
        metrics.push(metric(`${name}: × in-memory queue`, median(vsMemory), "×", spread(vsMemory, 2)));
      metrics.push(
        metric(
          `${name}: accepted/s`,
          median(rows.map((r) => r.acceptedPerS)),
          "msg/s",
          "202s while delivering",
        ),
        metric(
          `${name}: its process's CPU`,
          median(rows.map((r) => r.senderCores)),
          "cores",
          "median over rounds; Redis/PostgreSQL servers not included",
        ),
        metric(
          `${name}: CPU per message`,
          median(rows.map((r) => r.cpuMsPerMessage)),
          "ms",
          name.startsWith("BullMQ")
            ? "peer process + Redis (INFO cpu)"
            : name.startsWith("graphile")
              ? "peer process only (PostgreSQL not counted)"
              : name === MEMORY
                ? "peer process (its whole queue)"
                : "server process",
        ),
      );
      metrics.push(
        metric(
          `${name}: 202 p50`,
          median(rows.map((r) => r.acceptP50Ms)),
          "ms",
          "a producer's wait for its 202",
        ),
      );
      const deliveryThread = median(rows.map((r) => r.deliveryThreadCores));
      if (Number.isFinite(deliveryThread))
        metrics.push(metric(`${name}: delivery thread CPU`, deliveryThread, "cores", "median over rounds"));
    }
  }
  // A ratio needs both of its senders in the run: without one it is reported as not measured, not as missed.
  const notMeasured: string[] = [];
  const measurable = (what: string, needs: string[]) => {
    const absent = needs.filter((name) => !ran(name));
    if (absent.length > 0) notMeasured.push(`${what}: not measured, ${absent.join(" and ")} did not run`);
    return absent.length === 0;
  };
  const outbound = median(delivered(OUTBOUND));
  const bull = delivered(BULLMQ);
  measurable("× bare undici ratios", [BARE]);
  measurable("× BullMQ ratios", [BULLMQ]);
  const checks: Check[] = [];
  if (measurable(`check Outbound ≥ ${TARGET_VS_BARE} × bare undici`, [OUTBOUND, BARE])) {
    checks.push(
      check({
        metric: `Outbound delivered/s ≥ ${TARGET_VS_BARE} × bare undici`,
        measured: outbound,
        unit: "msg/s",
        target: `≥ ${TARGET_VS_BARE}× bare undici`,
        goal: { value: TARGET_VS_BARE, direction: ">=", on: "ratio" },
        baseline: { value: median(delivered(BARE)), label: "bare undici req/s, same receiver" },
        ratio: median(ratios(OUTBOUND, BARE)),
        ...explainEndToEnd(results, run.cores, { name: BARE, target: TARGET_VS_BARE, ratios }),
      }),
    );
  }
  if (measurable(`check Outbound ≥ ${TARGET_VS_BULLMQ} × BullMQ`, [OUTBOUND, BULLMQ])) {
    checks.push(
      check({
        metric: `Outbound delivered/s ≥ ${TARGET_VS_BULLMQ} × BullMQ`,
        measured: outbound,
        unit: "msg/s",
        target: `≥ ${TARGET_VS_BULLMQ}× BullMQ + Redis`,
        goal: { value: TARGET_VS_BULLMQ, direction: ">=", on: "ratio" },
        baseline: { value: median(bull), label: "BullMQ + Redis delivered/s" },
        ratio: median(ratios(OUTBOUND, BULLMQ)),
        ...explainEndToEnd(results, run.cores, { name: BULLMQ, target: TARGET_VS_BULLMQ, ratios }),
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
      ...(run.peers === undefined ? {} : { BENCH_PEERS: run.peers }),
    },
    metrics,
    checks,
    series,
    notes: [
      ...run.missing,
      ...notMeasured,
      "ratios (the target checks' too) are taken within each round, then the median over rounds; the spread is min–max",
      "peers get a minimal node:http ingest (no auth, no schema validation, no idempotency), which favours them",
      ...(ran(MEMORY)
        ? [
            `${MEMORY}: the two HTTP hops and the signature with nothing kept (lost on a crash): the floor of any sender here`,
          ]
        : []),
      `Outbound: OUTBOUND_ENDPOINT_CONCURRENCY=${run.cap} per endpoint; peers: worker concurrency ${PEER_CONCURRENCY}`,
    ],
  };
}
