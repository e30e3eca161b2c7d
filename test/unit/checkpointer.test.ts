import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { CheckpointReport } from "../../src/store/sqlite/checkpoint-thread.ts";
import { SELF_CHECKPOINT_PAGES, startCheckpointer } from "../../src/store/sqlite/checkpointer.ts";
import { openSqlite } from "../../src/store/sqlite/database.ts";

test("with a checkpointer thread, connections leave WAL checkpoints to it and it copies every frame", {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "outbound-checkpoint-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "outbound.db");
  const db = openSqlite(file, undefined, { externalCheckpoints: true });
  t.after(() => db.raw.close());
  const autocheckpoint = (opened: ReturnType<typeof openSqlite>) =>
    Number(opened.raw.prepare("PRAGMA wal_autocheckpoint").get()?.wal_autocheckpoint);
  assert.equal(autocheckpoint(db), SELF_CHECKPOINT_PAGES);
  const plain = openSqlite(file);
  assert.equal(autocheckpoint(plain), 1000, "SQLite's default without a checkpointer");
  plain.raw.close();

  const reports: CheckpointReport[] = [];
  let caughtUp: (report: CheckpointReport) => void = () => {};
  const allCopied = new Promise<CheckpointReport>((resolve) => {
    caughtUp = resolve;
  });
  // More than SQLite's own 1,000-page threshold: without the thread, this connection would have checkpointed.
  db.raw.exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
  const insert = db.raw.prepare("INSERT INTO filler (text) VALUES (?)");
  for (let batch = 0; batch < 20; batch++)
    db.transaction(() => {
      for (let i = 0; i < 100; i++) insert.run("x".repeat(3_000));
    });
  const walPages = statSync(`${file}-wal`).size / 4_096;
  assert.ok(walPages > 1_000, `no checkpoint reset the WAL: it holds every page written (${walPages})`);

  const checkpointer = startCheckpointer(file, {
    everyMs: 5,
    onReport: (report) => {
      reports.push(report);
      if (report.type === "checkpoint" && report.log > 0 && report.checkpointed === report.log)
        caughtUp(report);
    },
  });
  t.after(() => checkpointer.stop());
  const report = await allCopied;
  assert.equal(report.type, "checkpoint");
  assert.ok(!reports.some((r) => r.type === "failed"), JSON.stringify(reports));
});
