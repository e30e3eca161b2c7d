/**
 * Ingest: POST /msg from 64 concurrent clients to an application with one endpoint. A 202 means the message and
 * its delivery are committed to SQLite, so accepted msg/s is durable throughput. The worker delivers to a fast
 * receiver at the same time (as in production), competing for the same CPU.
 */
import { Api, messageBody } from "../lib/api.ts";
import type { Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric } from "../lib/context.ts";
import { payloadFor, requireClean, runLoad } from "../lib/load.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";
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
    const server = await startServer({ env: { OUTBOUND_ENDPOINT_CONCURRENCY: cap } });
    const api = new Api(server);
    try {
      const appId = await api.createApp("bench-ingest");
      await api.createEndpoint(appId, receiver.url("/ingest"));
      const bodies = Array.from({ length: 64 }, (_, i) => messageBody(payloadFor(i)));
      const load = (n: number, recordLatency: boolean) =>
        runLoad({
          origin: server.url,
          count: n,
          concurrency: CLIENTS,
          request: (i) => ({
            method: "POST",
            path: `/api/v1/app/${appId}/msg`,
            headers: api.headers,
            body: bodies[i % 64],
          }),
          expectStatus: 202,
          recordLatency,
          timeoutMs: ctx.quick ? 20_000 : 120_000,
        });
      requireClean(await load(warmup, false), "ingest warm-up");
      const deliveredBefore = receiver.total();
      const r = await load(count, true);
      requireClean(r, "ingest");
      const deliveredDuring = receiver.total() - deliveredBefore;
      const lat = summarize(r.latenciesMs);
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
        ],
        checks: [
          check({
            metric: `accepted msg/s ≥ ${TARGET_MSG_S.toLocaleString("en-US")}`,
            measured: r.rps,
            unit: "msg/s",
            target: `≥ ${TARGET_MSG_S.toLocaleString("en-US")} msg/s`,
            goal: { value: TARGET_MSG_S, direction: ">=", on: "measured" },
            baseline: { value: base.rps, label: "bare HTTP req/s" },
          }),
        ],
        notes: [`target ratio: ${(r.rps / TARGET_MSG_S).toFixed(3)} of ${TARGET_MSG_S} msg/s`],
      };
    } finally {
      await api.close();
      await server.stop();
      await receiver.close();
    }
  },
};
