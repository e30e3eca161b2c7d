/**
 * CPU per message of each server thread under the peers scenario's load (64 producers, 10 endpoints chosen by event
 * type, one loopback receiver), for two checkouts side by side: an A/B in the same minutes, rounds alternating
 * (A B, B A, …) so a noisy neighbour hurts both alike. Per-thread CPU comes from /proc/<pid>/task/<tid>/stat,
 * grouped by thread name: `MainThread` (API), `outbound-delive…` (the delivery thread), `V8Worker` (GC helpers).
 *
 *   node bench/tools/thread-cpu.ts --a /work/main [--b .] [--messages 20000] [--rounds 4] [--warmup 2000]
 *
 * Each checkout runs its own src/ with this checkout's node_modules/.bin/node and `npm start`'s flags; `--a-env` /
 * `--b-env NAME=VALUE,…` add environment to one side (e.g. a knob only one side reads). `--gc` preloads
 * gc-meter.ts into both servers and adds the delivery thread's allocated KB, scavenges and GC ms per message.
 * `--idempotency` sends a fresh `idempotency-key` with every message, as the Svix SDKs do. `--sched` adds, per round,
 * where each thread's wall time went: on a core, runnable but waiting for one (the other threads and processes had
 * both cores), or asleep; for the server's threads and for this process (the producers and the receiver).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Api } from "../lib/api.ts";
import { payloadFor, requireClean, runLoad } from "../lib/load.ts";
import { startReceiver } from "../lib/receiver.ts";
import { type BenchServer, startServer } from "../lib/server.ts";
import { median } from "../lib/stats.ts";
import { type SchedTimes, threadCpu, threadSched } from "../lib/thread-cpu.ts";
import { waitUntil } from "../lib/wait.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const envOption = (name: string): Record<string, string> =>
  Object.fromEntries(
    option(name, "")
      .split(",")
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
const MESSAGES = Number(option("--messages", "20000"));
const ROUNDS = Number(option("--rounds", "4"));
const WARMUP = Number(option("--warmup", "2000"));
const GC = args.includes("--gc");
const SCHED = args.includes("--sched");
const ENDPOINTS = 10;
const PRODUCERS = 64;

const eventTypeFor = (i: number) => `bench.peer.${i % ENDPOINTS}`;

interface Variant {
  label: string;
  server: BenchServer;
  msgPath: string;
  api: Api;
}

async function startVariant(
  label: string,
  root: string,
  env: Record<string, string>,
  receiverUrl: (p: string) => string,
) {
  const server = await startServer({
    root,
    env: { OUTBOUND_ENDPOINT_CONCURRENCY: "64", ...(gcDir ? { GC_METER_DIR: gcDir } : {}), ...env },
  });
  const api = new Api(server);
  const appId = await api.createApp(`thread-cpu-${label}`);
  for (let i = 0; i < ENDPOINTS; i++) {
    const body = { url: receiverUrl(`/${label}/${i}`), filterTypes: [eventTypeFor(i)] };
    await api.call("POST", `/api/v1/app/${appId}/endpoint`, body, 201);
  }
  return { label, server, api, msgPath: `/api/v1/app/${appId}/msg` } satisfies Variant;
}

const bodies = Array.from({ length: ENDPOINTS * 64 }, (_, i) =>
  JSON.stringify({ eventType: eventTypeFor(i), payload: payloadFor(i) }),
);

// GC_METER_DIR keeps the meter's files (and GC_METER_SAMPLE's heap profiles, see gc-meter.ts) after the run.
const keptGcDir = process.env.GC_METER_DIR;
const gcDir = GC ? (keptGcDir ?? mkdtempSync(path.join(tmpdir(), "gc-meter-"))) : undefined;
if (gcDir) {
  const preload = `--import=${path.join(import.meta.dirname, "gc-meter.ts")}`;
  process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS ?? ""} ${preload}`;
}

/** The delivery thread's GC totals so far (gc-meter.ts), as plain numbers by name. */
function gcTotals(pid: number): Map<string, number> {
  const file = gcDir ? path.join(gcDir, `${pid}-outbound-delivery.json`) : "";
  if (!gcDir || !existsSync(file)) return new Map();
  const totals = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
  return new Map([
    ["alloc-KB", (totals.allocatedBytes ?? 0) / 1024],
    ["scavenges", totals.scavenges ?? 0],
    ["gc-ms", totals.gcMs ?? 0],
  ]);
}

/**
 * "group run R% wait W% sleep S%" per thread group that was on a core at least 1 % of the wall time, as shares of
 * one thread's wall time (sleep only for single-thread groups; `prefix` names the process).
 */
function schedShares(
  before: Map<string, SchedTimes> | undefined,
  after: Map<string, SchedTimes>,
  wallMs: number,
  prefix: string,
): string {
  const pct = (ms: number) => `${Math.round((ms / wallMs) * 100)}%`;
  let out = "";
  for (const [name, t] of after) {
    const run = t.runMs - (before?.get(name)?.runMs ?? 0);
    const wait = t.waitMs - (before?.get(name)?.waitMs ?? 0);
    if (run < wallMs * 0.01) continue;
    const sleep = t.threads === 1 ? ` sleep ${pct(wallMs - run - wait)}` : ` (${t.threads} threads)`;
    // This process's main thread runs the producers and the receiver, not an API.
    const label = prefix && name === "api" ? "main" : name;
    out += `${prefix}${label} run ${pct(run)} wait ${pct(wait)}${sleep} · `;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const receiver = await startReceiver();
const variants: Variant[] = [];
try {
  const roots = [path.resolve(option("--a", "")), path.resolve(option("--b", "."))];
  variants.push(await startVariant("a", roots[0] as string, envOption("--a-env"), (p) => receiver.url(p)));
  variants.push(await startVariant("b", roots[1] as string, envOption("--b-env"), (p) => receiver.url(p)));
  console.log(`a = ${roots[0]}  b = ${roots[1]}; ${MESSAGES} messages per round, ${ROUNDS} rounds`);

  const idempotency = args.includes("--idempotency");
  let keys = 0;
  async function measure(v: Variant, count: number) {
    receiver.reset();
    if (gcDir) await sleep(600); // a fresh gc-meter total
    const gcBefore = gcTotals(v.server.pid);
    const before = threadCpu(v.server.pid);
    const schedBefore = SCHED ? [threadSched(v.server.pid), threadSched(process.pid)] : [];
    const started = performance.now();
    const load = await runLoad({
      origin: v.server.url,
      count,
      concurrency: PRODUCERS,
      request: (i) => ({
        method: "POST",
        path: v.msgPath,
        headers: idempotency
          ? { ...v.api.headers, "idempotency-key": `${v.label}-${keys++}` }
          : v.api.headers,
        body: bodies[i % bodies.length],
      }),
      expectStatus: 202,
      timeoutMs: 180_000,
    });
    requireClean(load, v.label);
    await waitUntil(
      () => receiver.total() >= count,
      `${v.label}: ${count} deliveries`,
      180_000,
      () => `${receiver.total()}`,
      5,
    );
    const seconds = (receiver.lastArrival() - started) / 1000;
    const after = threadCpu(v.server.pid);
    if (SCHED) {
      const wallMs = performance.now() - started;
      const [server, bench] = [threadSched(v.server.pid), threadSched(process.pid)];
      console.log(
        `  sched ${v.label}: ${schedShares(schedBefore[0], server, wallMs, "")}${schedShares(schedBefore[1], bench, wallMs, "bench process: ")}`,
      );
    }
    const perMessageUs = new Map<string, number>();
    for (const [name, cpu] of after) perMessageUs.set(name, ((cpu - (before.get(name) ?? 0)) * 1e6) / count);
    if (gcDir) {
      await sleep(600);
      // per message: KB allocated, scavenges ×1000, GC µs
      for (const [name, total] of gcTotals(v.server.pid)) {
        const delta = total - (gcBefore.get(name) ?? 0);
        perMessageUs.set(name, name === "alloc-KB" ? delta / count : (delta * 1000) / count);
      }
    }
    return { perMessageUs, deliveredPerS: count / seconds };
  }

  for (const v of variants) await measure(v, WARMUP);
  const results = new Map<string, Array<Awaited<ReturnType<typeof measure>>>>([
    ["a", []],
    ["b", []],
  ]);
  const groups = ["delivery", "api", "gc-helpers", "other", "process"];
  if (gcDir) groups.push("alloc-KB", "scavenges", "gc-ms");
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const r = await measure(v, MESSAGES);
      results.get(v.label)?.push(r);
      const cells = groups.map((g) => `${g} ${(r.perMessageUs.get(g) ?? 0).toFixed(1)}`).join("  ");
      console.log(`round ${round + 1} ${v.label}: ${Math.round(r.deliveredPerS)} msg/s; µs/msg ${cells}`);
    }
  }
  console.log(
    "\nmedians per message: CPU µs by thread; delivery thread alloc-KB, scavenges per 1000, gc-ms as µs (b/a per round)",
  );
  for (const g of [...groups, "delivered/s"]) {
    const of = (label: string) =>
      (results.get(label) ?? []).map((r) =>
        g === "delivered/s" ? r.deliveredPerS : (r.perMessageUs.get(g) ?? 0),
      );
    const a = of("a");
    const b = of("b");
    const ratios = b.map((x, i) => (x / (a[i] ?? Number.NaN)).toFixed(2)).join(" ");
    console.log(
      `${g.padEnd(12)} a ${median(a).toFixed(1).padStart(8)}  b ${median(b).toFixed(1).padStart(8)}  b/a ${(median(b) / median(a)).toFixed(3)}  (${ratios})`,
    );
  }
} finally {
  for (const v of variants) {
    await v.api.close();
    await v.server.stop();
  }
  await receiver.close();
  if (gcDir && !keptGcDir) rmSync(gcDir, { recursive: true, force: true });
}
