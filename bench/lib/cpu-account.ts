/**
 * Where the CPU went while a piece of load ran: the server's threads, this bench process (load generator and
 * receiver), and how busy the whole machine was. A target check that is missed says with these figures why: on a
 * machine whose cores are all busy, throughput is the cores divided by the CPU each message costs.
 */
import { busyBetween, machineCpu } from "./machine-cpu.ts";
import { threadCpu } from "./thread-cpu.ts";

export interface CpuAccount {
  /** CPU seconds of the server's thread groups (`api`, `delivery`, `gc-helpers`, `other`, `process`). */
  server: Map<string, number>;
  /** CPU seconds of this bench process (every thread: load generator, receiver). */
  bench: number;
  /** Fraction of the machine's cores busy meanwhile (every process), 0–1. */
  busy: number;
}

export async function accountCpu<T>(serverPid: number, run: () => Promise<T>): Promise<[T, CpuAccount]> {
  const server = threadCpu(serverPid);
  const bench = process.cpuUsage();
  const machine = machineCpu();
  const value = await run();
  const busy = busyBetween(machine, machineCpu());
  const benchUsed = process.cpuUsage(bench);
  const serverAfter = threadCpu(serverPid);
  const serverUsed = new Map([...serverAfter].map(([group, s]) => [group, s - (server.get(group) ?? 0)]));
  return [value, { server: serverUsed, bench: (benchUsed.user + benchUsed.system) / 1e6, busy }];
}

/** µs of CPU per unit of work (message, delivery) of a number of CPU seconds. */
export const usPer = (seconds: number, count: number): number =>
  count > 0 ? (seconds * 1e6) / count : Number.NaN;

/** An account's CPU per unit of work in µs: the server's process and its API and delivery threads, this bench process. */
export function perUnit(
  account: CpuAccount,
  count: number,
): { server: number; api: number; delivery: number; bench: number } {
  const of = (group: string) => usPer(account.server.get(group) ?? 0, count);
  return {
    server: of("process"),
    api: of("api"),
    delivery: of("delivery"),
    bench: usPer(account.bench, count),
  };
}

export const percent = (fraction: number): string => `${Math.round(fraction * 100)} %`;

export const whole = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : String(value);
