import { readFileSync } from "node:fs";

/** The whole machine's CPU time since boot, in clock ticks, from the first line of /proc/stat. */
export interface MachineCpu {
  /** Every state but idle and iowait: user, nice, system, irq, softirq, steal. */
  busy: number;
  total: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const [, ...fields] = line.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Fraction of the machine's cores busy between two samples (0–1); NaN when no tick passed. */
export function busyBetween(before: MachineCpu, after: MachineCpu): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : Number.NaN;
}
