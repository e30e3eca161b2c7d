/**
 * Entry of the WAL checkpoint thread (see checkpointer.ts): its own connection, a PASSIVE checkpoint every
 * `everyMs`, each result reported to the thread that started it. Nothing else runs here, so the copying and the two
 * fsyncs of a checkpoint block no event loop that serves requests or deliveries.
 */
import { DatabaseSync } from "node:sqlite";
import { type MessagePort, parentPort, workerData } from "node:worker_threads";

export interface CheckpointThreadData {
  file: string;
  everyMs: number;
}

/** A checkpoint's outcome: the WAL's frames, and how many of them are now in the database file. */
export type CheckpointReport =
  | { type: "checkpoint"; log: number; checkpointed: number }
  | { type: "failed"; message: string };

function run(port: MessagePort, data: CheckpointThreadData): void {
  const db = new DatabaseSync(data.file);
  // PASSIVE never waits for a lock: a checkpoint that meets a writer or a reader does what it can and returns.
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  const timer = setInterval(() => {
    try {
      const row = checkpoint.get() as { busy: number; log: number; checkpointed: number } | undefined;
      port.postMessage({
        type: "checkpoint",
        log: Number(row?.log ?? 0),
        checkpointed: Number(row?.checkpointed ?? 0),
      } satisfies CheckpointReport);
    } catch (error) {
      port.postMessage({
        type: "failed",
        message: error instanceof Error ? error.message : String(error),
      } satisfies CheckpointReport);
    }
  }, data.everyMs);
  port.on("message", (message: { type: "stop" }) => {
    if (message.type !== "stop") return;
    clearInterval(timer);
    db.close();
    port.close();
  });
}

if (parentPort) run(parentPort, workerData as CheckpointThreadData);
