import { insertRows, type Params, type SqliteDb } from "./database.ts";

/**
 * Group commit: writes requested during one event-loop turn run in a single transaction (one failing write does
 * not undo the others: see `writeAll`). Every caller's promise settles only after COMMIT, so an acknowledged write
 * is on disk exactly as with one transaction per write, at a fraction of the cost.
 */
export interface GroupCommit {
  /**
   * Runs `write` in the next batch's transaction; resolves with its result once that transaction committed. When
   * another write of the batch fails, `write` runs a second time (with a fresh `WriteBatch`), so it must do nothing
   * outside the transaction but return its result.
   */
  run<T>(write: (batch: WriteBatch) => T): Promise<T>;
}

/** What the writes of one transaction share: values read once per batch instead of once per write. */
export interface WriteBatch {
  /**
   * The value under `key` for this transaction, made by `make` the first time. Writes may update it; a write that
   * fails (rolled back to its savepoint) keeps its updates, so keep only values for which that errs on the safe side.
   */
  memo<V>(key: string, make: () => V): V;
  /**
   * Inserts rows given as one flat list of `width` values each, as `${head} VALUES …`. In the batch's first pass
   * they are kept until all its writes ran, then inserted with one multi-row INSERT per head, heads in the order of
   * their first use (parents before children): per message, one statement run fewer per table, about 10 % of the
   * insert path. A row refused (a duplicate key) fails that INSERT and with it the pass; in the pass that follows,
   * a savepoint per write, rows are inserted at once, so that only the failing write is lost.
   */
  insert(head: string, width: number, values: Params): void;
}

interface Pending {
  write: (batch: WriteBatch) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  result?: unknown;
  error?: unknown;
}

const MAX_BATCH = 512;

interface Pass extends WriteBatch {
  /** Runs the inserts kept so far (none when rows are inserted at once). */
  flush(): void;
}

/** `deferInserts`: keep rows until `flush` (the first pass) rather than insert them at once (write by write). */
function newPass(db: SqliteDb, deferInserts: boolean): Pass {
  const values = new Map<string, unknown>();
  const kept = new Map<string, { width: number; rows: Params }>();
  return {
    memo<V>(key: string, make: () => V): V {
      const known = values.get(key);
      if (known !== undefined || values.has(key)) return known as V;
      const value = make();
      values.set(key, value);
      return value;
    },
    insert(head, width, rows) {
      if (!deferInserts) return insertRows(db, head, width, rows);
      const pending = kept.get(head);
      if (pending === undefined) kept.set(head, { width, rows: rows.slice() });
      else for (const value of rows) pending.rows.push(value);
    },
    flush() {
      for (const [head, { width, rows }] of kept) insertRows(db, head, width, rows);
      kept.clear();
    },
  };
}

/**
 * Runs the batch's writes in the open transaction under one savepoint. A write that throws (a duplicate eventId:
 * rare) undoes the whole batch, which then runs again with a savepoint per write, so that only the failing writes
 * are lost. A savepoint per write from the start costs about 10 % of the insert path: every savepoint copies each
 * page its write touches into the statement journal (the same few B-tree pages again and again within a batch).
 */
function writeAll(db: SqliteDb, batch: Pending[]): void {
  db.prepare("SAVEPOINT batch").run();
  try {
    const shared = newPass(db, true);
    for (const entry of batch) entry.result = entry.write(shared);
    shared.flush();
    db.prepare("RELEASE batch").run();
    return;
  } catch {
    // Results of this pass belong to rows that were just undone; the pass below sets them again.
    db.raw.exec("ROLLBACK TO batch");
    db.prepare("RELEASE batch").run();
  }
  writeEach(db, batch);
}

/** Each write in its own savepoint, so that one failing write does not undo the others. */
function writeEach(db: SqliteDb, batch: Pending[]): void {
  const shared = newPass(db, false);
  const savepoint = db.prepare("SAVEPOINT w");
  const release = db.prepare("RELEASE w");
  for (const entry of batch) {
    entry.result = undefined;
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
        writeAll(db, batch);
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
