/**
 * Head-of-line blocking: 10 endpoints, one of which points at a receiver path that never answers (draining server
 * with OUTBOUND_REQUEST_TIMEOUT=2s). The other nine endpoints' drain rate is compared with an all-fast run
 * measured the same way (lib/drain.ts) in the same process.
 */
import type { Scenario } from "../lib/context.ts";
import { metric } from "../lib/context.ts";
import { type DrainResult, queueAndDrainEach } from "../lib/drain.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";

const ENDPOINTS = 10;
const HUNG = "/hol/hung";
const TARGET_RATIO = 0.9;

export const hol: Scenario = {
  name: "hol",
  title: "one hung endpoint among 10: fast endpoints' throughput vs all fast",
  async run(ctx) {
    const messages = ctx.size(3_000);
    // The per-endpoint cap is what keeps a hung endpoint from starving the rest: keep the default here.
    const cap = process.env.BENCH_HOL_ENDPOINT_CONCURRENCY ?? "8";
    const serverEnv = { OUTBOUND_REQUEST_TIMEOUT: "2s", OUTBOUND_ENDPOINT_CONCURRENCY: cap };
    const fast = Array.from({ length: ENDPOINTS - 1 }, (_, i) => `/hol/fast/${i}`);
    const settings = {
      ctx,
      serverEnv,
      fillTimeoutMs: ctx.quick ? 20_000 : 180_000,
      drainTimeoutMs: ctx.quick ? 20_000 : 300_000,
    };
    const allFastReceiver = await startReceiver();
    const hungReceiver = await startReceiver({ hangPaths: [HUNG] });
    let allFast: DrainResult;
    let withHung: DrainResult;
    try {
      ctx.log("hol: all-fast run, then the run with one hung endpoint");
      [allFast, withHung] = await queueAndDrainEach(settings, [
        { receiver: allFastReceiver, apps: [[...fast, "/hol/fast/9"]], messages },
        { receiver: hungReceiver, apps: [[...fast, HUNG]], messages, hangPaths: [HUNG] },
      ]);
    } finally {
      await allFastReceiver.close();
      await hungReceiver.close();
    }
    const ratio = withHung.drainRate / allFast.drainRate;
    return {
      config: {
        messages,
        endpoints: ENDPOINTS,
        OUTBOUND_REQUEST_TIMEOUT: "2s",
        OUTBOUND_ENDPOINT_CONCURRENCY: cap,
      },
      metrics: [
        metric(
          "all fast: deliveries/s",
          allFast.drainRate,
          "deliv/s",
          `${allFast.deliveries} deliveries to 10 endpoints`,
        ),
        metric(
          "one hung: fast deliveries/s",
          withHung.drainRate,
          "deliv/s",
          `${withHung.deliveries} deliveries to the 9 fast endpoints`,
        ),
        metric("one hung: drain wall time", withHung.drainMs / 1000, "s"),
        metric("ratio", ratio, "×"),
      ],
      checks: [
        check({
          metric: `fast endpoints ≥ ${TARGET_RATIO} × all-fast`,
          measured: withHung.drainRate,
          unit: "deliv/s",
          target: `≥ ${TARGET_RATIO}× all-fast`,
          goal: { value: TARGET_RATIO, direction: ">=", on: "ratio" },
          baseline: { value: allFast.drainRate, label: "all-fast deliv/s" },
        }),
      ],
      notes: [
        `OUTBOUND_ENDPOINT_CONCURRENCY=${cap} (default): the cap is what bounds the hung endpoint's share`,
        ...(withHung.recorded && allFast.recorded
          ? []
          : ["some outcomes were not recorded as success within 15 s"]),
      ],
    };
  },
};
