/**
 * Micro-benchmark for the per-attempt deadline in src/delivery/http-sender.ts: the former
 * `AbortSignal.any([AbortSignal.timeout(ms), stop])` against `startDeadline(ms, stop)` (AbortController + a timer
 * cleared when the attempt ends). Each "attempt" creates the deadline, listens on it as `beforeDeadline` does, yields
 * once (a request in flight), then lets it go; 64 run at a time, like the worker's attempts in flight.
 *
 *   node bench/tools/deadline-cost.ts [--attempts 200000] [--rounds 3]
 *
 * Rounds alternate the two variants; the report is attempts/s per round and new ÷ old per round.
 */

/**
 * The sender's former per-attempt deadline (src/delivery/http-sender.ts now needs no AbortSignal at all: its dispatch
 * handler owns one timer per attempt), kept here so the comparison can still be run.
 */
function startDeadline(timeoutMs: number, stop?: AbortSignal) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
    timeoutMs,
  );
  timer.unref();
  const onStop = () => controller.abort(stop?.reason);
  stop?.addEventListener("abort", onStop, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      stop?.removeEventListener("abort", onStop);
    },
  };
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ATTEMPTS = option("--attempts", 200_000);
const ROUNDS = option("--rounds", 3);
const IN_FLIGHT = 64;
const TIMEOUT_MS = 15_000;

type Variant = (stop: AbortSignal) => { signal: AbortSignal; dispose(): void };

const variants: Record<string, Variant> = {
  "AbortSignal.timeout + any": (stop) => ({
    signal: AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), stop]),
    dispose() {},
  }),
  startDeadline: (stop) => startDeadline(TIMEOUT_MS, stop),
};

async function run(variant: Variant): Promise<number> {
  const stop = new AbortController().signal;
  let next = 0;
  const onAbort = () => {};
  const lane = async () => {
    while (next < ATTEMPTS) {
      next += 1;
      const deadline = variant(stop);
      deadline.signal.addEventListener("abort", onAbort, { once: true });
      await new Promise<void>((resolve) => setImmediate(resolve));
      deadline.signal.removeEventListener("abort", onAbort);
      deadline.dispose();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return (ATTEMPTS / (performance.now() - started)) * 1000;
}

const results = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(variants);
  if (round % 2 === 1) names.reverse();
  for (const name of names) {
    const variant = variants[name];
    if (!variant) continue;
    results.get(name)?.push(await run(variant));
  }
}
const [oldRates, newRates] = [...results.values()];
for (const [name, rates] of results) {
  process.stdout.write(`${name.padEnd(28)} ${rates.map((r) => `${Math.round(r)}/s`).join("  ")}\n`);
}
const ratios = (newRates ?? []).map((r, i) => r / (oldRates?.[i] ?? Number.NaN));
process.stdout.write(`startDeadline ÷ former, per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}\n`);
// The former variant leaves one armed 15 s timer per attempt behind (until GC); end without waiting for them.
process.exit(0);
