import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { type CheckpointReport, SELF_CHECKPOINT_PAGES } from "../../src/store/sqlite/checkpointer.ts";
import { openSqlite, type SqliteDb } from "../../src/store/sqlite/database.ts";

const autocheckpoint = (db: SqliteDb) =>
  Number(db.raw.prepare("PRAGMA wal_autocheckpoint").get()?.wal_autocheckpoint);

test("one connection checkpoints the WAL on a timer; the others leave it to it", {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "outbound-checkpoint-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "outbound.db");
  const api = openSqlite(file, undefined, { checkpoints: "elsewhere" });
  t.after(() => api.close());
  assert.equal(autocheckpoint(api), SELF_CHECKPOINT_PAGES);
  // Statement journals (one per group-commit savepoint) in memory: in a temp file each cost ~50 µs of syscalls.
  assert.equal(Number(api.raw.prepare("PRAGMA temp_store").get()?.temp_store), 2, "temp_store = MEMORY");
  const plain = openSqlite(file);
  assert.equal(autocheckpoint(plain), 1000, "SQLite's default: the COMMIT past 1,000 pages checkpoints");
  plain.close();

  // More than SQLite's own 1,000-page threshold: with its default, this connection would have checkpointed.
  api.raw.exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
  const insert = api.raw.prepare("INSERT INTO filler (text) VALUES (?)");
  for (let batch = 0; batch < 20; batch++) {
    api.transaction(() => {
      for (let i = 0; i < 100; i++) insert.run("x".repeat(3_000));
    });
  }
  const walPages = statSync(`${file}-wal`).size / 4_096;
  assert.ok(walPages > 1_000, `no checkpoint reset the WAL: it holds every page written (${walPages})`);

  let caughtUp: (report: CheckpointReport) => void = () => {};
  const allCopied = new Promise<CheckpointReport>((resolve) => {
    caughtUp = resolve;
  });
  const delivery = openSqlite(file, undefined, {
    checkpoints: "timer",
    onCheckpoint: (report) => {
      if (report.log > 0 && report.checkpointed === report.log) caughtUp(report);
    },
  });
  t.after(() => delivery.close());
  assert.equal(autocheckpoint(delivery), SELF_CHECKPOINT_PAGES);
  const report = await allCopied;
  assert.ok(report.log > 1_000, `every frame of the WAL copied (${report.checkpointed} of ${report.log})`);
});
