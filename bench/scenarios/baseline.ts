/**
 * The ceiling: bare undici Pool (64 connections, in a worker thread) POSTing a ~300-byte JSON body to the same
 * kind of loopback receiver the server delivers to. No server, no SQLite, no signing: what two processes'
 * worth of Node HTTP on this machine can do. Every other scenario reports ratios against these numbers.
 */
import { Worker } from "node:worker_threads";
import type { BaselineNumbers, BenchContext, Scenario, ScenarioBody } from "../lib/context.ts";
import { metric } from "../lib/context.ts";
import type { LoadResult } from "../lib/load.ts";
import { payloadFor, requireClean } from "../lib/load.ts";
import type { LoadgenJob } from "../lib/loadgen-worker.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";
import { summarize } from "../lib/stats.ts";
import { withTimeout } from "../lib/wait.ts";

export const CONNECTIONS = 64;
const ROUNDS = 3;

export interface BaselineRun {
  numbers: BaselineNumbers;
  body: ScenarioBody;
}

export async function measureBaseline(ctx: BenchContext): Promise<BaselineRun> {
  const count = ctx.size(100_000);
  const rttCount = ctx.size(5_000);
  const receiver = await startReceiver();
  const body = JSON.stringify(payloadFor(0));
  const job: LoadgenJob = {
    origin: `http://127.0.0.1:${receiver.port}`,
    path: "/baseline",
    body,
    count,
    concurrency: CONNECTIONS,
    warmup: Math.ceil(count / 20),
    rounds: ROUNDS,
    rttCount,
    timeoutMs: 60_000,
  };
  const worker = new Worker(new URL("../lib/loadgen-worker.ts", import.meta.url), { workerData: job });
  try {
    const result = await withTimeout(
      new Promise<{ rounds: LoadResult[]; rtt: LoadResult }>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`load generator thread exited with ${code}`)));
      }),
      150_000,
      "baseline load generator",
    );
    for (const round of result.rounds) requireClean(round, "baseline throughput run");
    requireClean(result.rtt, "baseline round-trip run");
    const sorted = [...result.rounds].sort((a, b) => a.rps - b.rps);
    const throughput = sorted[Math.floor(sorted.length / 2)];
    if (!throughput) throw new Error("baseline produced no rounds");
    const perRound = Math.ceil(count / ROUNDS);
    const expected = job.warmup + perRound * ROUNDS + rttCount;
    if (receiver.count("/baseline") !== expected) {
      throw new Error(`receiver counted ${receiver.count("/baseline")} requests, expected ${expected}`);
    }
    const rtt = summarize(result.rtt.latenciesMs);
    const numbers: BaselineNumbers = { rps: throughput.rps, rttP50Ms: rtt.p50, rttP99Ms: rtt.p99 };
    ctx.log(`baseline: ${Math.round(numbers.rps)} req/s, round trip p50 ${numbers.rttP50Ms.toFixed(3)} ms`);
    return {
      numbers,
      body: {
        config: {
          requests: perRound * ROUNDS,
          rounds: ROUNDS,
          connections: CONNECTIONS,
          bodyBytes: Buffer.byteLength(body),
          rttRequests: rttCount,
        },
        metrics: [
          metric("requests/s", throughput.rps, "req/s", `median of ${ROUNDS} rounds of ${perRound} POSTs`),
          metric("requests/s, slowest round", sorted[0]?.rps ?? Number.NaN, "req/s"),
          metric("requests/s, fastest round", sorted[sorted.length - 1]?.rps ?? Number.NaN, "req/s"),
          metric("round trip p50", rtt.p50, "ms", "1 connection, sequential"),
          metric("round trip p95", rtt.p95, "ms"),
          metric("round trip p99", rtt.p99, "ms"),
        ],
        checks: [
          check({
            metric: "bare HTTP requests/s (the ceiling)",
            measured: numbers.rps,
            unit: "req/s",
            target: "reference",
          }),
        ],
        notes: ["load generator in a worker thread, receiver on the main thread: one core each"],
      },
    };
  } finally {
    await worker.terminate();
    await receiver.close();
  }
}

export const baseline: Scenario = {
  name: "baseline",
  title: "bare undici Pool → loopback receiver (the ceiling)",
  async run(ctx) {
    await ctx.baseline();
    const run = lastRun;
    if (!run) throw new Error("baseline did not run");
    return run.body;
  },
};

let lastRun: BaselineRun | undefined;

/** Used by run.ts to measure the baseline once per process and keep the full result for the baseline scenario. */
export async function baselineOnce(ctx: BenchContext): Promise<BaselineNumbers> {
  lastRun ??= await measureBaseline(ctx);
  return lastRun.numbers;
}
