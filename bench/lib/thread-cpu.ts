import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: 100 on Linux x86-64 and arm64. */
const CLOCK_TICKS = 100;

/**
 * CPU seconds per thread group of a process, plus the whole process (exited threads included), from
 * /proc/<pid>/task/<tid>/stat: `api` (MainThread), `delivery` (the delivery thread), `gc-helpers` (V8Worker), `other`.
 */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const ticks = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const dir = `/proc/${pid}/task/${tid}`;
      const name = groupOf(readFileSync(`${dir}/comm`, "utf8").trim());
      out.set(name, (out.get(name) ?? 0) + ticks(readFileSync(`${dir}/stat`, "utf8")));
    } catch {
      // the thread ended meanwhile
    }
  }
  out.set("process", ticks(readFileSync(`/proc/${pid}/stat`, "utf8")));
  return out;
}

export interface SchedTimes {
  /** ms on a core. */
  runMs: number;
  /** ms runnable but waiting for a core. */
  waitMs: number;
  /** Threads in the group. */
  threads: number;
}

/**
 * Per thread group (as threadCpu groups them), the time on a core and the time runnable without one, from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds). Wall time minus both is time asleep (waiting for I/O or work).
 */
export function threadSched(pid: number): Map<string, SchedTimes> {
  const out = new Map<string, SchedTimes>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const dir = `/proc/${pid}/task/${tid}`;
      const name = groupOf(readFileSync(`${dir}/comm`, "utf8").trim());
      const [run = 0, wait = 0] = readFileSync(`${dir}/schedstat`, "utf8").trim().split(" ").map(Number);
      const sum = out.get(name) ?? { runMs: 0, waitMs: 0, threads: 0 };
      out.set(name, {
        runMs: sum.runMs + run / 1e6,
        waitMs: sum.waitMs + wait / 1e6,
        threads: sum.threads + 1,
      });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function groupOf(comm: string): string {
  if (comm === "MainThread") return "api";
  if (comm.startsWith("outbound-deliv")) return "delivery";
  if (comm === "V8Worker") return "gc-helpers";
  return "other";
}
