/**
 * Head-of-line blocking: 10 endpoints, one of which points at a receiver path that never answers (draining server
 * with OUTBOUND_REQUEST_TIMEOUT=2s). The other nine endpoints' drain rate is compared with an all-fast run
 * measured the same way (lib/drain.ts) in the same process, in alternating rounds (ratio = median over rounds).
 */
import type { Scenario } from "../lib/context.ts";
import { metric } from "../lib/context.ts";
import { type DrainResult, queueAndDrainEach } from "../lib/drain.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";
import { median } from "../lib/stats.ts";

const ENDPOINTS = 10;
const HUNG = "/hol/hung";
const TARGET_RATIO = 0.9;
/** Rounds of (all fast, one hung); the smoke and quick runs only prove the path. */
const ROUNDS = (quick: boolean) => (quick ? 1 : 3);

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
    const runs = {
      "all fast": { receiver: allFastReceiver, apps: [[...fast, "/hol/fast/9"]], messages },
      "one hung": { receiver: hungReceiver, apps: [[...fast, HUNG]], messages, hangPaths: [HUNG] },
    };
    // Both kinds once per round, the order swapped each round (A B, B A, …): a drain lasts seconds, and a neighbour's
    // burst or the machine warming up would otherwise always land on the same kind. Ratios are taken within a round.
    const rounds: Array<{ allFast: DrainResult; withHung: DrainResult; ratio: number }> = [];
    try {
      for (let round = 0; round < ROUNDS(ctx.quick); round++) {
        const hungFirst = round % 2 === 1;
        ctx.log(
          `hol: round ${round + 1}: ${hungFirst ? "one hung, then all fast" : "all fast, then one hung"}`,
        );
        const [first, second] = await queueAndDrainEach(
          settings,
          hungFirst ? [runs["one hung"], runs["all fast"]] : [runs["all fast"], runs["one hung"]],
        );
        const [allFast, withHung] = hungFirst ? [second, first] : [first, second];
        rounds.push({ allFast, withHung, ratio: withHung.drainRate / allFast.drainRate });
      }
    } finally {
      await allFastReceiver.close();
      await hungReceiver.close();
    }
    const ratios = rounds.map((r) => r.ratio);
    const ratio = median(ratios);
    // The round whose ratio is the median supplies the absolute figures, so they agree with the ratio shown.
    const { allFast, withHung } =
      rounds.find((r) => r.ratio === ratio) ?? (rounds[0] as (typeof rounds)[number]);
    const spread =
      ratios.length > 1
        ? `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} over ${ratios.length} rounds`
        : "1 round";
    return {
      config: {
        messages,
        endpoints: ENDPOINTS,
        OUTBOUND_REQUEST_TIMEOUT: "2s",
        OUTBOUND_ENDPOINT_CONCURRENCY: cap,
        rounds: rounds.length,
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
        metric(
          "all fast: delivery thread CPU",
          allFast.drainCpuUs.delivery ?? 0,
          "µs/deliv",
          "steady part of the drain",
        ),
        metric(
          "one hung: delivery thread CPU",
          withHung.drainCpuUs.delivery ?? 0,
          "µs/deliv",
          "per fast delivery; the hung endpoint's attempts included",
        ),
        metric("ratio", ratio, "×", `median; ${spread}`),
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
        `ratio: median over ${rounds.length} round(s) of (all fast, one hung), order swapped each round; the figures above are the median round's`,
        ...(rounds.every((r) => r.withHung.recorded && r.allFast.recorded)
          ? []
          : ["some outcomes were not recorded as success within 15 s"]),
      ],
    };
  },
};
