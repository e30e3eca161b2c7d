/**
 * Runs the load generator in a worker thread, so that the sender and the receiver each get a core, like the
 * server (child process) and the receiver (bench process) do in the delivery scenarios.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type LoadResult, runLoad } from "./load.ts";

export interface LoadgenJob {
  origin: string;
  path: string;
  body: string;
  count: number;
  concurrency: number;
  warmup: number;
  /** The throughput run is split into this many rounds; the parent uses the median round. */
  rounds: number;
  rttCount: number;
  timeoutMs: number;
}

const job = workerData as LoadgenJob;
const request = () => ({
  method: "POST" as const,
  path: job.path,
  headers: { "content-type": "application/json" },
  body: job.body,
});

await runLoad({ ...job, count: job.warmup, request, expectStatus: 204 });
const rounds: LoadResult[] = [];
for (let r = 0; r < job.rounds; r++) {
  const result = await runLoad({
    ...job,
    count: Math.ceil(job.count / job.rounds),
    request,
    expectStatus: 204,
  });
  rounds.push({ ...result, latenciesMs: [] });
}
const rtt = await runLoad({
  origin: job.origin,
  count: job.rttCount,
  concurrency: 1,
  request,
  expectStatus: 204,
  recordLatency: true,
  timeoutMs: job.timeoutMs,
});
parentPort?.postMessage({ rounds, rtt });
