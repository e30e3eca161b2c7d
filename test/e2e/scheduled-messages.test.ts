/** Svix's deliverAt, message tags and deleteHeaders, driven by the svix SDK against the real server. */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import { rejectsWithStatus } from "../support/api-error.ts";
import { eventually } from "../support/poll.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

test("a scheduled message is not attempted before deliverAt, then is delivered, also across a restart", async (t) => {
  const server = await startServer();
  const receiver = await receiverForTest(t);
  const app = await server.svix.application.create({ name: "scheduled" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
  const { key } = await server.svix.endpoint.getSecret(app.id, endpoint.id);

  const deliverAt = new Date(Date.now() + 5_000);
  const scheduled = await server.svix.message.create(app.id, {
    eventType: "invoice.due",
    payload: { invoice: 7 },
    deliverAt,
  });
  assert.equal(
    scheduled.deliverAt?.toISOString(),
    deliverAt.toISOString(),
    "deliverAt is shown on the message",
  );
  // While it waits, its delivery is pending and says when it is due.
  const pending = await server.svix.messageAttempt.listAttemptedDestinations(app.id, scheduled.id);
  assert.equal(pending.data[0]?.nextAttempt?.toISOString(), deliverAt.toISOString());
  const now = await server.svix.message.create(app.id, {
    eventType: "invoice.paid",
    payload: { invoice: 8 },
  });
  assert.equal(now.deliverAt ?? null, null, "an unscheduled message has no deliverAt");
  await receiver.waitUntil(
    (requests) => requests.some((r) => r.headers["webhook-id"] === now.id),
    "the unscheduled message",
  );

  // A restart before deliverAt keeps the schedule (it is stored with the delivery).
  await server.restart();

  const requests = await receiver.waitFor(2);
  const arrival = requests.find((r) => r.headers["webhook-id"] === scheduled.id);
  assert.ok(arrival, "the scheduled message arrived");
  assert.ok(arrival.receivedAt >= deliverAt.getTime(), "the receiver got it no earlier than deliverAt");
  receiver.verify(key);
  const attempts = await eventually(
    () => server.svix.messageAttempt.listByMsg(app.id, scheduled.id),
    (page) => page.data.length === 1,
    "the scheduled attempt to be recorded",
  );
  const attempt = attempts.data[0];
  assert.ok(
    attempt && attempt.timestamp.getTime() >= deliverAt.getTime(),
    "attempt recorded after deliverAt",
  );
  assert.equal(attempt?.status, 0);
  assert.equal(receiver.requests.length, 2, "each message was delivered once");
});

test("deliverAt past the payload's retention is refused with 422", async () => {
  const server = await startServer();
  const app = await server.svix.application.create({ name: "too late" });
  const error = await rejectsWithStatus(
    server.svix.message.create(app.id, {
      eventType: "a",
      payload: {},
      payloadRetentionHours: 1,
      deliverAt: new Date(Date.now() + 2 * 3_600_000),
    }),
    422,
  );
  assert.deepEqual(
    (error.body as { detail: Array<{ loc: string[] }> }).detail.map((d) => d.loc.join(".")),
    ["body.deliverAt"],
  );
});

test("tags are stored on messages, filter message and attempt listings, and come back with_msg", async (t) => {
  const server = await startServer();
  const receiver = await receiverForTest(t);
  const app = await server.svix.application.create({ name: "tags" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
  const red = await server.svix.message.create(app.id, { eventType: "a", payload: {}, tags: ["red", "x/1"] });
  const blue = await server.svix.message.create(app.id, { eventType: "a", payload: {}, tags: ["blue"] });
  await server.svix.message.create(app.id, { eventType: "a", payload: {} });
  assert.deepEqual(red.tags, ["red", "x/1"]);
  await receiver.waitFor(3);

  const byTag = await server.svix.message.list(app.id, { tag: "x/1" });
  assert.deepEqual(
    byTag.data.map((m) => m.id),
    [red.id],
  );
  assert.deepEqual(byTag.data[0]?.tags, ["red", "x/1"]);
  const attempted = await server.svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id, {
    tag: "blue",
  });
  assert.deepEqual(
    attempted.data.map((m) => m.id),
    [blue.id],
  );
  const attempts = await eventually(
    () => server.svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { tag: "blue", withMsg: true }),
    (page) => page.data.length === 1,
    "the attempt of the blue message",
  );
  assert.equal(attempts.data[0]?.msgId, blue.id);
  assert.deepEqual(attempts.data[0]?.msg?.tags, ["blue"]);
});

test("deleteHeaders removes endpoint headers, whatever their case", async () => {
  const server = await startServer();
  const app = await server.svix.application.create({ name: "headers" });
  const endpoint = await server.svix.endpoint.create(app.id, {
    url: "http://127.0.0.1:9/h",
    headers: { "X-Keep": "1", "X-Drop": "2", "X-Also-Drop": "3" },
  });
  await server.svix.endpoint.patchHeaders(app.id, endpoint.id, {
    headers: { "X-New": "4" },
    deleteHeaders: ["x-drop", "X-Also-Drop"],
  });
  const { headers } = await server.svix.endpoint.getHeaders(app.id, endpoint.id);
  assert.deepEqual(headers, { "X-Keep": "1", "X-New": "4" });
  // Removing is always allowed, also a name Outbound refuses to set (a header saved before that rule, say).
  await server.svix.endpoint.patchHeaders(app.id, endpoint.id, {
    headers: {},
    deleteHeaders: ["Host", "X-Keep"],
  });
  assert.deepEqual((await server.svix.endpoint.getHeaders(app.id, endpoint.id)).headers, { "X-New": "4" });
});
