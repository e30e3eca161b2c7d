/**
 * Horizontal scale-out: the same queued backlog (1 app × 10 endpoints) drained by 1, 2 and 3 `outbound worker`
 * processes on one PostgreSQL database, as ratios to one worker, plus one SQLite worker in the same run.
 *
 * Each run gets a fresh database. An `outbound api` process (it delivers nothing) queues the backlog and stops;
 * then the workers start together and the drain rate is taken from 10 % of the deliveries to the last arrival.
 * The smoke run (npm test) drains once with 2 PostgreSQL workers instead of with 1, 2 and 3: it only proves the
 * scenario completes, and each drain costs 1 + N process starts. It also drains SQLite and PostgreSQL side by side.
 */
import { randomBytes } from "node:crypto";
import { Api, messageBody } from "../lib/api.ts";
import type { BenchContext, Scenario } from "../lib/context.ts";
import { endpointConcurrency, metric, runBoth } from "../lib/context.ts";
import { percent } from "../lib/cpu-account.ts";
import { payloadFor, requireClean, runLoad } from "../lib/load.ts";
import { busyBetween, machineCpu } from "../lib/machine-cpu.ts";
import { type BenchDatabase, createBenchDatabase } from "../lib/postgres.ts";
import type { Receiver } from "../lib/receiver.ts";
import { startReceiver } from "../lib/receiver.ts";
import { check } from "../lib/results.ts";
import { type BenchServer, startServer } from "../lib/server.ts";
import { waitUntil } from "../lib/wait.ts";

const ENDPOINTS = 10;
const TARGET_RATIO_3 = 2.5;

interface Drain {
  deliveries: number;
  rate: number;
  /** Fraction of the machine's cores busy (every process) over the timed part of the drain. */
  busy: number;
}

/** Queues `messages` through an API-only process, then drains them with `workers` worker processes. */
async function drain(
  ctx: BenchContext,
  receiver: Receiver,
  messages: number,
  workers: number,
  database: BenchDatabase | null,
): Promise<Drain> {
  const env = {
    OUTBOUND_ENDPOINT_CONCURRENCY: endpointConcurrency(),
    // PostgreSQL requires a key every process shares; SQLite keeps its key file beside the database.
    ...(database ? { OUTBOUND_ENCRYPTION_KEY: randomBytes(32).toString("hex") } : {}),
  };
  const servers: BenchServer[] = [];
  try {
    const filler = await startServer({ role: "api", env, databaseUrl: database?.url, keepDataDir: true });
    servers.push(filler);
    const api = new Api(filler);
    const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/scale/${i}`);
    try {
      const appId = await api.createApp("scale");
      await api.createEndpoints(
        appId,
        paths.map((p) => receiver.url(p)),
      );
      const bodies = Array.from({ length: 64 }, (_, i) => messageBody(payloadFor(i)));
      requireClean(
        await runLoad({
          origin: filler.url,
          count: messages,
          concurrency: 64,
          request: (i) => ({
            method: "POST",
            path: `/api/v1/app/${appId}/msg`,
            headers: api.headers,
            body: bodies[i % bodies.length],
          }),
          expectStatus: 202,
          timeoutMs: ctx.quick ? 30_000 : 180_000,
        }),
        "queueing the backlog",
      );
    } finally {
      await api.close();
    }
    await filler.stop();
    const deliveries = messages * ENDPOINTS;
    receiver.reset();
    ctx.log(
      `${database ? "PostgreSQL" : "SQLite"}: draining ${deliveries} deliveries with ${workers} worker(s)`,
    );
    const started = await Promise.all(
      Array.from({ length: workers }, () =>
        startServer({
          role: "worker",
          env,
          databaseUrl: database?.url,
          dataDir: filler.dataDir,
          keepDataDir: true,
          token: filler.token,
        }),
      ),
    );
    servers.push(...started);
    const timeoutMs = ctx.quick ? 60_000 : 300_000;
    const progress = () => `${receiver.total()} of ${deliveries}`;
    await waitUntil(() => receiver.total() >= deliveries * 0.1, "10 % delivered", timeoutMs, progress, 5);
    const from = performance.now();
    const machineFrom = machineCpu();
    const atFrom = receiver.total();
    await waitUntil(() => receiver.total() >= deliveries, "every delivery", timeoutMs, progress, 5);
    const busy = busyBetween(machineFrom, machineCpu());
    const seconds = (receiver.lastArrival() - from) / 1000;
    return { deliveries, rate: (receiver.total() - atFrom) / Math.max(seconds, 0.001), busy };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

async function withReceiver<T>(use: (receiver: Receiver) => Promise<T>): Promise<T> {
  const receiver = await startReceiver();
  try {
    return await use(receiver);
  } finally {
    await receiver.close();
  }
}

export const scale: Scenario = {
  name: "scale",
  title: "drain a backlog with 1, 2, 3 worker processes on PostgreSQL (and 1 on SQLite)",
  async run(ctx) {
    const messages = ctx.size(5_000);
    const workerCounts = ctx.smoke ? [2] : [1, 2, 3];
    const rates = new Map<number, number>();
    const busy = new Map<number, number>();
    const sqliteRun = () => withReceiver((receiver) => drain(ctx, receiver, messages, 1, null));
    const postgresRuns = () =>
      withReceiver(async (receiver) => {
        for (const workers of workerCounts) {
          const database = await createBenchDatabase();
          try {
            const drained = await drain(ctx, receiver, messages, workers, database);
            rates.set(workers, drained.rate);
            busy.set(workers, drained.busy);
          } finally {
            await database.drop();
          }
        }
      });
    const [sqlite] = await runBoth(ctx, sqliteRun, postgresRuns);
    const one = rates.get(1);
    const three = rates.get(3);
    const timesOne = (rate: number, label: string) =>
      one === undefined ? undefined : `${(rate / one).toFixed(2)} × ${label}`;
    return {
      config: {
        messages,
        endpoints: ENDPOINTS,
        deliveries: messages * ENDPOINTS,
        OUTBOUND_ENDPOINT_CONCURRENCY: endpointConcurrency(),
        cores: ctx.machine.cores,
      },
      metrics: [
        ...[...rates].map(([workers, rate]) =>
          metric(
            `PostgreSQL, ${workers} worker${workers === 1 ? "" : "s"}`,
            rate,
            "deliv/s",
            workers === 1 ? undefined : timesOne(rate, "1 worker"),
          ),
        ),
        metric("SQLite, 1 worker", sqlite.rate, "deliv/s", timesOne(sqlite.rate, "PostgreSQL 1 worker")),
      ],
      checks:
        one === undefined || three === undefined
          ? []
          : [
              check({
                metric: `3 workers ≥ ${TARGET_RATIO_3} × 1 worker (PostgreSQL)`,
                measured: three,
                unit: "deliv/s",
                target: `≥ ${TARGET_RATIO_3}× one worker, where the machine has the cores`,
                goal: { value: TARGET_RATIO_3, direction: ">=", on: "ratio" },
                baseline: { value: one, label: "1 worker deliv/s" },
                why: [
                  `the ${ctx.machine.cores} cores were ${percent(busy.get(1) ?? Number.NaN)} busy with one worker ` +
                    `and ${percent(busy.get(3) ?? Number.NaN)} with three (every process: workers, PostgreSQL, ` +
                    "receiver, load): what one worker left idle is all three could add",
                ],
                closes:
                  "a machine with a core for each worker besides PostgreSQL's and the receiver's; the claims " +
                  "themselves do not serialise the workers (docs/benchmarks.md, Scale-out)",
              }),
            ],
      notes: [
        ...(ctx.smoke
          ? ["--smoke: 2 PostgreSQL workers only, so no ratio to 1 worker and no target check"]
          : []),
        `${ctx.machine.cores} cores: the workers, PostgreSQL, the receiver and this load generator share them, so ` +
          "the ratio shows contention for CPU, not the store's scaling (docs/benchmarks.md models the larger case)",
      ],
    };
  },
};
