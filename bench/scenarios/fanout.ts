/**
 * Fan-out: one message to an application with 1,000 endpoints (each its own receiver path). Time from sending
 * POST /msg until every endpoint has received its attempt. Repeated a few times; the first run is reported too.
 */
import { Api, messageBody } from "../lib/api.ts";
import type { Scenario } from "../lib/context.ts";
import { metric } from "../lib/context.ts";
import { payloadFor } from "../lib/load.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";
import { startServer } from "../lib/server.ts";
import { median } from "../lib/stats.ts";
import { waitUntil } from "../lib/wait.ts";

const TARGET_MS = 1_000;
const REPEATS = 5;

export const fanout: Scenario = {
  name: "fanout",
  title: "1 message → many endpoints: time until all attempted",
  async run(ctx) {
    const base = await ctx.baseline();
    const endpoints = ctx.size(1_000);
    const receiver = await startReceiver();
    const server = await startServer();
    const api = new Api(server);
    try {
      const appId = await api.createApp("bench-fanout");
      const paths = Array.from({ length: endpoints }, (_, i) => `/fanout/${i}`);
      await api.createEndpoints(
        appId,
        paths.map((p) => receiver.url(p)),
      );
      const body = JSON.parse(messageBody(payloadFor(0))) as { payload: Record<string, unknown> };
      const times: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const before = receiver.total();
        const t0 = performance.now();
        await api.sendMessage(appId, body.payload);
        await waitUntil(
          () => receiver.total() >= before + endpoints,
          `${endpoints} attempts`,
          30_000,
          () => `${receiver.total() - before} of ${endpoints}`,
          1,
        );
        times.push(receiver.lastArrival() - t0);
      }
      const missing = paths.filter((p) => receiver.count(p) !== REPEATS);
      if (missing.length > 0)
        throw new Error(`${missing.length} endpoints did not get exactly ${REPEATS} attempts`);
      const med = median(times);
      // What the bare HTTP ceiling would need for the same number of requests.
      const ideal = (endpoints / base.rps) * 1000;
      return {
        config: { endpoints, repeats: REPEATS },
        metrics: [
          metric("time to all attempted (median)", med, "ms", `${REPEATS} messages, one after another`),
          metric("time to all attempted (first)", times[0] ?? Number.NaN, "ms", "cold connections"),
          metric("time to all attempted (max)", Math.max(...times), "ms"),
          metric("attempts/s (median run)", (endpoints / med) * 1000, "att/s"),
          metric("bare HTTP time for as many requests", ideal, "ms", "endpoints ÷ baseline req/s"),
        ],
        checks: [
          check({
            metric: `all ${endpoints} attempted ≤ 1 s`,
            measured: med,
            unit: "ms",
            target: "≤ 1,000 ms",
            goal: { value: TARGET_MS, direction: "<=", on: "measured" },
            baseline: { value: ideal, label: "bare HTTP ms for as many requests" },
          }),
        ],
        notes: ctx.quick ? [`--quick: ${endpoints} endpoints instead of 1,000`] : [],
      };
    } finally {
      await api.close();
      await server.stop();
      await receiver.close();
    }
  },
};
