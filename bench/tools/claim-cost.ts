/**
 * CPU per claimed delivery of `claimDueDeliveries` on SQLite while a worker drains a queued backlog: E endpoints,
 * M messages each going to every endpoint, per-endpoint cap C, the worker's concurrency W. Each step claims with the
 * endpoints this simulated worker has at its cap as `paused` (as the worker does), then finishes the older half of
 * what is in flight (recordOutcomes, timed apart). With --hung, the first endpoint's attempts never finish: its backlog
 * stays queued ahead of everyone else's, the head-of-line case. No HTTP, no threads: only the store.
 *
 *   node bench/tools/claim-cost.ts [--src DIR] [--messages 3000] [--endpoints 10] [--cap 8] [--hung [--circuit]]
 *
 * --circuit: halfway through the drain the hung endpoint's attempts fail and open its circuit (its queue moves out of
 * "due now"), as its timeouts do in the hol scenario.
 *
 * --src imports the store from another checkout's src/ (A/B); the report is CPU µs (user + system) per claimed
 * delivery spent inside claimDueDeliveries, claims made, CPU µs per delivery spent in recordOutcomes, and the bytes
 * SQLite wrote per recorded delivery over the drain (WAL frames and checkpoints, from /proc/self/io).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
// Rows only (plain data): the store under test comes from --src.
import { applicationRow, endpointRow, messageRow, pendingDelivery } from "../../test/support/rows.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const SRC = path.resolve(option("--src", path.join(import.meta.dirname, "../../src")));
const MESSAGES = Number(option("--messages", "3000"));
const ENDPOINTS = Number(option("--endpoints", "10"));
const CAP = Number(option("--cap", "8"));
const CONCURRENCY = 256;
const HUNG = args.includes("--hung");
/** With --hung: halfway through, the hung endpoint's attempts fail and open its circuit, as its timeouts do in hol. */
const CIRCUIT = HUNG && args.includes("--circuit");

/** Bytes this process has passed to write calls (`wchar` in /proc/self/io): here, SQLite's WAL and checkpoints. */
function bytesWritten(): number {
  const match = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
  return match ? Number(match[1]) : Number.NaN;
}

const load = (file: string) => import(pathToFileURL(path.join(SRC, file)).href);
const { createSqliteStore } = await load("store/sqlite/sqlite-store.ts");
const { newId } = await load("ids.ts");

const T0 = 1_800_000_000_000;
const dir = mkdtempSync(path.join(tmpdir(), "claim-cost-"));
const store = createSqliteStore(path.join(dir, "claims.db"), {});
try {
  const application = applicationRow(T0, { name: "bench" });
  const appId = application.id;
  await store.insertApplication(application);
  const endpoints: string[] = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const id = newId("ep", T0 + i);
    endpoints.push(id);
    await store.insertEndpoint(
      endpointRow({ id, appId, url: `http://127.0.0.1:9/${i}`, createdAt: T0, updatedAt: T0 }),
    );
  }
  for (let m = 0; m < MESSAGES; m++) {
    const message = messageRow(appId, T0 + m);
    await store.insertMessage(
      message,
      endpoints.map((endpointId) => pendingDelivery(message, endpointId, T0 + m)),
    );
  }

  const owner = "claim-cost";
  // biome-ignore lint/suspicious/noExplicitAny: a claim of whichever checkout's store is loaded
  const outcomeOf = (c: any, code: number, status: number, dueAt: number | null, effect: string) => ({
    attempt: {
      id: newId("atmpt", now),
      msgId: c.message.id,
      appId,
      endpointId: c.endpoint.id,
      url: c.endpoint.url,
      status,
      responseStatusCode: code,
      response: "",
      durationMs: 1,
      triggerType: 0,
      createdAt: now,
      request: null,
      responseHeaders: null,
    },
    status,
    dueAt,
    endpointEffect: effect,
  });
  const now = T0 + MESSAGES + 1;
  const expected = MESSAGES * (HUNG ? ENDPOINTS - 1 : ENDPOINTS);
  const hung = HUNG ? endpoints[0] : undefined;
  // biome-ignore lint/suspicious/noExplicitAny: claims of whichever checkout's store is loaded
  let inFlight: any[] = [];
  let claimUs = 0;
  let claims = 0;
  let claimed = 0;
  let finished = 0;
  let outcomeUs = 0;
  const writtenBefore = bytesWritten();
  let circuitOpened = false;
  while (finished < expected) {
    if (CIRCUIT && !circuitOpened && finished >= expected / 2) {
      circuitOpened = true;
      const failing = inFlight.filter((c) => c.endpoint.id === hung);
      inFlight = inFlight.filter((c) => c.endpoint.id !== hung);
      // Not timed: what is measured is how the others' claims and outcomes cost afterwards.
      await store.recordOutcomes(
        failing.map((c) => outcomeOf(c, 0, 1, now + 5_000, "failure")),
        { now, owner, circuit: { threshold: 1, baseCooldownMs: 3_600_000, maxCooldownMs: 3_600_000 } },
      );
    }
    const perEndpoint = new Map<string, number>();
    for (const c of inFlight) perEndpoint.set(c.endpoint.id, (perEndpoint.get(c.endpoint.id) ?? 0) + 1);
    const paused = [...perEndpoint].filter(([, n]) => n >= CAP).map(([id]) => id);
    const free = CONCURRENCY - inFlight.length;
    if (free > 0) {
      const before = process.cpuUsage();
      const got = await store.claimDueDeliveries({
        now,
        limit: Math.min(64, free),
        owner,
        leaseMs: 3_600_000,
        endpointCap: CAP,
        circuitThreshold: 1_000,
        rateHorizonMs: 5_000,
        paused,
      });
      const used = process.cpuUsage(before);
      claimUs += used.user + used.system;
      claims += 1;
      claimed += got.length;
      inFlight.push(...got);
    }
    const done = inFlight.filter((c) => c.endpoint.id !== hung);
    const finishing = done.slice(0, Math.max(1, Math.ceil(done.length / 2)));
    if (finishing.length === 0) throw new Error("nothing in flight can finish: the claim found nothing");
    const finishingSet = new Set(finishing);
    inFlight = inFlight.filter((c) => !finishingSet.has(c));
    const outcomesStart = process.cpuUsage();
    await store.recordOutcomes(
      finishing.map((c) => outcomeOf(c, 204, 0, null, "success")),
      { now, owner, circuit: { threshold: 1_000, baseCooldownMs: 1, maxCooldownMs: 1 } },
    );
    const outcomesUsed = process.cpuUsage(outcomesStart);
    outcomeUs += outcomesUsed.user + outcomesUsed.system;
    finished += finishing.length;
  }
  console.log(
    `${path.relative(process.cwd(), SRC) || "src"}: ${HUNG ? `one hung endpoint${CIRCUIT ? " (circuit opened halfway)" : ""}` : "all fast"}, ${ENDPOINTS} endpoints × ${MESSAGES} messages, cap ${CAP}: ` +
      `${(claimUs / claimed).toFixed(1)} µs CPU per claimed delivery, ${claims} claims, ${(claimed / claims).toFixed(1)} per claim; ` +
      `outcomes ${(outcomeUs / finished).toFixed(1)} µs CPU per recorded delivery; ` +
      `${((bytesWritten() - writtenBefore) / finished / 1024).toFixed(2)} KB written per delivery (WAL and checkpoints)`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
