import { Worker } from "node:worker_threads";
import {
  DEFAULT_TRANSFORMATION_LIMITS,
  type TransformationInput,
  type TransformationLimits,
  type TransformationResult,
} from "./transformation.ts";
import type { TransformationJob } from "./transformation-worker.ts";

export interface TransformationRunner {
  run(code: string, input: TransformationInput): Promise<TransformationResult>;
  close(): Promise<void>;
}

/** How long past its own time limit the thread may stay silent before it is terminated (a native call that ignores
 * the interrupt, a runaway allocation). */
const HARD_LIMIT_GRACE_MS = 1_000;
/** A job that waited this long for the thread fails (and is retried on the schedule) rather than outlive its
 * delivery's lease while queued. */
const MAX_QUEUE_WAIT_MS = 30_000;

interface Pending {
  job: TransformationJob;
  resolve: (result: TransformationResult) => void;
  queuedAt: number;
}

/**
 * One thread runs the transformations, one at a time, so the delivery worker's event loop never runs user code.
 * QuickJS's interrupt stops a handler at its time limit; a thread that still does not answer a little later is
 * terminated and replaced, failing only the transformation it was running.
 */
export function createTransformationRunner(
  limits: TransformationLimits = DEFAULT_TRANSFORMATION_LIMITS,
  now: () => number = Date.now,
): TransformationRunner {
  let thread: Worker | undefined;
  let current: (Pending & { timer: NodeJS.Timeout }) | undefined;
  const queue: Pending[] = [];
  let nextId = 1;

  function finish(result: TransformationResult) {
    if (!current) return;
    clearTimeout(current.timer);
    current.resolve(result);
    current = undefined;
    pump();
  }

  function retire(worker: Worker) {
    if (thread === worker) thread = undefined;
    void worker.terminate();
  }

  function ensureThread(): Worker {
    if (thread) return thread;
    const worker = new Worker(new URL("./transformation-worker.ts", import.meta.url));
    worker.unref();
    worker.on("message", (message: { id: number; result: TransformationResult }) => {
      if (current?.job.id === message.id) finish(message.result);
    });
    const lost = (why: string) => {
      if (thread !== worker) return; // retired on purpose
      thread = undefined;
      finish({ ok: false, error: `transformation engine ${why}` });
    };
    worker.on("error", (error) => lost(`failed: ${error.message}`));
    worker.on("exit", () => lost("stopped"));
    thread = worker;
    return worker;
  }

  function pump() {
    if (current) return;
    let next = queue.shift();
    while (next && now() - next.queuedAt > MAX_QUEUE_WAIT_MS) {
      next.resolve({
        ok: false,
        error: "transformation waited too long for the sandbox (busy); retried later",
      });
      next = queue.shift();
    }
    if (!next) return;
    const worker = ensureThread();
    const timer = setTimeout(() => {
      retire(worker);
      finish({ ok: false, error: `transformation exceeded its time limit (${limits.timeoutMs} ms)` });
    }, limits.timeoutMs + HARD_LIMIT_GRACE_MS);
    timer.unref();
    current = { ...next, timer };
    worker.postMessage(next.job);
  }

  return {
    run(code, input) {
      return new Promise((resolve) => {
        queue.push({ job: { id: nextId++, code, input, limits }, resolve, queuedAt: now() });
        pump();
      });
    },
    async close() {
      const worker = thread;
      thread = undefined;
      for (const pending of queue.splice(0)) pending.resolve({ ok: false, error: "shutting down" });
      finish({ ok: false, error: "shutting down" });
      if (worker) await worker.terminate();
    },
  };
}
