/**
 * Process roles: `outbound api` beside one `outbound worker` on a SQLite file (the worker holds the file's lock, so
 * a second delivering process is refused), and `outbound migrate [--status]` on SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, test } from "node:test";
import { createTestDatabase, dropTestDatabases, skipPostgres } from "../support/postgres.ts";
import { reportServerLogsOnFailure, runOutbound, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-roles-"));
after(async () => {
  await stopAllServers();
  await dropTestDatabases();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(reportServerLogsOnFailure);

test("SQLite: an API process and a worker process share one file; a second worker is refused", async (t) => {
  const api = await startServer({}, { store: "sqlite", role: "api" });
  const worker = await startServer(
    { OUTBOUND_API_TOKEN: api.token },
    { role: "worker", databaseUrl: api.databaseUrl },
  );
  const receiver = await receiverForTest(t);
  const app = await api.svix.application.create({ name: "roles" });
  await api.svix.endpoint.create(app.id, { url: receiver.url });
  const message = await api.svix.message.create(app.id, { eventType: "roles.tick", payload: { n: 1 } });
  // The API process delivers nothing; the worker finds the message by polling the shared file.
  const [request] = await receiver.waitFor(1);
  assert.equal(request?.headers["webhook-id"], message.id);

  const second = await runOutbound({ DATABASE_URL: api.databaseUrl, PORT: "0", HOST: "127.0.0.1" }, [
    "worker",
  ]);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, /already used by/);
  assert.equal(worker.child.exitCode, null, "the first worker keeps running");
});

test("PostgreSQL: an API process and two workers started at once on an empty database all come up", {
  skip: skipPostgres && "OUTBOUND_TEST_SKIP_POSTGRES=1",
}, async (t) => {
  // They race to migrate and to seed the built-in event types and the operational application.
  const database = await createTestDatabase();
  const token = "test_token_started_together";
  const options = (role: "api" | "worker") => ({ role, databaseUrl: database.url });
  const [api] = await Promise.all([
    startServer({ OUTBOUND_API_TOKEN: token }, options("api")),
    startServer({ OUTBOUND_API_TOKEN: token }, options("worker")),
    startServer({ OUTBOUND_API_TOKEN: token }, options("worker")),
  ]);
  const receiver = await receiverForTest(t);
  const app = await api.svix.application.create({ name: "together" });
  await api.svix.endpoint.create(app.id, { url: receiver.url });
  const message = await api.svix.message.create(app.id, { eventType: "roles.tick", payload: { n: 1 } });
  const [request] = await receiver.waitFor(1);
  assert.equal(request?.headers["webhook-id"], message.id);
});

test("migrate --status lists pending migrations without creating anything; migrate applies them", async () => {
  const file = path.join(dir, "fresh", "outbound.db");
  const env = { DATABASE_URL: file };
  const before = await runOutbound(env, ["migrate", "--status"]);
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, /001_init\.sql +pending/);
  assert.match(before.stdout, /\d+ migration\(s\) pending\./);
  assert.equal(fs.existsSync(file), false, "--status changes nothing");
  const applied = await runOutbound(env, ["migrate"]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /Database is up to date\./);
  const after = await runOutbound(env, ["migrate", "--status"]);
  assert.doesNotMatch(after.stdout, /pending/);
  assert.match(after.stdout, /005_leases_and_uniqueness\.sql +applied \d{4}-/);
});

test("migrate on PostgreSQL: applied once, under its lock, by processes started together", {
  skip: skipPostgres && "OUTBOUND_TEST_SKIP_POSTGRES=1",
}, async () => {
  const database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, OUTBOUND_ENCRYPTION_KEY: "k".repeat(32) };
  const pending = await runOutbound(env, ["migrate", "--status"]);
  assert.equal(pending.code, 0, pending.stderr);
  assert.match(pending.stdout, /001_init\.sql +pending/);
  const together = await Promise.all([1, 2, 3].map(() => runOutbound(env, ["migrate"])));
  for (const run of together) {
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Database is up to date\./);
  }
  const status = await runOutbound(env, ["migrate", "--status"]);
  assert.doesNotMatch(status.stdout, /pending/);
});
