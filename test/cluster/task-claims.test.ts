/**
 * Background tasks on PostgreSQL with several processes: a replay left `running` by a process that died is resumed
 * by exactly one of two API processes that start at the same moment, and its messages are queued, and sent, once.
 */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import postgres from "postgres";
import { createPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { eventually } from "../support/poll.ts";
import { skipPostgres } from "../support/postgres.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

const MESSAGES = 250; // two steps of the replay

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

test("two API processes starting while a task is running: one resumes it, each message is sent once", {
  skip: skipPostgres && "OUTBOUND_TEST_SKIP_POSTGRES=1",
  timeout: 120_000,
}, async (t) => {
  const receiver = await receiverForTest(t);
  const first = await startServer({}, { store: "postgres" });
  const app = await first.svix.application.create({ name: "claims" });
  // Disabled while the messages arrive: the endpoint never got them, so replay-missing queues every one.
  const endpoint = await first.svix.endpoint.create(app.id, { url: receiver.url, disabled: true });
  const since = Date.now() - 1_000;
  const ids = new Set<string>();
  for (let i = 0; i < MESSAGES; i++)
    ids.add((await first.svix.message.create(app.id, { eventType: "a", payload: { i } })).id);
  await first.svix.endpoint.patch(app.id, endpoint.id, { disabled: false });
  await first.stop();

  // The replay a dead process held: claimed, its heartbeat long stale.
  const store = await createPostgresStore({ url: first.databaseUrl, pool: 1 });
  const now = Date.now();
  await store.insertBackgroundTask({
    id: "rtsk_abandoned",
    appId: app.id,
    endpointId: endpoint.id,
    task: "endpoint.replay",
    status: "running",
    params: { since, until: now },
    data: {},
    cursor: null,
    createdAt: now,
    updatedAt: now,
  });
  assert.ok(await store.claimBackgroundTask("rtsk_abandoned", "dead-host:1:0", now - 3_600_000, 0));
  await store.close();

  // A worker delivers while the replay runs, so a second runner's queueing would send a message again.
  const join = { databaseUrl: first.databaseUrl };
  const env = { OUTBOUND_API_TOKEN: first.token, LOG_LEVEL: "info" };
  await startServer(env, { ...join, role: "worker" });
  const apis = await Promise.all([
    startServer(env, { ...join, role: "api" }),
    startServer(env, { ...join, role: "api" }),
  ]);

  const task = await eventually(
    () => apis[0]!.svix.backgroundTask.get("rtsk_abandoned"),
    (read) => read.status !== "running",
    "the abandoned replay to finish",
    60_000,
  );
  assert.equal(task.status, "finished");
  assert.deepEqual(task.data, { messagesSeen: MESSAGES, messagesQueued: MESSAGES });
  await receiver.waitUntil(
    (requests) => new Set(requests.map((r) => r.headers["webhook-id"])).size === MESSAGES,
    "every message delivered",
    60_000,
  );
  // Barrier: nothing is pending or in flight any more, so no later request can come.
  const sql = postgres(first.databaseUrl, { max: 1, onnotice: () => {} });
  t.after(() => sql.end());
  await eventually(
    async () => Number((await sql`SELECT count(*) AS n FROM deliveries WHERE status IN (1, 3)`)[0]?.n),
    (n) => n === 0,
    "no delivery pending or sending",
  );
  const sent = receiver.requests.map((r) => r.headers["webhook-id"]);
  assert.deepEqual(new Set(sent), ids);
  assert.equal(sent.length, MESSAGES, "each message was sent exactly once");

  const resumedBy = apis.filter((api) => api.logs().includes("resuming a background task"));
  assert.equal(resumedBy.length, 1, "exactly one of the two API processes resumed the task");
});
