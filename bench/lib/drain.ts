/**
 * Queue a durable backlog, then measure how fast a freshly started server drains it.
 *
 * 1. Fill: a server with a long request timeout (so nothing times out, fails or trips a circuit breaker), one
 *    attempt in flight, and a receiver that parks every answer. The worker's one slot holds a request that does not
 *    finish; everything else stays queued in SQLite. Messages go through the API (each 202 = committed).
 * 2. Stop that server gracefully while releasing the parked answers: its in-flight attempts complete and it exits.
 * 3. Drain: start the server again on the same database with the scenario's settings. The drain rate is taken
 *    from the moment 10 % of the remaining deliveries have arrived to the last arrival (a fresh process spends its
 *    first moments compiling hot code; that would favour large backlogs); the whole-drain rate is kept too.
 *
 * The drain server does nothing but deliver, and any fill duration is safe (earlier versions parked requests
 * across the whole fill and hit the request timeout and the circuit breaker on large backlogs).
 *
 * A scenario that compares two backlogs (hol, backlog) gives them to `queueAndDrainEach`: one after the other, each
 * with its own two servers; in the smoke run both share one fill server and one drain server (same settings, so
 * the same starts), drained side by side, which its numbers do not care about.
 */
import { Api, messageBody } from "./api.ts";
import type { BenchContext } from "./context.ts";
import { payloadFor, requireClean, runLoad } from "./load.ts";
import { busyBetween, machineCpu } from "./machine-cpu.ts";
import type { Receiver } from "./receiver.ts";
import { type BenchServer, sampleMemory, startServer } from "./server.ts";
import { threadCpu } from "./thread-cpu.ts";
import { sleep, waitUntil } from "./wait.ts";

/** One backlog: its receiver, applications and messages. */
export interface DrainRun {
  receiver: Receiver;
  /** One entry per application: the receiver paths of its endpoints. */
  apps: string[][];
  /** Messages in total, sent round-robin over the applications. */
  messages: number;
  /** Paths that never answer: excluded from the drain measurement. */
  hangPaths?: readonly string[];
}

/** What the fill and drain servers of one or more backlogs share. */
export interface DrainSettings {
  ctx: BenchContext;
  /** Environment of the draining server (the fill server always uses a 1 h timeout and one attempt in flight). */
  serverEnv: Record<string, string>;
  fillTimeoutMs: number;
  drainTimeoutMs: number;
}

export type DrainOptions = DrainSettings & DrainRun;

export interface DrainResult {
  /** Deliveries to the measured (answering) endpoints in total. */
  deliveries: number;
  /** Of those, delivered by the fill server (its in-flight attempts at shutdown); not part of the drain. */
  deliveredWhileFilling: number;
  fillMs: number;
  /** Messages accepted per second while filling (64 clients, worker blocked on parked answers). */
  fillRate: number;
  drainMs: number;
  /** Measured deliveries per second, from 10 % of the drain to the last arrival (steady state). */
  drainRate: number;
  /** Measured deliveries per second, first to last arrival (includes the fresh process warming up). */
  wholeDrainRate: number;
  /**
   * CPU µs of the draining server per measured delivery over the same steady part as drainRate, by thread group
   * (`delivery`, `api`, `gc-helpers`, `process`; see lib/thread-cpu.ts). The attempts of hung endpoints are included;
   * in the smoke run, where two backlogs drain side by side on one server, so are the other backlog's.
   */
  drainCpuUs: Record<string, number>;
  /** Fraction of the machine's cores busy (every process) over the same steady part; NaN when there was none. */
  drainBusy: number;
  /** Every measured endpoint's stats show all its deliveries as success (checked on up to 20 endpoints). */
  recorded: boolean;
  /** Peak memory of the fill server and of the drain server (VmHWM / sampled RSS), MB. */
  fillMemory: { peakRssMb: number; hwmMb: number };
  drainMemory: { peakRssMb: number; hwmMb: number };
}

/**
 * One attempt in flight: what the fill server delivers is not part of any drain, and with its default 256 slots it
 * delivered most of a small backlog (the smoke run's) at its shutdown, now and then all of it, leaving nothing to time.
 */
const FILL_ENV = {
  OUTBOUND_REQUEST_TIMEOUT: "1h",
  OUTBOUND_WORKER_CONCURRENCY: "1",
};

interface Measured {
  appId: string;
  endpointId: string;
  path: string;
  expected: number;
  before: number;
}

/** A backlog on its way: its measured endpoints and what its fill achieved. */
interface Queued {
  run: DrainRun;
  measured: Measured[];
  fill: Awaited<ReturnType<typeof runLoad>>;
}

export async function queueAndDrain(options: DrainOptions): Promise<DrainResult> {
  const [result] = await queueAndDrainTogether(options, [options]);
  if (!result) throw new Error("no drain result");
  return result;
}

/** Each backlog measured on its own servers, one after the other; in the smoke run all on shared servers at once. */
export async function queueAndDrainEach<const R extends readonly DrainRun[]>(
  settings: DrainSettings,
  runs: R,
): Promise<{ -readonly [K in keyof R]: DrainResult }> {
  const results: DrainResult[] = [];
  if (settings.ctx.smoke) results.push(...(await queueAndDrainTogether(settings, runs)));
  else for (const run of runs) results.push(await queueAndDrain({ ...settings, ...run }));
  return results as { -readonly [K in keyof R]: DrainResult };
}

async function queueAndDrainTogether(
  settings: DrainSettings,
  runs: readonly DrainRun[],
): Promise<DrainResult[]> {
  const { ctx } = settings;
  const servers: BenchServer[] = [];
  for (const { receiver } of runs) {
    receiver.reset();
    receiver.hold();
    // Hang paths only hang for the draining server; while filling they are parked like the others.
    receiver.setHanging(false);
  }
  try {
    // 1. Fill.
    const filler = await startServer({ env: FILL_ENV, keepDataDir: true });
    servers.push(filler);
    const fillMemory = sampleMemory(filler);
    const api = new Api(filler);
    const queued: Queued[] = [];
    try {
      for (const run of runs) queued.push(await queue(ctx, api, filler, run, settings.fillTimeoutMs));
    } finally {
      await api.close();
    }

    // 2. Graceful stop; the parked answers are released so its in-flight attempts finish at once.
    const stopStarted = performance.now();
    const stopping = filler.stop();
    for (const { receiver } of runs) receiver.release();
    await stopping;
    ctx.log(`fill server stopped in ${Math.round(performance.now() - stopStarted)} ms`);
    const fillMem = fillMemory.stop();
    // Every count first: backlogs may share a receiver (on paths of their own), which a reset clears for all of them.
    for (const { run, measured } of queued) for (const m of measured) m.before = run.receiver.count(m.path);
    for (const { run } of queued) {
      run.receiver.reset();
      run.receiver.setHanging(true);
    }

    // 3. Drain on a fresh process, same database.
    const drainer = await startServer({
      env: settings.serverEnv,
      dataDir: filler.dataDir,
      token: filler.token,
    });
    servers.push(drainer);
    const drainMemory = sampleMemory(drainer);
    const outcomes = await Promise.all(
      queued.map(async (q) => ({
        ...(await drain(ctx, drainer, q, settings.drainTimeoutMs)),
        // Outcomes are flushed in batches: checked once the receiver has everything.
        recorded: await recordedAsSuccess(drainer, q.measured),
        fillMs: q.fill.elapsedMs,
        fillRate: q.fill.rps,
      })),
    );
    const drainMem = drainMemory.stop();
    return outcomes.map((outcome) => ({ ...outcome, fillMemory: fillMem, drainMemory: drainMem }));
  } finally {
    for (const { receiver } of runs) {
      receiver.release();
      receiver.dropHung();
    }
    for (const server of servers.reverse()) await server.stop();
  }
}

/** Creates the run's applications and endpoints on the fill server and queues its messages (each 202 = committed). */
async function queue(
  ctx: BenchContext,
  api: Api,
  filler: BenchServer,
  run: DrainRun,
  fillTimeoutMs: number,
): Promise<Queued> {
  const hang = new Set(run.hangPaths ?? []);
  const measured: Measured[] = [];
  const appIds: string[] = [];
  for (const [a, paths] of run.apps.entries()) {
    const appId = await api.createApp(`bench-${a}`);
    appIds.push(appId);
    const ids = await api.createEndpoints(
      appId,
      paths.map((p) => run.receiver.url(p)),
    );
    const perApp = Math.floor(run.messages / run.apps.length) + (a < run.messages % run.apps.length ? 1 : 0);
    for (const [i, path] of paths.entries()) {
      if (!hang.has(path))
        measured.push({ appId, endpointId: ids[i] ?? "", path, expected: perApp, before: 0 });
    }
  }
  const bodies = Array.from({ length: 64 }, (_, i) => messageBody(payloadFor(i)));
  ctx.log(`queueing ${run.messages} messages`);
  const fill = await runLoad({
    origin: filler.url,
    count: run.messages,
    concurrency: 64,
    request: (i) => ({
      method: "POST",
      path: `/api/v1/app/${appIds[i % appIds.length]}/msg`,
      headers: api.headers,
      body: bodies[i % bodies.length],
    }),
    expectStatus: 202,
    timeoutMs: fillTimeoutMs,
  });
  requireClean(fill, "queueing the backlog");
  return { run, measured, fill };
}

type Drained = Pick<
  DrainResult,
  | "deliveries"
  | "deliveredWhileFilling"
  | "drainMs"
  | "drainRate"
  | "wholeDrainRate"
  | "drainCpuUs"
  | "drainBusy"
>;

/** Waits until the run's receiver has every remaining delivery; rates from the receiver's arrival times. */
async function drain(
  ctx: BenchContext,
  drainer: BenchServer,
  { run, measured }: Queued,
  timeoutMs: number,
): Promise<Drained> {
  const { receiver } = run;
  const deliveredWhileFilling = measured.reduce((sum, m) => sum + m.before, 0);
  const deliveries = measured.reduce((sum, m) => sum + m.expected, 0);
  const remaining = deliveries - deliveredWhileFilling;
  if (remaining < 2)
    throw new Error(`nothing to drain: the fill server delivered ${deliveredWhileFilling} of ${deliveries}`);
  ctx.log(`draining ${remaining} deliveries`);
  const arrived = () =>
    measured.reduce((sum, m) => sum + Math.min(receiver.count(m.path), m.expected - m.before), 0);
  let tenth = { at: Number.NaN, count: 0, cpu: new Map<string, number>(), machine: machineCpu() };
  await waitUntil(
    () => {
      if (Number.isNaN(tenth.at)) {
        const count = arrived();
        if (count >= remaining / 10)
          tenth = { at: performance.now(), count, cpu: threadCpu(drainer.pid), machine: machineCpu() };
      }
      return measured.every((m) => receiver.count(m.path) >= m.expected - m.before);
    },
    `${remaining} deliveries`,
    timeoutMs,
    () => `${arrived()} of ${remaining} arrived`,
  );
  const drainCpuUs: Record<string, number> = {};
  const drainBusy = tenth.count < remaining ? busyBetween(tenth.machine, machineCpu()) : Number.NaN;
  if (tenth.count < remaining)
    for (const [group, seconds] of threadCpu(drainer.pid))
      drainCpuUs[group] = ((seconds - (tenth.cpu.get(group) ?? 0)) * 1e6) / (remaining - tenth.count);
  const active = measured.filter((m) => m.expected > m.before);
  const first = Math.min(...active.map((m) => receiver.firstArrivalAt(m.path)));
  const last = Math.max(...active.map((m) => receiver.lastArrivalAt(m.path)));
  const drainMs = last - first;
  const duplicates = measured.filter((m) => receiver.count(m.path) > m.expected - m.before);
  if (duplicates.length > 0)
    ctx.log(`warning: more deliveries than messages on ${duplicates.length} endpoint(s)`);
  const wholeDrainRate = drainMs > 0 ? ((remaining - 1) / drainMs) * 1000 : 0;
  // A tiny backlog (the smoke run) can arrive whole before the first look: then there is no steady part to time.
  const steady = tenth.count < remaining && last > tenth.at;
  return {
    deliveries,
    deliveredWhileFilling,
    drainMs,
    drainRate: steady ? ((remaining - tenth.count) / (last - tenth.at)) * 1000 : wholeDrainRate,
    wholeDrainRate,
    drainCpuUs,
    drainBusy,
  };
}

/** Outcomes are flushed in batches: whether the server recorded every delivery as a success (up to 20 endpoints). */
async function recordedAsSuccess(drainer: BenchServer, measured: readonly Measured[]): Promise<boolean> {
  const check = new Api(drainer);
  let recorded = false;
  try {
    const deadline = performance.now() + 15_000;
    const sample = measured.slice(0, 20);
    while (!recorded && performance.now() < deadline) {
      const stats = await Promise.all(sample.map((m) => check.stats(m.appId, m.endpointId)));
      recorded = stats.every((s, i) => s.success === sample[i]?.expected);
      if (!recorded) await sleep(100);
    }
  } finally {
    await check.close();
  }
  return recorded;
}
