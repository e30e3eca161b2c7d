/**
 * API-thread CPU per `POST /msg`, the early path (src/api/message-route-early.ts) against Fastify's route, in one
 * process: two in-process APIs on SQLite files (no delivery worker), 64 closed-loop clients in a worker thread, short
 * bursts alternating between the two (A B, B A, …) so that the VM's noise hits both alike. CPU is this thread's
 * (`process.threadCpuUsage`), i.e. everything the API does per request, the store write included.
 *
 *   node bench/tools/api-cost.ts [--requests 3000] [--rounds 16] [--endpoints 1] [--idempotency]
 *
 * `--idempotency` sends a fresh `idempotency-key` with every request, as the Svix SDKs do.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { payloadFor, runLoad } from "../lib/load.ts";
import { median } from "../lib/stats.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

interface Burst {
  origin: string;
  path: string;
  token: string;
  count: number;
  idempotency: boolean;
  seed: number;
}

if (!isMainThread) {
  // The load generator: one burst per message from the main thread.
  parentPort?.on("message", async (burst: Burst) => {
    const result = await runLoad({
      origin: burst.origin,
      count: burst.count,
      concurrency: 64,
      expectStatus: 202,
      timeoutMs: 120_000,
      request: (i) => ({
        method: "POST",
        path: burst.path,
        headers: {
          authorization: `Bearer ${burst.token}`,
          "content-type": "application/json",
          ...(burst.idempotency ? { "idempotency-key": `k-${burst.seed}-${i}` } : {}),
        },
        body: JSON.stringify({ eventType: `bench.${i % 10}`, payload: payloadFor(i) }),
      }),
    });
    parentPort?.postMessage({ ok: result.ok, errors: result.errors, firstError: result.firstError });
  });
} else {
  await main();
}

async function main() {
  const { buildInProcessApi, IN_PROCESS_TOKEN } = await import("../../test/support/in-process.ts");
  const REQUESTS = option("--requests", 3000);
  const ROUNDS = option("--rounds", 16);
  const ENDPOINTS = option("--endpoints", 1);
  const idempotency = args.includes("--idempotency");

  const sides = await Promise.all(
    (["fastify", "early"] as const).map(async (label) => {
      const api = buildInProcessApi({}, { earlyMessageCreate: label === "early" });
      const origin = await api.app.listen({ port: 0, host: "127.0.0.1" });
      const headers = { authorization: `Bearer ${IN_PROCESS_TOKEN}`, "content-type": "application/json" };
      const app = await fetch(`${origin}/api/v1/app`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: `api-cost ${label}` }),
      }).then((r) => r.json() as Promise<{ id: string }>);
      for (let i = 0; i < ENDPOINTS; i++) {
        // Never delivered (no worker here): each message still writes one delivery row per endpoint.
        const response = await fetch(`${origin}/api/v1/app/${app.id}/endpoint`, {
          method: "POST",
          headers,
          body: JSON.stringify({ url: `https://receiver.example/${i}` }),
        });
        if (response.status !== 201) throw new Error(`endpoint: ${response.status} ${await response.text()}`);
      }
      return { label, api, origin, path: `/api/v1/app/${app.id}/msg`, us: [] as number[] };
    }),
  );

  const worker = new Worker(new URL(import.meta.url), { workerData: {} });
  void workerData;
  let seed = 0;
  const burst = (side: (typeof sides)[number], count: number) =>
    new Promise<number>((resolve, reject) => {
      const before = process.threadCpuUsage();
      worker.once("message", (r: { ok: number; errors: number; firstError?: string }) => {
        const used = process.threadCpuUsage(before);
        if (r.errors > 0) reject(new Error(`${side.label}: ${r.errors} errors, first: ${r.firstError}`));
        else resolve((used.user + used.system) / r.ok);
      });
      worker.postMessage({
        origin: side.origin,
        path: side.path,
        token: IN_PROCESS_TOKEN,
        count,
        idempotency,
        seed: seed++,
      } satisfies Burst);
    });

  for (const side of sides) await burst(side, 1000); // warm-up: JIT, token cache, page cache
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) side.us.push(await burst(side, REQUESTS));
    const [fastify, early] = sides;
    ratios.push((early?.us.at(-1) ?? 0) / (fastify?.us.at(-1) ?? 1));
    process.stdout.write(
      `round ${round + 1}: ${sides.map((s) => `${s.label} ${s.us.at(-1)?.toFixed(1)} µs`).join(", ")}, ` +
        `early/fastify ${ratios.at(-1)?.toFixed(3)}\n`,
    );
  }
  process.stdout.write(
    `\n${REQUESTS} requests × ${ROUNDS} rounds, ${ENDPOINTS} endpoint(s)${idempotency ? ", idempotency keys" : ""}\n` +
      sides
        .map((s) => `${s.label.padEnd(8)} median ${median(s.us).toFixed(1)} µs CPU per request\n`)
        .join("") +
      `early/fastify median of per-round ratios ${median(ratios).toFixed(3)} ` +
      `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})\n`,
  );
  await worker.terminate();
  await Promise.all(sides.map((s) => s.api.close()));
}
