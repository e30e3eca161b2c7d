import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { openSqlite, type SqliteDb } from "../../src/store/sqlite/database.ts";
import { createGroupCommit, type WriteBatch } from "../../src/store/sqlite/group-commit.ts";

function scratchDb(t: TestContext): SqliteDb {
  const dir = mkdtempSync(path.join(tmpdir(), "outbound-group-commit-"));
  const db = openSqlite(path.join(dir, "outbound.db"));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  db.raw.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  return db;
}

const keys = (db: SqliteDb) =>
  db.raw
    .prepare("SELECT k FROM t ORDER BY k")
    .all()
    .map((r) => r.k);

/** A write that inserts `k` (failing on a duplicate) and reports the memo's counter it saw. */
function insert(db: SqliteDb, k: string, made: { count: number }) {
  return (batch: WriteBatch) => {
    const seen = batch.memo("batch", () => ({ id: ++made.count, writes: 0 }));
    seen.writes += 1;
    db.prepare("INSERT INTO t (k) VALUES (?)").run(k);
    return { k, batch: seen.id, nth: seen.writes };
  };
}

test("writes of one turn share one transaction and one memo, and each gets its own result", async (t) => {
  const db = scratchDb(t);
  const commits = createGroupCommit(db);
  const made = { count: 0 };
  const results = await Promise.all(["a", "b", "c"].map((k) => commits.run(insert(db, k, made))));
  assert.deepEqual(results, [
    { k: "a", batch: 1, nth: 1 },
    { k: "b", batch: 1, nth: 2 },
    { k: "c", batch: 1, nth: 3 },
  ]);
  assert.deepEqual(keys(db), ["a", "b", "c"]);
  assert.equal(made.count, 1, "one batch");
});

test("a failing write loses only its own rows; the others commit with the results of the pass that committed", async (t) => {
  const db = scratchDb(t);
  db.raw.exec("INSERT INTO t (k) VALUES ('taken')");
  const commits = createGroupCommit(db);
  const made = { count: 0 };
  const halfDone = (batch: WriteBatch) => {
    insert(db, "half", made)(batch);
    db.prepare("INSERT INTO t (k) VALUES (?)").run("taken"); // fails after a row of its own was written
  };
  const settled = await Promise.allSettled([
    commits.run(insert(db, "a", made)),
    commits.run(halfDone),
    commits.run(insert(db, "taken", made)),
    commits.run(insert(db, "b", made)),
  ]);
  assert.deepEqual(
    settled.map((s) => s.status),
    ["fulfilled", "rejected", "rejected", "fulfilled"],
  );
  for (const failed of [settled[1], settled[2]]) {
    assert.match(String((failed as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
  }
  // The batch ran twice (the first pass was undone); the results are those of the second, one savepoint per write.
  assert.equal(made.count, 2);
  assert.deepEqual((settled[0] as PromiseFulfilledResult<unknown>).value, { k: "a", batch: 2, nth: 1 });
  assert.deepEqual((settled[3] as PromiseFulfilledResult<unknown>).value, { k: "b", batch: 2, nth: 4 });
  assert.deepEqual(keys(db), ["a", "b", "taken"], "nothing of the failed writes, not even the half-done one");

  // The next batch runs under one savepoint again.
  const next = await Promise.all(["c", "d"].map((k) => commits.run(insert(db, k, made))));
  assert.deepEqual(
    next.map((r) => r.batch),
    [3, 3],
  );
  assert.deepEqual(keys(db), ["a", "b", "c", "d", "taken"]);
});

test("writes queued while a batch commits form the next batch", async (t) => {
  const db = scratchDb(t);
  const commits = createGroupCommit(db);
  const made = { count: 0 };
  const first = commits.run(insert(db, "a", made));
  const second = first.then(() => commits.run(insert(db, "b", made)));
  assert.deepEqual(await Promise.all([first, second]), [
    { k: "a", batch: 1, nth: 1 },
    { k: "b", batch: 2, nth: 1 },
  ]);
});

test("rows given to batch.insert are written once the batch's writes ran, one multi-row INSERT per table, parents first", async (t) => {
  const db = scratchDb(t);
  db.raw.exec("CREATE TABLE child (k TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES t(k))");
  const commits = createGroupCommit(db);
  const seenByWrites: number[] = [];
  const write = (k: string) => (batch: WriteBatch) => {
    // Rows are kept until every write of the pass ran: a write does not see those of the writes before it.
    seenByWrites.push(Number(db.raw.prepare("SELECT count(*) AS n FROM t").get()?.n));
    batch.insert("INSERT INTO t (k)", 1, [k]);
    batch.insert("INSERT INTO child (k, parent)", 2, [`${k}-1`, k, `${k}-2`, k]);
    return k;
  };
  assert.deepEqual(await Promise.all(["a", "b", "c"].map((k) => commits.run(write(k)))), ["a", "b", "c"]);
  assert.deepEqual(seenByWrites, [0, 0, 0]);
  assert.deepEqual(keys(db), ["a", "b", "c"]);
  assert.deepEqual(
    db.raw
      .prepare("SELECT k FROM child ORDER BY k")
      .all()
      .map((r) => r.k),
    ["a-1", "a-2", "b-1", "b-2", "c-1", "c-2"],
  );
});

test("a row refused in the batch's multi-row INSERT loses only its own write", async (t) => {
  const db = scratchDb(t);
  db.raw.exec("INSERT INTO t (k) VALUES ('taken')");
  const commits = createGroupCommit(db);
  const write = (k: string) => (batch: WriteBatch) => {
    batch.insert("INSERT INTO t (k)", 1, [k]);
    return k;
  };
  const settled = await Promise.allSettled(["a", "taken", "b"].map((k) => commits.run(write(k))));
  assert.deepEqual(
    settled.map((s) => s.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.match(String((settled[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
  assert.deepEqual(keys(db), ["a", "b", "taken"]);
});
