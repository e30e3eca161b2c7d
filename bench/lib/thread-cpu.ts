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

function groupOf(comm: string): string {
  if (comm === "MainThread") return "api";
  if (comm.startsWith("outbound-deliv")) return "delivery";
  if (comm === "V8Worker") return "gc-helpers";
  return "other";
}
