import type { SqliteDb } from "./database.ts";

/**
 * Group commit: writes requested during one event-loop turn run in a single transaction (each in its own
 * savepoint, so one failing write does not undo the others). Every caller's promise settles only after COMMIT,
 * so an acknowledged write is on disk exactly as with one transaction per write, at a fraction of the cost.
 */
export interface GroupCommit {
  run(write: () => void): Promise<void>;
}

interface Pending {
  write: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
  error?: unknown;
}

const MAX_BATCH = 512;

export function createGroupCommit(db: SqliteDb): GroupCommit {
  const queue: Pending[] = [];
  let scheduled = false;

  async function flush() {
    const taken: { batch: Pending[] | undefined } = { batch: undefined };
    try {
      // Taken once this thread's turn to write has come: whatever arrived while another thread of this process
      // was writing joins this batch.
      await db.transactionAsync(() => {
        const batch = queue.splice(0, MAX_BATCH);
        taken.batch = batch;
        for (const entry of batch) {
          db.raw.exec("SAVEPOINT w");
          try {
            entry.write();
            db.raw.exec("RELEASE w");
          } catch (error) {
            db.raw.exec("ROLLBACK TO w");
            db.raw.exec("RELEASE w");
            entry.error = error;
          }
        }
      });
    } catch (error) {
      // BEGIN or COMMIT failed: nothing of the batch (or of the queue's head, when BEGIN did) was written.
      for (const entry of taken.batch ?? queue.splice(0, MAX_BATCH)) entry.reject(error);
      return;
    }
    for (const entry of taken.batch ?? []) {
      if (entry.error === undefined) entry.resolve();
      else entry.reject(entry.error);
    }
  }

  /** One flush at a time: the next starts when the previous committed, with whatever arrived meanwhile. */
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(async () => {
      await flush();
      scheduled = false;
      if (queue.length > 0) schedule();
    });
  }

  return {
    run(write) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ write, resolve, reject });
        schedule();
      });
    },
  };
}
