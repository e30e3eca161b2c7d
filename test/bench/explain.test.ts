/**
 * A missed benchmark target says why with the run's own figures: how busy the cores were, the CPU per message, what
 * the cores carry at that cost, the floor beside it, and what would close the gap.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CpuAccount } from "../../bench/lib/cpu-account.ts";
import { busyBetween } from "../../bench/lib/machine-cpu.ts";
import { explainEndToEnd, type RoundResult } from "../../bench/lib/peer-rounds.ts";
import { explainDrain } from "../../bench/scenarios/delivery.ts";
import { ingestCheck } from "../../bench/scenarios/ingest.ts";

/** 20,000 messages: the server spent 4 s (API 2.4, delivery 1.4), the bench process 2 s; cores 95 % busy. */
const cpu: CpuAccount = {
  server: new Map([
    ["process", 4],
    ["api", 2.4],
    ["delivery", 1.4],
  ]),
  bench: 2,
  busy: 0.95,
};

test("ingest: the cores' load, the CPU per message and what two cores carry at that cost", () => {
  const c = ingestCheck(5_000, 20_000, { cpu, count: 20_000, cores: 2, floor: 8_000 });
  assert.equal(c.met, false);
  assert.deepEqual(c.why, [
    "the 2 cores were 95 % busy; each accepted message cost 200 µs of the server's CPU (API thread 120, delivery thread 70) and 100 µs of the load generator's and receiver's",
    "at 300 µs per message 2 cores carry at most 6,667 msg/s; 10,000 msg/s leaves 200 µs per message for all of it",
    "the in-memory queue, which keeps nothing, accepted 8,000 msg/s under the same load (Outbound 0.63 of it)",
  ]);
  assert.match(c.closes ?? "", /^more cores/);
  // With a floor above the target, the gap is Outbound's own CPU.
  assert.match(
    ingestCheck(5_000, 20_000, { cpu, count: 20_000, cores: 2, floor: 12_000 }).closes ?? "",
    /^100 µs less/,
  );
});

test("delivery: the delivery thread's CPU per delivery against what the target allows", () => {
  const { why, closes } = explainDrain(5_000, 150, 0.9, { target: 10_000, bare: 20_000, cores: 2 });
  assert.equal(
    why[0],
    "the 2 cores were 90 % busy during the drain; the delivery thread spent 150 µs of CPU per delivery and was on a core 75 % of the time",
  );
  assert.match(why[1] ?? "", /10,000 deliveries\/s, is half .* \(20,000 req\/s\): ≤ 100 µs per delivery/);
  assert.match(closes, /^50 µs less per delivery/);
});

test("end to end: where the in-memory queue lands against the same reference, and the cores in Outbound's rounds", () => {
  const round = (deliveredPerS: number, cpuMs: number): RoundResult => ({
    deliveredPerS,
    acceptedPerS: deliveredPerS,
    senderCores: 1.1,
    benchCores: 0.8,
    cpuMsPerMessage: cpuMs,
    deliveryThreadCores: 0.9,
    acceptP50Ms: cpuMs * 40,
  });
  const results = new Map<string, RoundResult[]>([
    ["Outbound (SQLite)", [round(4_000, 0.25)]],
    ["in-memory queue (no disk)", [round(5_000, 0.15)]],
    ["bare undici", [round(12_000, Number.NaN)]],
  ]);
  const ratios = (name: string, reference: string) => {
    const of = (n: string) => results.get(n)?.[0]?.deliveredPerS ?? Number.NaN;
    return [of(name) / of(reference)];
  };
  const { why, closes } = explainEndToEnd(results, 2, { name: "bare undici", target: 0.5, ratios });
  assert.deepEqual(why, [
    "the in-memory queue, which keeps nothing, did 0.42 × bare undici in the same rounds (0.150 ms of CPU per message): the floor of any sender on these cores; Outbound did 0.80 of it",
    "in Outbound's rounds its server kept 1.10 and the producers and receiver 0.80 of the 2 cores busy, its delivery thread 90 % of one core",
    "at 0.450 ms of CPU per message (the server 0.250, producers and receiver 0.200) 2 cores carry at most 4,444 msg/s; the target, 6,000 msg/s, leaves 0.333 ms per message for all of it",
    "each producer waits for its 202 before sending again: p50 10.0 ms at Outbound (the group commit), 6.0 ms at the in-memory queue",
  ]);
  assert.match(closes, /^more cores/);
  // Without the floor in the run: the cores and the CPU per message alone, and the CPU is the gap.
  results.delete("in-memory queue (no disk)");
  const alone = explainEndToEnd(results, 2, { name: "bare undici", target: 0.5, ratios });
  assert.equal(alone.why.length, 2);
  assert.match(alone.closes, /^0\.117 ms less CPU per message/);
  // With cores to spare at that cost, the wait for the 202 is what is left.
  assert.match(
    explainEndToEnd(results, 4, { name: "bare undici", target: 0.5, ratios }).closes,
    /^a shorter wait/,
  );
});

test("machine busy: the share of non-idle ticks between two samples", () => {
  assert.equal(busyBetween({ busy: 100, total: 400 }, { busy: 250, total: 600 }), 0.75);
  assert.ok(Number.isNaN(busyBetween({ busy: 1, total: 2 }, { busy: 1, total: 2 })));
});
