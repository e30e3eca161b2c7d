/**
 * Backlog: drain throughput with a large queued backlog vs a small one (10k messages), and the server's peak
 * memory. 10 applications with one endpoint each, messages spread round-robin, so every message is one delivery.
 * Full run: 200,000 messages (1,000,000 is too long for one session); --quick: 10,000 vs 1,000.
 */
import type { Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric } from "../lib/context.ts";
import { type DrainResult, queueAndDrainEach } from "../lib/drain.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";

const APPS = 10;
const TARGET_RATIO = 0.9;
const RSS_LIMIT_MB = 300;

export const backlog: Scenario = {
  name: "backlog",
  title: "drain rate with a large backlog vs a 10k backlog, server RSS",
  async run(ctx) {
    // The sizes: 200k (full) / 10k (--quick) against a 10k / 1k reference backlog.
    // Smoke: 500 against 1,000; only proves the path, the large one only needs to be larger.
    const small = ctx.smoke ? 500 : ctx.quick ? 1_000 : 10_000;
    const large = Number(
      process.env.BENCH_BACKLOG_MESSAGES ?? (ctx.smoke ? 1_000 : ctx.quick ? 10_000 : 200_000),
    );
    const cap = endpointConcurrency();
    const apps = Array.from({ length: APPS }, (_, i) => [`/backlog/${i}`]);
    const smallReceiver = await startReceiver();
    const largeReceiver = await startReceiver();
    let ref: DrainResult;
    let big: DrainResult;
    try {
      ctx.log(`backlog: ${small} messages, then ${large}`);
      [ref, big] = await queueAndDrainEach(
        {
          ctx,
          serverEnv: { OUTBOUND_ENDPOINT_CONCURRENCY: cap },
          fillTimeoutMs: ctx.quick ? 30_000 : 600_000,
          drainTimeoutMs: ctx.quick ? 30_000 : 600_000,
        },
        [
          { receiver: smallReceiver, apps, messages: small },
          { receiver: largeReceiver, apps, messages: large },
        ],
      );
    } finally {
      await smallReceiver.close();
      await largeReceiver.close();
    }
    const peak = (r: typeof big) =>
      Math.max(r.fillMemory.hwmMb, r.fillMemory.peakRssMb, r.drainMemory.hwmMb, r.drainMemory.peakRssMb);
    const peakMb = peak(big);
    return {
      config: { apps: APPS, endpointsPerApp: 1, small, large, OUTBOUND_ENDPOINT_CONCURRENCY: cap },
      metrics: [
        metric(`${small} backlog: deliveries/s`, ref.drainRate, "deliv/s"),
        metric(`${large} backlog: deliveries/s`, big.drainRate, "deliv/s"),
        metric(`${large} backlog: drain wall time`, big.drainMs / 1000, "s"),
        metric(`${small} backlog: deliveries/s, whole drain`, ref.wholeDrainRate, "deliv/s", "incl. warm-up"),
        metric(`${large} backlog: deliveries/s, whole drain`, big.wholeDrainRate, "deliv/s", "incl. warm-up"),
        metric(
          `${large} backlog: queueing rate`,
          big.fillRate,
          "msg/s",
          "POST /msg, 64 clients, worker parked",
        ),
        metric(`${small} backlog: server peak RSS`, peak(ref), "MB", "VmHWM, max of fill and drain server"),
        metric(`${large} backlog: peak RSS while queueing`, big.fillMemory.hwmMb, "MB", "VmHWM"),
        metric(`${large} backlog: peak RSS while draining`, big.drainMemory.hwmMb, "MB", "VmHWM"),
      ],
      checks: [
        check({
          metric: `drain rate ≥ ${TARGET_RATIO} × 10k backlog`,
          measured: big.drainRate,
          unit: "deliv/s",
          target: `≥ ${TARGET_RATIO}× small backlog`,
          goal: { value: TARGET_RATIO, direction: ">=", on: "ratio" },
          baseline: { value: ref.drainRate, label: `${small}-backlog deliv/s` },
        }),
        check({
          metric: `server peak RSS < ${RSS_LIMIT_MB} MB`,
          measured: peakMb,
          unit: "MB",
          target: `< ${RSS_LIMIT_MB} MB`,
          goal: { value: RSS_LIMIT_MB, direction: "<=", on: "measured" },
          baseline: { value: peak(ref), label: `${small}-backlog peak MB` },
        }),
      ],
      notes: [
        ctx.quick
          ? `--quick: ${large} vs ${small} messages`
          : `${large.toLocaleString("en-US")} messages instead of the issue's 1,000,000 (session time); set BENCH_BACKLOG_MESSAGES to change`,
      ],
    };
  },
};
