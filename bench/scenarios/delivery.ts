/**
 * Delivery throughput: 1 application, 10 endpoints (separate receiver paths). A durable backlog is queued
 * first, then a fresh server drains it (see lib/drain.ts); deliveries/s is compared with the bare-HTTP baseline.
 */
import type { Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric } from "../lib/context.ts";
import { percent, whole } from "../lib/cpu-account.ts";
import { queueAndDrain } from "../lib/drain.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";

const ENDPOINTS = 10;
const TARGET_RATIO = 0.5;

export const delivery: Scenario = {
  name: "delivery",
  title: "drain a queued backlog: 1 app × 10 endpoints",
  async run(ctx) {
    const base = await ctx.baseline();
    const messages = ctx.size(10_000);
    const cap = endpointConcurrency();
    const receiver = await startReceiver();
    try {
      const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/delivery/${i}`);
      const r = await queueAndDrain({
        ctx,
        // A cap of 8 × 10 endpoints = 80 attempts in flight makes the worker spin on its claim query
        // (see docs/benchmarks.md); 64 lets the worker's own limit (256) apply.
        receiver,
        serverEnv: { OUTBOUND_ENDPOINT_CONCURRENCY: cap },
        apps: [paths],
        messages,
        fillTimeoutMs: ctx.quick ? 20_000 : 180_000,
        drainTimeoutMs: ctx.quick ? 20_000 : 300_000,
      });
      return {
        config: {
          messages,
          endpoints: ENDPOINTS,
          deliveries: r.deliveries,
          OUTBOUND_ENDPOINT_CONCURRENCY: cap,
        },
        metrics: [
          metric("deliveries/s", r.drainRate, "deliv/s", "steady: 10% of the drain → last arrival"),
          metric(
            "deliveries/s, whole drain",
            r.wholeDrainRate,
            "deliv/s",
            "first → last arrival, incl. warm-up",
          ),
          metric("drain wall time", r.drainMs / 1000, "s"),
          metric("delivery thread CPU", r.drainCpuUs.delivery ?? 0, "µs/deliv", "steady part of the drain"),
          metric("server process CPU", r.drainCpuUs.process ?? 0, "µs/deliv", "steady part of the drain"),
          metric(
            "delivered by the fill server",
            r.deliveredWhileFilling,
            "deliv",
            "in flight at its shutdown; not timed",
          ),
          metric("queueing rate", r.fillRate, "msg/s", "POST /msg (10 deliveries each), worker parked"),
          metric(
            "machine busy",
            r.drainBusy * 100,
            "%",
            `of ${ctx.machine.cores} cores, steady part of the drain`,
          ),
          metric(
            "outcomes recorded",
            r.recorded ? 1 : 0,
            "bool",
            "endpoint stats show every delivery as success",
          ),
        ],
        checks: [
          check({
            metric: `deliveries/s ≥ ${TARGET_RATIO} × baseline`,
            measured: r.drainRate,
            unit: "deliv/s",
            target: `≥ ${TARGET_RATIO}× baseline`,
            goal: { value: TARGET_RATIO, direction: ">=", on: "ratio" },
            baseline: { value: base.rps, label: "bare HTTP req/s" },
            ...explainDrain(r.drainRate, r.drainCpuUs.delivery ?? Number.NaN, r.drainBusy, {
              target: TARGET_RATIO * base.rps,
              bare: base.rps,
              cores: ctx.machine.cores,
            }),
          }),
        ],
        notes: [
          `OUTBOUND_ENDPOINT_CONCURRENCY=${cap} (default 8 limits throughput: 10 endpoints × 8 = 80 attempts in flight)`,
          ...(r.recorded ? [] : ["the server's stats did not show every delivery as success within 15 s"]),
        ],
      };
    } finally {
      await receiver.close();
    }
  },
};

/** What explains a drain under its target: the cores' load and the delivery thread's CPU per delivery against it. */
export function explainDrain(
  rate: number,
  threadUs: number,
  busy: number,
  run: { target: number; bare: number; cores: number },
): { why: string[]; closes: string } {
  const needUs = 1e6 / run.target;
  return {
    why: [
      `the ${run.cores} cores were ${percent(busy)} busy during the drain; the delivery thread spent ` +
        `${whole(threadUs)} µs of CPU per delivery and was on a core ${percent((rate * threadUs) / 1e6)} of the time`,
      `the target, ${whole(run.target)} deliveries/s, is half the rate of a server that only answers ` +
        `(${whole(run.bare)} req/s): ≤ ${whole(needUs)} µs per delivery on the thread, which signs, sends, reads ` +
        "the answer and writes the attempt and the outcome",
    ],
    closes:
      `${whole(Math.max(0, threadUs - needUs))} µs less per delivery on the delivery thread, with a core to ` +
      "itself (the receiver and the load share these)",
  };
}
