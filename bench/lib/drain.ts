/**
 * Queue a durable backlog, then measure how fast a freshly started server drains it.
 *
 * 1. Fill: a server with a long request timeout (so nothing times out, fails or trips a circuit breaker) and a
 *    receiver that parks every answer. The worker fills its in-flight slots with requests that do not finish;
 *    everything else stays queued in SQLite. Messages go through the API (each 202 = committed).
 * 2. Stop that server gracefully while releasing the parked answers: its in-flight attempts complete and it exits.
 * 3. Drain: start the server again on the same database with the scenario's settings. The drain rate is taken
 *    from the moment 10 % of the remaining deliveries have arrived to the last arrival (a fresh process spends its
 *    first moments compiling hot code; that would favour large backlogs); the whole-drain rate is kept too.
 *
 * The drain server does nothing but deliver, and any fill duration is safe (earlier versions parked requests
 * across the whole fill and hit the request timeout and the circuit breaker on large backlogs).
 */
import { Api, messageBody } from "./api.ts";
import type { BenchContext } from "./context.ts";
import { payloadFor, requireClean, runLoad } from "./load.ts";
import type { Receiver } from "./receiver.ts";
import { type BenchServer, sampleMemory, startServer } from "./server.ts";
import { threadCpu } from "./thread-cpu.ts";
import { sleep, waitUntil } from "./wait.ts";

export interface DrainOptions {
  ctx: BenchContext;
  receiver: Receiver;
  /** Environment of the draining server (the fill server always uses a 1 h timeout and a cap of 64). */
  serverEnv: Record<string, string>;
  /** One entry per application: the receiver paths of its endpoints. */
  apps: string[][];
  /** Messages in total, sent round-robin over the applications. */
  messages: number;
  /** Paths that never answer: excluded from the drain measurement. */
  hangPaths?: readonly string[];
  fillTimeoutMs: number;
  drainTimeoutMs: number;
}

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
   * (`delivery`, `api`, `gc-helpers`, `process`; see lib/thread-cpu.ts). The attempts of hung endpoints are included.
   */
  drainCpuUs: Record<string, number>;
  /** Every measured endpoint's stats show all its deliveries as success (checked on up to 20 endpoints). */
  recorded: boolean;
  /** Peak memory of the fill server and of the drain server (VmHWM / sampled RSS), MB. */
  fillMemory: { peakRssMb: number; hwmMb: number };
  drainMemory: { peakRssMb: number; hwmMb: number };
}

const FILL_ENV = { OUTBOUND_REQUEST_TIMEOUT: "1h", OUTBOUND_ENDPOINT_CONCURRENCY: "64" };

export async function queueAndDrain(options: DrainOptions): Promise<DrainResult> {
  const { ctx, receiver } = options;
  const hang = new Set(options.hangPaths ?? []);
  const servers: BenchServer[] = [];
  receiver.reset();
  receiver.hold();
  // Hang paths only hang for the draining server; while filling they are parked like the others.
  receiver.setHanging(false);
  try {
    // 1. Fill.
    const filler = await startServer({ env: FILL_ENV, keepDataDir: true });
    servers.push(filler);
    const fillMemory = sampleMemory(filler);
    const api = new Api(filler);
    const measured: Array<{
      appId: string;
      endpointId: string;
      path: string;
      expected: number;
      before: number;
    }> = [];
    let fill: Awaited<ReturnType<typeof runLoad>>;
    try {
      const appIds: string[] = [];
      for (const [a, paths] of options.apps.entries()) {
        const appId = await api.createApp(`bench-${a}`);
        appIds.push(appId);
        const ids = await api.createEndpoints(
          appId,
          paths.map((p) => receiver.url(p)),
        );
        const perApp =
          Math.floor(options.messages / options.apps.length) +
          (a < options.messages % options.apps.length ? 1 : 0);
        for (const [i, path] of paths.entries()) {
          if (!hang.has(path))
            measured.push({ appId, endpointId: ids[i] ?? "", path, expected: perApp, before: 0 });
        }
      }
      const bodies = Array.from({ length: 64 }, (_, i) => messageBody(payloadFor(i)));
      ctx.log(`queueing ${options.messages} messages`);
      fill = await runLoad({
        origin: filler.url,
        count: options.messages,
        concurrency: 64,
        request: (i) => ({
          method: "POST",
          path: `/api/v1/app/${appIds[i % appIds.length]}/msg`,
          headers: api.headers,
          body: bodies[i % bodies.length],
        }),
        expectStatus: 202,
        timeoutMs: options.fillTimeoutMs,
      });
      requireClean(fill, "queueing the backlog");
    } finally {
      await api.close();
    }

    // 2. Graceful stop; the parked answers are released so its in-flight attempts finish at once.
    const stopStarted = performance.now();
    const stopping = filler.stop();
    receiver.release();
    await stopping;
    ctx.log(`fill server stopped in ${Math.round(performance.now() - stopStarted)} ms`);
    const fillMem = fillMemory.stop();
    for (const m of measured) m.before = receiver.count(m.path);
    const deliveredWhileFilling = measured.reduce((sum, m) => sum + m.before, 0);
    const deliveries = measured.reduce((sum, m) => sum + m.expected, 0);
    const remaining = deliveries - deliveredWhileFilling;

    // 3. Drain on a fresh process, same database.
    receiver.reset();
    receiver.setHanging(true);
    const drainer = await startServer({
      env: options.serverEnv,
      dataDir: filler.dataDir,
      token: filler.token,
    });
    servers.push(drainer);
    const drainMemory = sampleMemory(drainer);
    ctx.log(`draining ${remaining} deliveries`);
    const arrived = () =>
      measured.reduce((sum, m) => sum + Math.min(receiver.count(m.path), m.expected - m.before), 0);
    let tenth = { at: Number.NaN, count: 0, cpu: new Map<string, number>() };
    await waitUntil(
      () => {
        if (Number.isNaN(tenth.at)) {
          const count = arrived();
          if (count >= remaining / 10) tenth = { at: performance.now(), count, cpu: threadCpu(drainer.pid) };
        }
        return measured.every((m) => receiver.count(m.path) >= m.expected - m.before);
      },
      `${remaining} deliveries`,
      options.drainTimeoutMs,
      () => `${arrived()} of ${remaining} arrived`,
    );
    const cpuAtEnd = threadCpu(drainer.pid);
    const drainCpuUs: Record<string, number> = {};
    for (const [group, seconds] of cpuAtEnd)
      drainCpuUs[group] = ((seconds - (tenth.cpu.get(group) ?? 0)) * 1e6) / (remaining - tenth.count);
    const active = measured.filter((m) => m.expected > m.before);
    const first = Math.min(...active.map((m) => receiver.firstArrivalAt(m.path)));
    const last = Math.max(...active.map((m) => receiver.lastArrivalAt(m.path)));
    const drainMs = last - first;
    const duplicates = measured.filter((m) => receiver.count(m.path) > m.expected - m.before);
    if (duplicates.length > 0)
      ctx.log(`warning: more deliveries than messages on ${duplicates.length} endpoint(s)`);

    // Outcomes are flushed in batches: check that the server recorded every delivery as a success.
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
    return {
      deliveries,
      deliveredWhileFilling,
      fillMs: fill.elapsedMs,
      fillRate: fill.rps,
      drainMs,
      drainRate: ((remaining - tenth.count) / (last - tenth.at)) * 1000,
      wholeDrainRate: ((remaining - 1) / drainMs) * 1000,
      drainCpuUs,
      recorded,
      fillMemory: fillMem,
      drainMemory: drainMemory.stop(),
    };
  } finally {
    receiver.release();
    receiver.dropHung();
    for (const server of servers.reverse()) await server.stop();
  }
}
