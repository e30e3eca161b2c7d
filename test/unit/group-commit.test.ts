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
