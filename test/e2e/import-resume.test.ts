/**
 * An import stopped by a shutdown stays "running" with its committed rows counted, and the next process resumes it
 * after them: every row imported once, one participant.created event each, none twice.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import { BATCH_ROWS, createImportRunner, startImport } from "../../src/directory/csv-import.ts";
import { buildInProcessApi, IN_PROCESS_TOKEN } from "../support/in-process.ts";
import { eventually } from "../support/poll.ts";

const built = buildInProcessApi();
after(() => built.close());

async function call<T>(method: "POST" | "GET", url: string, payload?: unknown): Promise<T> {
  const response = await built.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${IN_PROCESS_TOKEN}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json() as T;
}

test("an import stopped after a batch resumes after its committed rows", async () => {
  const { ctx } = built;
  const { id: appId } = await call<{ id: string }>("POST", "/api/v1/app", { name: "resume" });
  await call("POST", `/api/v1/app/${appId}/issuer`, { id: "crm" });
  await call("POST", `/api/v1/app/${appId}/attribute`, { label: "Score", valueType: "Number" });
  const app = await ctx.store.getApplication(appId);
  assert.ok(app);
  const rows = BATCH_ROWS * 2 + 7;
  const lines = Array.from({ length: rows }, (_, i) => `m${i + 1},${i}`);
  lines[3] = "m4,not-a-number";
  const csv = `member,Score\n${lines.join("\n")}\n`;

  const first = createImportRunner(ctx);
  const job = await startImport(
    ctx,
    first,
    app,
    { idColumn: "member", issuer: "crm" },
    Readable.from([csv]),
    undefined,
  );
  // Stopping at once: the job ends its first batch, commits it, and stops there.
  await first.stop();
  const stopped = await ctx.store.getImport(appId, job.id);
  assert.equal(stopped?.state, "running");
  assert.equal(stopped?.rowsRead, BATCH_ROWS);
  assert.equal(stopped?.created, BATCH_ROWS - 1);

  const second = createImportRunner(ctx);
  await second.resumeUnfinished();
  const done = await eventually(
    async () => ctx.store.getImport(appId, job.id),
    (state) => state?.state === "completed",
    "the resumed import to complete",
  );
  await second.stop();
  assert.equal(done?.rowsRead, rows);
  assert.equal(done?.created, rows - 1);
  assert.equal(done?.failed, 1);
  assert.deepEqual(
    done?.errors.map((error) => [error.row, error.column]),
    [[4, "Score"]],
  );

  const db = new DatabaseSync(ctx.config.database.kind === "sqlite" ? ctx.config.database.path : "", {
    readOnly: true,
  });
  try {
    const count = (sql: string) => Number(db.prepare(sql).get(appId)?.n);
    assert.equal(count("SELECT count(*) AS n FROM participants WHERE app_id = ?"), rows - 1);
    assert.equal(
      count("SELECT count(*) AS n FROM messages WHERE app_id = ? AND event_type = 'participant.created'"),
      rows - 1,
      "one participant.created per participant, none repeated by the resume",
    );
  } finally {
    db.close();
  }
});
