import type { SqliteDb } from "./database.ts";

/**
 * Group commit: writes requested during one event-loop turn run in a single transaction (each in its own
 * savepoint, so one failing write does not undo the others). Every caller's promise settles only after COMMIT,
 * so an acknowledged write is on disk exactly as with one transaction per write, at a fraction of the cost.
 */
export interface GroupCommit {
  /** Runs `write` in the next batch's transaction; resolves with its result once that transaction committed. */
  run<T>(write: (batch: WriteBatch) => T): Promise<T>;
}

/** What the writes of one transaction share: values read once per batch instead of once per write. */
export interface WriteBatch {
  /**
   * The value under `key` for this transaction, made by `make` the first time. Writes may update it; a write that
   * fails (rolled back to its savepoint) keeps its updates, so keep only values for which that errs on the safe side.
   */
  memo<V>(key: string, make: () => V): V;
}

interface Pending {
  write: (batch: WriteBatch) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  result?: unknown;
  error?: unknown;
}

const MAX_BATCH = 512;

function newBatch(): WriteBatch {
  const values = new Map<string, unknown>();
  return {
    memo<V>(key: string, make: () => V): V {
      if (values.has(key)) return values.get(key) as V;
      const value = make();
      values.set(key, value);
      return value;
    },
  };
}

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
        const shared = newBatch();
        const savepoint = db.prepare("SAVEPOINT w");
        const release = db.prepare("RELEASE w");
        for (const entry of batch) {
          savepoint.run();
          try {
            entry.result = entry.write(shared);
            release.run();
          } catch (error) {
            db.raw.exec("ROLLBACK TO w");
            release.run();
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
      if (entry.error === undefined) entry.resolve(entry.result);
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
    run<T>(write: (batch: WriteBatch) => T) {
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
  };
}
