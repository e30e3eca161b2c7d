/**
 * Threads of one process that share a SQLite file (the API and its delivery thread) take turns at writing through
 * this gate before SQLite's own write lock. Without it, a writer that finds the lock taken sleeps in SQLite's busy
 * handler (1, 2, 5, 10 … ms) with its event loop blocked, long after the other thread's sub-millisecond transaction
 * ended; `Atomics.wait` wakes it the moment the other thread leaves.
 *
 * The gate is only a faster queue: SQLite's lock (BEGIN IMMEDIATE, busy_timeout) still decides, so other processes
 * on the file, or a thread that died inside the gate (its waiters give up after GATE_WAIT_MS), cannot break anything.
 */
export interface WriteGate {
  /** Waits for the gate, blocking this thread; false when it gave up (SQLite's lock then decides alone). */
  enter(): boolean;
  /** The same without blocking: this thread's event loop keeps serving while the other thread writes. */
  enterAsync(): Promise<boolean>;
  leave(): void;
}

const FREE = 0;
const HELD = 1;
/** As long as SQLite's busy_timeout: a gate held longer than this is a thread that died holding it. */
export const GATE_WAIT_MS = 5_000;

/** The shared memory to hand to every thread that opens the same file (4 bytes). */
export function newWriteGateMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

export function writeGate(memory: SharedArrayBuffer, now: () => number = Date.now): WriteGate {
  const state = new Int32Array(memory);
  return {
    enter() {
      const deadline = now() + GATE_WAIT_MS;
      while (Atomics.compareExchange(state, 0, FREE, HELD) !== FREE) {
        const left = deadline - now();
        if (left <= 0 || Atomics.wait(state, 0, HELD, left) === "timed-out") return false;
      }
      return true;
    },
    async enterAsync() {
      const deadline = now() + GATE_WAIT_MS;
      while (Atomics.compareExchange(state, 0, FREE, HELD) !== FREE) {
        const left = deadline - now();
        if (left <= 0) return false;
        const waiting = Atomics.waitAsync(state, 0, HELD, left);
        const outcome = waiting.async ? await waiting.value : waiting.value;
        if (outcome === "timed-out") return false;
      }
      return true;
    },
    leave() {
      Atomics.store(state, 0, FREE);
      Atomics.notify(state, 0, 1);
    },
  };
}
