import type { MachineInfo } from "./machine.ts";
import type { Metric, ScenarioResult } from "./results.ts";
import { round } from "./stats.ts";

/** What the bare-HTTP baseline measured; other scenarios report ratios against it. */
export interface BaselineNumbers {
  /** Requests/s, undici Pool (64 connections) → loopback receiver in another thread. */
  rps: number;
  /** One connection, one request at a time: round-trip latency percentiles (ms). */
  rttP50Ms: number;
  rttP99Ms: number;
}

export interface BenchContext {
  /** --quick or --smoke: sizes shrunk (results are marked quick). */
  quick: boolean;
  /** --smoke: sizes ÷ 100, only to prove every scenario still completes (npm test). */
  smoke: boolean;
  machine: MachineInfo;
  /** A full-run size, shrunk 10× with --quick and 100× with --smoke (never below `min`). */
  size(full: number, min?: number): number;
  /** The baseline of this run: measured once (by the baseline scenario or on first use) and reused. */
  baseline(): Promise<BaselineNumbers>;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  run(
    ctx: BenchContext,
  ): Promise<Omit<ScenarioResult, "scenario" | "title" | "quick" | "startedAt" | "durationS" | "machine">>;
}

export type ScenarioBody = Awaited<ReturnType<Scenario["run"]>>;

export function metric(name: string, value: number, unit: string, note?: string): Metric {
  return note === undefined ? { name, value: round(value), unit } : { name, value: round(value), unit, note };
}

/**
 * Runs two independent parts of a scenario (each with its own receiver and servers): one after the other normally,
 * so that neither disturbs the other's numbers, and side by side in the smoke run, whose numbers mean nothing and
 * whose time is mostly process starts. Settles only once both have finished (and stopped their servers).
 */
export async function runBoth<A, B>(
  ctx: BenchContext,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  if (!ctx.smoke) return [await first(), await second()];
  const [a, b] = await Promise.allSettled([first(), second()]);
  if (a.status === "rejected") throw a.reason;
  if (b.status === "rejected") throw b.reason;
  return [a.value, b.value];
}

/**
 * OUTBOUND_ENDPOINT_CONCURRENCY for scenarios where the default (8) would cap throughput; override with
 * BENCH_ENDPOINT_CONCURRENCY to compare.
 */
export function endpointConcurrency(fallback = "64"): string {
  return process.env.BENCH_ENDPOINT_CONCURRENCY ?? fallback;
}
