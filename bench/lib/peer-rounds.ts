/**
 * The peers scenario's rounds and the explanation of an end-to-end target Outbound misses, from those rounds.
 */
import { percent, whole } from "./cpu-account.ts";
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
 * What explains an end-to-end target Outbound misses, from the same rounds: how the cores were shared in Outbound's
 * rounds, what they carry at its CPU per message against what the target leaves, where the in-memory queue (the
 * floor) lands against the same reference, and how long each producer waited for its 202.
 */
export function explainEndToEnd(
  results: Map<string, RoundResult[]>,
  cores: number,
  reference: { name: string; target: number; ratios: (name: string, reference: string) => number[] },
): { why: string[]; closes: string } {
  const of = (name: string, value: (r: RoundResult) => number) =>
    median((results.get(name) ?? []).map(value));
  const server = of(OUTBOUND, (r) => r.cpuMsPerMessage);
  const bench = of(OUTBOUND, (r) => (r.benchCores * 1000) / r.deliveredPerS);
  const targetRate = reference.target * of(reference.name, (r) => r.deliveredPerS);
  const budget = (cores * 1000) / targetRate;
  const deliveryThread = of(OUTBOUND, (r) => r.deliveryThreadCores);
  const why = [
    `in Outbound's rounds its server kept ${of(OUTBOUND, (r) => r.senderCores).toFixed(2)} and the producers and ` +
      `receiver ${of(OUTBOUND, (r) => r.benchCores).toFixed(2)} of the ${cores} cores busy` +
      (Number.isFinite(deliveryThread) ? `, its delivery thread ${percent(deliveryThread)} of one core` : ""),
    `at ${(server + bench).toFixed(3)} ms of CPU per message (the server ${server.toFixed(3)}, producers and ` +
      `receiver ${bench.toFixed(3)}) ${cores} cores carry at most ${whole((cores * 1000) / (server + bench))} msg/s; ` +
      `the target, ${whole(targetRate)} msg/s, leaves ${budget.toFixed(3)} ms per message for all of it`,
  ];
  const floor = median(reference.ratios(MEMORY, reference.name));
  const measuredFloor = results.has(MEMORY) && Number.isFinite(floor);
  if (measuredFloor) {
    const wait = (name: string) => of(name, (r) => r.acceptP50Ms).toFixed(1);
    why.unshift(
      `the in-memory queue, which keeps nothing, did ${floor.toFixed(2)} × ${reference.name} in the same rounds ` +
        `(${of(MEMORY, (r) => r.cpuMsPerMessage).toFixed(3)} ms of CPU per message): the floor of any sender on ` +
        `these cores; Outbound did ${median(reference.ratios(OUTBOUND, MEMORY)).toFixed(2)} of it`,
    );
    why.push(
      `each producer waits for its 202 before sending again: p50 ${wait(OUTBOUND)} ms at Outbound (the group ` +
        `commit), ${wait(MEMORY)} ms at the in-memory queue`,
    );
  }
  const closes =
    measuredFloor && floor < reference.target
      ? "more cores: on these even the in-memory queue, with no durable work at all, misses the target"
      : server + bench > budget
        ? `${(server + bench - budget).toFixed(3)} ms less CPU per message, all of it the server's (its share is ` +
          `${server.toFixed(3)} ms), or more cores`
        : "a shorter wait for the 202: the cores have room for the target at this CPU per message";
  return { why, closes };
}
