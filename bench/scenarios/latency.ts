/**
 * End-to-end latency at a steady rate (open loop: sends are scheduled by the clock, not by answers): from the
 * moment POST /msg is sent to the moment the receiver sees the webhook with `webhook-id` = the 202's `id`.
 */
import { Pool } from "undici";
import { Api, messageBody } from "../lib/api.ts";
import type { Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric } from "../lib/context.ts";
import { payloadFor } from "../lib/load.ts";
import { type Receiver, startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";
import { startServer } from "../lib/server.ts";
import { summarize } from "../lib/stats.ts";
import { sleep, waitUntil } from "../lib/wait.ts";

const TARGET_P50_MS = 5;
const TARGET_P99_MS = 50;

interface Sent {
  at: number;
  id?: string;
  ackMs?: number;
  error?: string;
}

async function steadyRate(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  rate: number,
  seconds: number,
  receiver: Receiver,
) {
  const total = Math.round(rate * seconds);
  const sent: Sent[] = [];
  const pending = new Set<Promise<void>>();
  const bodies = Array.from({ length: 64 }, (_, i) => messageBody(payloadFor(i)));
  const t0 = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && t0 + (i * 1000) / rate <= now) {
      const entry: Sent = { at: performance.now() };
      sent.push(entry);
      const p = pool
        .request({
          method: "POST",
          path,
          headers,
          body: bodies[i % 64],
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        })
        .then(async (res) => {
          const text = await res.body.text();
          if (res.statusCode !== 202) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
          entry.id = (JSON.parse(text) as { id: string }).id;
          entry.ackMs = performance.now() - entry.at;
        })
        .catch((error: unknown) => {
          entry.error = (error as Error).message;
        })
        .finally(() => pending.delete(p));
      pending.add(p);
      i += 1;
    }
    await sleep(1);
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  await waitUntil(
    () => pending.size === 0,
    "all POST /msg answers",
    30_000,
    () => `${pending.size} outstanding`,
  );
  const ids = sent.filter((s) => s.id !== undefined);
  await waitUntil(
    () => ids.every((s) => receiver.arrivals.has(s.id ?? "")),
    "every message to be delivered",
    30_000,
    () => `${ids.filter((s) => receiver.arrivals.has(s.id ?? "")).length} of ${ids.length} delivered`,
    5,
  ).catch(() => undefined);
  const latencies: number[] = [];
  for (const s of ids) {
    const arrived = receiver.arrivals.get(s.id ?? "");
    if (arrived !== undefined) latencies.push(arrived - s.at);
  }
  return {
    total,
    sendSeconds,
    accepted: ids.length,
    errors: sent.filter((s) => s.error !== undefined),
    delivered: latencies.length,
    e2e: summarize(latencies),
    ack: summarize(ids.map((s) => s.ackMs ?? Number.NaN)),
  };
}

export const latency: Scenario = {
  name: "latency",
  title: "POST /msg → webhook at the receiver, steady rate",
  async run(ctx) {
    const base = await ctx.baseline();
    const rate = ctx.quick ? 200 : 1_000;
    const seconds = ctx.smoke ? 1 : ctx.quick ? 5 : 30;
    // The smoke run only needs the warm-up's code path, not a warmed-up server.
    const warmupSeconds = ctx.smoke ? 0.25 : 1;
    const cap = endpointConcurrency();
    const receiver = await startReceiver({ recordArrivals: true });
    const server = await startServer({ env: { OUTBOUND_ENDPOINT_CONCURRENCY: cap } });
    const api = new Api(server);
    const pool = new Pool(server.url, { connections: 64, pipelining: 1 });
    try {
      const appId = await api.createApp("bench-latency");
      await api.createEndpoint(appId, receiver.url("/latency"));
      const path = `/api/v1/app/${appId}/msg`;
      // Warm-up: one second at the same rate (JIT, connections, SQLite pages), then a fresh record.
      await steadyRate(pool, path, api.headers, rate, warmupSeconds, receiver);
      receiver.reset();
      const r = await steadyRate(pool, path, api.headers, rate, seconds, receiver);
      if (r.errors.length > 0) throw new Error(`${r.errors.length} POST /msg failed: ${r.errors[0]?.error}`);
      const e2e = r.e2e;
      const notes = [
        `open loop: ${r.total} messages scheduled at ${rate}/s over ${seconds} s (sending took ${r.sendSeconds.toFixed(1)} s)`,
      ];
      if (r.delivered < r.accepted)
        notes.push(`${r.accepted - r.delivered} accepted messages were not delivered within 30 s`);
      return {
        config: { rate, seconds, messages: r.total, endpoints: 1, OUTBOUND_ENDPOINT_CONCURRENCY: cap },
        metrics: [
          metric("end-to-end p50", e2e.p50, "ms", "send POST /msg → webhook arrives"),
          metric("end-to-end p95", e2e.p95, "ms"),
          metric("end-to-end p99", e2e.p99, "ms"),
          metric("end-to-end max", e2e.max, "ms"),
          metric("POST /msg answer p50", r.ack.p50, "ms", "202 received"),
          metric("POST /msg answer p99", r.ack.p99, "ms"),
          metric("achieved send rate", r.total / r.sendSeconds, "msg/s"),
          metric("delivered", r.delivered, "msgs", `of ${r.accepted} accepted`),
        ],
        checks: [
          check({
            metric: `p50 ≤ ${TARGET_P50_MS} ms`,
            measured: e2e.p50,
            unit: "ms",
            target: `≤ ${TARGET_P50_MS} ms`,
            goal: { value: TARGET_P50_MS, direction: "<=", on: "measured" },
            baseline: { value: base.rttP50Ms, label: "bare HTTP round trip p50 ms" },
          }),
          check({
            metric: `p99 ≤ ${TARGET_P99_MS} ms`,
            measured: e2e.p99,
            unit: "ms",
            target: `≤ ${TARGET_P99_MS} ms`,
            goal: { value: TARGET_P99_MS, direction: "<=", on: "measured" },
            baseline: { value: base.rttP99Ms, label: "bare HTTP round trip p99 ms" },
          }),
        ],
        notes,
      };
    } finally {
      await pool.close().catch(() => pool.destroy());
      await api.close();
      await server.stop();
      await receiver.close();
    }
  },
};
