/** recover, replay-missing and bulk replay as background tasks, driven by the svix SDK. */
import assert from "node:assert/strict";
import path from "node:path";
import { after, afterEach, test } from "node:test";
import { type BackgroundTaskOut, MessageStatus, type Svix } from "svix";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { eventually } from "../support/poll.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

function finished(svix: Svix, taskId: string): Promise<BackgroundTaskOut> {
  return eventually(
    () => svix.backgroundTask.get(taskId),
    (task) => task.status !== "running",
    `background task ${taskId} to finish`,
  );
}

test("replay-missing re-sends only what the receiver never got; bulk replay re-sends successes only when asked", async (t) => {
  const server = await startServer();
  const svix = server.svix;
  const receiver = await receiverForTest(t);
  const start = new Date(Date.now() - 1_000);
  const app = await svix.application.create({ name: "replay" });
  const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
  const count = (msgId: string) => receiver.requests.filter((r) => r.headers["webhook-id"] === msgId).length;

  const delivered = await svix.message.create(app.id, { eventType: "a", payload: { n: 1 }, tags: ["keep"] });
  await receiver.waitFor(1);

  // The receiver goes down: the next message fails after the whole (short) retry schedule.
  receiver.respondWith(() => ({ status: 500 }));
  const failed = await svix.message.create(app.id, { eventType: "a", payload: { n: 2 } });
  await eventually(
    () => svix.messageAttempt.listAttemptedDestinations(app.id, failed.id),
    (page) => page.data[0]?.status === MessageStatus.Fail,
    "the second message to fail",
  );
  // Disabled, the endpoint gets no delivery at all for the third message.
  await svix.endpoint.patch(app.id, endpoint.id, { disabled: true });
  const skipped = await svix.message.create(app.id, { eventType: "a", payload: { n: 3 } });
  assert.equal((await svix.messageAttempt.listAttemptedDestinations(app.id, skipped.id)).data.length, 0);

  receiver.respondWith(() => ({ status: 200 }));
  await svix.endpoint.patch(app.id, endpoint.id, { disabled: false });
  const started = await svix.endpoint.replayMissing(app.id, endpoint.id, { since: start });
  assert.equal(started.task, "endpoint.replay");
  const replay = await finished(svix, started.id);
  assert.equal(replay.status, "finished");
  assert.deepEqual(replay.data, { messagesSeen: 3, messagesQueued: 2 });

  await receiver.waitUntil(
    () => count(failed.id) >= 5 && count(skipped.id) === 1,
    "the failed and the skipped message to be replayed",
  );
  // Both queued deliveries arrived; the message that had succeeded was not among them.
  assert.equal(count(delivered.id), 1);
  await eventually(
    () => svix.messageAttempt.listAttemptedDestinations(app.id, skipped.id),
    (page) => page.data[0]?.status === MessageStatus.Success,
    "the replayed message to be recorded as a success",
  );

  // Bulk replay of failures finds none now; asked for successes with a tag, it re-sends exactly that one.
  const none = await finished(
    svix,
    (await svix.endpoint.bulkReplay(app.id, endpoint.id, { since: start })).id,
  );
  assert.equal(none.data.messagesQueued, 0);
  const tagged = await svix.endpoint.bulkReplay(app.id, endpoint.id, {
    since: start,
    status: MessageStatus.Success,
    tag: "keep",
  });
  assert.equal((await finished(svix, tagged.id)).data.messagesQueued, 1);
  await receiver.waitUntil(() => count(delivered.id) === 2, "the tagged success to be re-sent");

  const listed = await svix.backgroundTask.list({ task: "endpoint.bulk-replay" as never });
  assert.deepEqual(listed.data.map((task) => task.id).sort(), [none.id, tagged.id].sort());
});

test("recover re-queues failed deliveries and returns a task that can be read back", async (t) => {
  const server = await startServer();
  const svix = server.svix;
  const receiver = await receiverForTest(t, () => ({ status: 500 }));
  const app = await svix.application.create({ name: "recover" });
  const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
  const message = await svix.message.create(app.id, { eventType: "a", payload: {} });
  await eventually(
    () => svix.messageAttempt.listAttemptedDestinations(app.id, message.id),
    (page) => page.data[0]?.status === MessageStatus.Fail,
    "the message to fail",
  );
  const failures = receiver.requests.length;
  receiver.respondWith(() => ({ status: 200 }));
  const task = await svix.endpoint.recover(app.id, endpoint.id, { since: new Date(Date.now() - 60_000) });
  assert.equal(task.task, "endpoint.recover");
  const read = await svix.backgroundTask.get(task.id);
  assert.equal(read.status, "finished");
  assert.deepEqual(read.data, { messagesQueued: 1 });
  await receiver.waitFor(failures + 1);
  await eventually(
    () => svix.messageAttempt.listAttemptedDestinations(app.id, message.id),
    (page) => page.data[0]?.status === MessageStatus.Success,
    "the recovered message to succeed",
  );
});

test("a replay interrupted by a restart resumes after the last message it handled", async (t) => {
  const server = await startServer();
  const svix = server.svix;
  const receiver = await receiverForTest(t);
  const app = await svix.application.create({ name: "resume" });
  const endpoint = await svix.endpoint.create(app.id, { url: receiver.url, disabled: true });
  const since = Date.now() - 1_000;
  const messages = [];
  for (const n of [1, 2, 3])
    messages.push(await svix.message.create(app.id, { eventType: "a", payload: { n } }));
  await svix.endpoint.patch(app.id, endpoint.id, { disabled: false });
  await server.stop();

  // The state a replay leaves when the process dies after its first step: the first message handled.
  const store = createSqliteStore(path.join(server.dataDir, "outbound.db"));
  const now = Date.now();
  await store.insertBackgroundTask({
    id: "rtsk_interrupted",
    appId: app.id,
    endpointId: endpoint.id,
    task: "endpoint.replay",
    status: "running",
    params: { since, until: now },
    data: { messagesSeen: 1, messagesQueued: 1 },
    cursor: messages[0]?.id ?? null,
    createdAt: now,
    updatedAt: now,
  });
  await store.close();

  await server.restart();
  const task = await finished(svix, "rtsk_interrupted");
  assert.deepEqual(task.data, { messagesSeen: 3, messagesQueued: 3 });
  const requests = await receiver.waitFor(2);
  assert.deepEqual(
    requests.map((r) => r.headers["webhook-id"]).sort(),
    [messages[1]?.id, messages[2]?.id].sort(),
    "only the messages after the resume point were sent",
  );
});
