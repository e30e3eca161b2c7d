import fs from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { applyCheckpointMode, type CheckpointMode, type CheckpointReport } from "./checkpointer.ts";
import { writeGate } from "./write-gate.ts";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

export interface SqliteDb {
  raw: DatabaseSync;
  /** Prepared once per SQL text and reused. */
  prepare(sql: string): StatementSync;
  /** Runs fn inside BEGIN IMMEDIATE … COMMIT (rolls back on throw). Not re-entrant. */
  transaction<T>(fn: () => T): T;
  /**
   * The same, but waits for its turn at the write gate without blocking the event loop (hot paths: the group
   * commit, claims and outcomes, which another thread of this process may be writing beside).
   */
  transactionAsync<T>(fn: () => T): Promise<T>;
  /** Stops this connection's checkpoint timer, if any, and closes it. */
  close(): void;
}

export type Params = SQLInputValue[];

/**
 * `writeGate`: shared memory from `newWriteGateMemory()`, the same for every thread of this process that opens
 * `file`, so that their write transactions queue without blocking in SQLite's busy handler.
 */
export function openSqlite(
  file: string,
  writeGateMemory?: SharedArrayBuffer,
  options: { checkpoints?: CheckpointMode; onCheckpoint?: (report: CheckpointReport) => void } = {},
): SqliteDb {
  const gate = writeGateMemory ? writeGate(writeGateMemory) : null;
  if (file !== ":memory:") restrictFiles(file);
  const raw = new DatabaseSync(file);
  // WAL lets API reads run while the worker writes; NORMAL sync keeps commits durable against process
  // crashes (the WAL is fsynced at checkpoints), trading only the last commits on power loss.
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec("PRAGMA synchronous = NORMAL");
  raw.exec("PRAGMA foreign_keys = ON");
  // Statement journals (every group-commit savepoint, multi-row statements inside a transaction) in memory, not in
  // a temporary file: with a file, each savepoint cost ~50 µs of syscalls, four times the message insert itself.
  raw.exec("PRAGMA temp_store = MEMORY");
  const stopCheckpoints = applyCheckpointMode(raw, options.checkpoints ?? "auto", {
    ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
  });
  raw.exec("PRAGMA busy_timeout = 5000");
  const statements = new Map<string, StatementSync>();
  /** `entered`: this thread holds the write gate, and leaves it once the transaction ends. */
  function inTransaction<T>(fn: () => T, entered: boolean): T {
    try {
      raw.exec("BEGIN IMMEDIATE");
      try {
        const result = fn();
        raw.exec("COMMIT");
        return result;
      } catch (error) {
        raw.exec("ROLLBACK");
        throw error;
      }
    } finally {
      if (entered) gate?.leave();
    }
  }
  const db: SqliteDb = {
    raw,
    close() {
      stopCheckpoints();
      raw.close();
    },
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = raw.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    transaction(fn) {
      return inTransaction(fn, gate?.enter() ?? false);
    },
    async transactionAsync(fn) {
      return inTransaction(fn, (await gate?.enterAsync()) ?? false);
    },
  };
  migrate(db);
  return db;
}

function migrationFiles(): Array<{ version: number; name: string }> {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d+_.*\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: Number.parseInt(name, 10), name }));
}

/** Every migration this build knows and when it was applied (null = pending), without applying any. */
export function sqliteMigrationStatus(
  file: string,
): Array<{ version: number; name: string; appliedAt: number | null }> {
  const applied = new Map<number, number>();
  if (fs.existsSync(file)) {
    const raw = new DatabaseSync(file, { readOnly: true });
    try {
      const table = raw.prepare("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'").get();
      if (table) {
        for (const r of raw.prepare("SELECT version, applied_at FROM schema_migrations").all())
          applied.set(Number(r.version), Number(r.applied_at));
      }
    } finally {
      raw.close();
    }
  }
  return migrationFiles().map((m) => ({ ...m, appliedAt: applied.get(m.version) ?? null }));
}

/**
 * The database holds sealed secrets and every payload: a directory Outbound creates is 0700, the database 0600
 * (SQLite gives its -wal and -shm files the database file's mode). An existing directory is left as it is: it
 * may be shared (e.g. /tmp), and its owner chose its mode.
 */
function restrictFiles(file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if (name === file && !fs.existsSync(name)) fs.closeSync(fs.openSync(name, "wx", 0o600));
      // Group and other bits off; the owner's bits stay (a file made read-only on purpose stays read-only).
      else if (fs.existsSync(name)) fs.chmodSync(name, fs.statSync(name).mode & 0o700);
    } catch {
      // Unwritable locations are reported by the open itself, with the start-up message that names the fix.
    }
  }
}

/** Applies numbered migration files in order, each in its own transaction, under SQLite's write lock. */
function migrate(db: SqliteDb): void {
  db.raw.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  for (const { version, name } of migrationFiles()) {
    db.transaction(() => {
      const done = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(version);
      if (done) return;
      db.raw.exec(fs.readFileSync(path.join(MIGRATIONS_DIR, name), "utf8"));
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(
        version,
        Date.now(),
      );
    });
  }
}

/** `?, ?, …` lists by count, built once each (an import asks for the same few counts tens of thousands of times). */
const placeholderLists = new Map<number, string>();
const MAX_CACHED_PLACEHOLDERS = 1000;

export function placeholders(count: number): string {
  let list = placeholderLists.get(count);
  if (list === undefined) {
    list = Array.from({ length: count }, () => "?").join(", ");
    if (count <= MAX_CACHED_PLACEHOLDERS) placeholderLists.set(count, list);
  }
  return list;
}

/** Rows per multi-row INSERT: one statement run per this many rows instead of one per row. */
const BULK_ROWS = 64;

/**
 * Inserts rows given as one flat list of values (`width` per row) as `${head} VALUES (…), (…) ${tail}`: BULK_ROWS
 * rows per statement run, which costs far less per row than one run each when thousands are written (CSV imports).
 * The statements are cached per row count, so at most BULK_ROWS shapes per `head`.
 */
export function insertRows(db: SqliteDb, head: string, width: number, values: Params, tail = ""): void {
  const rows = values.length / width;
  for (let start = 0; start < rows; start += BULK_ROWS) {
    const count = Math.min(BULK_ROWS, rows - start);
    const chunk = count === rows ? values : values.slice(start * width, (start + count) * width);
    db.prepare(insertSql(head, width, count, tail)).run(...chunk);
  }
}

/** The SQL text of a `count`-row INSERT, built once per shape (hot: every accepted message inserts two). */
const insertSqlCache = new Map<string, string>();
function insertSql(head: string, width: number, count: number, tail: string): string {
  const key = `${count}\u0000${width}\u0000${tail}\u0000${head}`;
  let sql = insertSqlCache.get(key);
  if (sql === undefined) {
    const row = `(${placeholders(width)})`;
    sql = `${head} VALUES ${Array.from({ length: count }, () => row).join(", ")} ${tail}`;
    insertSqlCache.set(key, sql);
  }
  return sql;
}

/** Runs `${head} IN (…)` for `values`, BULK_ROWS at a time (statements cached per count, as insertRows). */
export function runWhereIn(db: SqliteDb, head: string, values: Params): void {
  for (let start = 0; start < values.length; start += BULK_ROWS) {
    const chunk = values.slice(start, start + BULK_ROWS);
    db.prepare(`${head} IN (${placeholders(chunk.length)})`).run(...chunk);
  }
}
