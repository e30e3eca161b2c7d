/**
 * SIGTERM: the server stops claiming, lets attempts in flight finish within OUTBOUND_SHUTDOWN_GRACE, aborts the rest
 * (recorded as interrupted, the delivery still pending), and exits cleanly.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { after, afterEach, test } from "node:test";
import { api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { createGate } from "../support/receiver.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

test("an attempt in flight at SIGTERM completes and is recorded; nothing is left 'sending'", async (t) => {
  // Delivery in its own thread (the multi-core default): the stop travels to it and its results come back.
  const server = await startServer({ OUTBOUND_WORKER_THREADS: "1" });
  const receiver = await receiverForTest(t, () => ({ status: 200, delayMs: 1_500 }));
  const app = await server.svix.application.create({ name: "graceful" });
  await server.svix.endpoint.create(app.id, { url: receiver.url });
  const message = await server.svix.message.create(app.id, { eventType: "slow", payload: {} });
  await receiver.waitFor(1);
  const stopping = Date.now();
  await server.stop("SIGTERM");
  const took = Date.now() - stopping;
  assert.equal(server.child.exitCode, 0, "clean exit");
  assert.ok(took >= 1_000, `waited for the attempt in flight (${took} ms)`);

  await server.restart();
  const destinations = await eventually(
    () => server.svix.messageAttempt.listAttemptedDestinations(app.id, message.id),
    (list) => list.data[0]?.status === 0,
    "the delivery recorded as a success",
  );
  assert.equal(destinations.data.length, 1);
  const attempts = await server.svix.messageAttempt.listByMsg(app.id, message.id);
  assert.equal(attempts.data.length, 1, "recorded once, not retried after the restart");
  assert.equal(receiver.requests.length, 1);
});

test("after OUTBOUND_SHUTDOWN_GRACE, attempts in flight are aborted, recorded as interrupted and delivered once after the restart", async (t) => {
  const server = await startServer({ OUTBOUND_SHUTDOWN_GRACE: "300ms", OUTBOUND_WORKER_THREADS: "1" });
  const gate = createGate();
  const receiver = await receiverForTest(t, () => ({ until: gate.promise }));
  t.after(() => gate.open());
  const app = await server.svix.application.create({ name: "interrupted" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
  // More than the circuit breaker's threshold (5): counted as failures, they would open it.
  const messages = [];
  for (let i = 0; i < 6; i++) {
    messages.push(await server.svix.message.create(app.id, { eventType: "never.answered", payload: { i } }));
  }
  await receiver.waitFor(6);

  await server.stop("SIGTERM");
  assert.equal(server.child.signalCode, null, "it exited by itself, not killed by the test");
  assert.equal(server.child.exitCode, 0, "clean exit");
  assert.equal(receiver.requests.length, 6, "the receiver never answered and nothing was re-sent");

  const db = new DatabaseSync(server.databaseUrl, { readOnly: true });
  try {
    const attempts = db
      .prepare("SELECT status, response_status_code AS code, response FROM attempts ORDER BY id")
      .all();
    assert.deepEqual(
      attempts.map((a) => ({ ...a })),
      Array.from({ length: 6 }, () => ({ status: 2, code: 0, response: "interrupted by shutdown" })),
      "one failed attempt per delivery, no success",
    );
    const deliveries = db.prepare("SELECT status, attempts, due_at AS dueAt FROM deliveries").all();
    for (const delivery of deliveries) {
      assert.equal(delivery.status, 1, "the delivery stays pending");
      assert.equal(delivery.attempts, 0, "an interrupted attempt does not use up a retry");
      assert.ok(Number(delivery.dueAt) <= Date.now(), "due at once");
    }
    const health = db
      .prepare("SELECT consecutive_failures AS failures, circuit_open_until AS openUntil FROM endpoints")
      .get();
    assert.deepEqual(
      { ...health },
      { failures: 0, openUntil: null },
      "the circuit breaker did not count them",
    );
  } finally {
    db.close();
  }

  receiver.respondWith(() => ({ status: 200 }));
  await server.restart();
  await eventually(
    () =>
      api<{ success: number; pending: number; sending: number }>(
        server,
        "GET",
        statsPath(app.id, endpoint.id),
      ),
    ({ body }) => body.success === 6 && body.pending === 0 && body.sending === 0,
    "all six delivered after the restart",
  );
  const stats = await api<{ circuit: { state: string; consecutiveFailures: number } }>(
    server,
    "GET",
    statsPath(app.id, endpoint.id),
  );
  assert.deepEqual(stats.body.circuit, { ...stats.body.circuit, state: "closed", consecutiveFailures: 0 });
  assert.equal(receiver.requests.length, 12, "each message sent once more after the restart, not twice");
  for (const message of messages) {
    const ids = receiver.messageIds().filter((id) => id === message.id);
    assert.equal(ids.length, 2, `${message.id}: the interrupted request and one delivery after the restart`);
  }
});

function statsPath(appId: string, endpointId: string): string {
  return `/api/v1/app/${appId}/endpoint/${endpointId}/stats`;
}
