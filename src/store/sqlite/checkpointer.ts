import { Worker as Thread } from "node:worker_threads";
import type { CheckpointReport, CheckpointThreadData } from "./checkpoint-thread.ts";

/**
 * WAL pages a connection that leaves checkpoints to the checkpointer lets accumulate before it checkpoints itself:
 * only reached when the checkpointer is not running (it died, or a process without one writes). About 40 MB.
 */
export const SELF_CHECKPOINT_PAGES = 10_000;

/** How often the checkpointer copies the WAL into the database file; at full load about 500 pages each time. */
const CHECKPOINT_EVERY_MS = 250;

export interface Checkpointer {
  /** Ends the thread; the connections that stay checkpoint themselves past SELF_CHECKPOINT_PAGES. */
  stop(): Promise<void>;
}

/**
 * Checkpoints a WAL database from a thread of its own. With SQLite's automatic checkpoints, whichever connection's
 * COMMIT pushes the WAL past 1,000 pages copies them into the database file and fsyncs both files, while its event
 * loop waits: in a store microbenchmark that was a third of the wall time per message. Connections opened with
 * `externalCheckpoints` only checkpoint themselves as a safety net (SELF_CHECKPOINT_PAGES).
 */
export function startCheckpointer(
  file: string,
  options: { everyMs?: number; onReport?: (report: CheckpointReport) => void } = {},
): Checkpointer {
  const data: CheckpointThreadData = { file, everyMs: options.everyMs ?? CHECKPOINT_EVERY_MS };
  const thread = new Thread(new URL("./checkpoint-thread.ts", import.meta.url), {
    workerData: data,
    name: "outbound-checkpoint",
  });
  // Never what keeps a process alive.
  thread.unref();
  const exited = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
  thread.on("message", (report: CheckpointReport) => options.onReport?.(report));
  // A failure is reported (and the connections checkpoint themselves); it must not crash the process.
  thread.on("error", (error) =>
    options.onReport?.({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
  );
  return {
    async stop() {
      thread.postMessage({ type: "stop" });
      await exited;
    },
  };
}
