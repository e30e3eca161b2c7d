/**
 * The peers scenario's rounds and the explanation of an end-to-end target Outbound misses, from those rounds.
 */
import { percent } from "./cpu-account.ts";
import { median } from "./stats.ts";

export const BARE = "bare undici";
export const OUTBOUND = "Outbound (SQLite)";
export const BULLMQ = "BullMQ + Redis";
export const MEMORY = "in-memory queue (no disk)";

/** What one sender did in one round. */
export interface RoundResult {
  deliveredPerS: number;
  acceptedPerS: number;
  /** CPU the sender's own process used while measured, in cores (NaN for bare undici, which has none). */
  senderCores: number;
  /** CPU this bench process (producers, receiver, bare undici's thread) used meanwhile, in cores. */
  benchCores: number;
  /** CPU ms per message of the sender's process plus its measured service (Redis); NaN for bare undici. */
  cpuMsPerMessage: number;
  /** Share of a core Outbound's delivery thread used meanwhile (NaN for senders without one). */
  deliveryThreadCores: number;
  /** Median time a producer waited for its 202 (ms); NaN where the load generator does not record it. */
  acceptP50Ms: number;
}

/**
 * What explains an end-to-end target Outbound misses, from the same rounds: where the in-memory queue (the floor)
 * lands against the same reference, and how the cores were shared in Outbound's rounds.
 */
export function explainEndToEnd(
  results: Map<string, RoundResult[]>,
  cores: number,
  reference: { name: string; target: number; ratios: (name: string, reference: string) => number[] },
): { why: string[]; closes: string } {
  const rows = results.get(OUTBOUND) ?? [];
  const cost = (name: string) => median((results.get(name) ?? []).map((r) => r.cpuMsPerMessage));
  const deliveryThread = median(rows.map((r) => r.deliveryThreadCores));
  const used =
    `in Outbound's rounds its server kept ${median(rows.map((r) => r.senderCores)).toFixed(2)} and the ` +
    `producers and receiver ${median(rows.map((r) => r.benchCores)).toFixed(2)} of the ${cores} cores busy` +
    (Number.isFinite(deliveryThread) ? `, its delivery thread ${percent(deliveryThread)} of one core` : "") +
    `; ${cost(OUTBOUND).toFixed(3)} ms of the server's CPU per message`;
  const floor = median(reference.ratios(MEMORY, reference.name));
  if (!results.has(MEMORY) || !Number.isFinite(floor))
    return {
      why: [used],
      closes: "less CPU per message, or more cores (run the in-memory queue to see which)",
    };
  const share = median(reference.ratios(OUTBOUND, MEMORY));
  const wait = (name: string) => median((results.get(name) ?? []).map((r) => r.acceptP50Ms)).toFixed(1);
  return {
    why: [
      `the in-memory queue, which keeps nothing, did ${floor.toFixed(2)} × ${reference.name} in the same rounds ` +
        `(${cost(MEMORY).toFixed(3)} ms of CPU per message): the floor of any sender on these cores; Outbound did ` +
        `${share.toFixed(2)} of it`,
      used,
      `each producer waits for its 202 before sending again: p50 ${wait(OUTBOUND)} ms at Outbound (the group ` +
        `commit), ${wait(MEMORY)} ms at the in-memory queue`,
    ],
    closes:
      floor < reference.target
        ? "more cores: on these even the in-memory queue, with no durable work at all, misses the target"
        : `Outbound at ${((reference.target / floor) * 100).toFixed(0)} % of the in-memory queue's rate (now ` +
          `${(share * 100).toFixed(0)} %): its durable writes, checks and hand-offs cheaper by that much`,
  };
}
