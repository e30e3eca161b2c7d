/**
 * Webhook delivery end to end: messages created through the official `svix` SDK reach a real HTTP receiver,
 * signed so that the `standardwebhooks` package verifies them, with retries, disabling, resending, secret
 * rotation, routing, recovery and isolation of a hung endpoint.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import type { ApplicationOut, EndpointIn, EndpointOut, MessageAttemptOut, Svix } from "svix";
import { ensureEventType } from "../support/event-types.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, verifyRequest } from "../support/receiver.ts";
import { startServer } from "../support/server.ts";
import { receiverForTest, serverForTests } from "../support/servers-for-tests.ts";
import { endpointSettled } from "../support/settled.ts";

// Svix numeric codes, spelled out so a failing assertion reads plainly.
const SUCCESS = 0;
const FAIL = 2;
const SCHEDULED = 0;
const MANUAL = 1;

// Default schedule for this file: three quick retries.
const server = serverForTests({ OUTBOUND_RETRY_SCHEDULE: "200ms,200ms,200ms" });

interface Subscription {
  app: ApplicationOut;
  endpoint: EndpointOut;
  secret: string;
}

/** A fresh app with one endpoint pointing at `target`, plus that endpoint's signing secret. */
async function subscribe(
  svix: Svix,
  target: Receiver,
  name: string,
  extra: Partial<EndpointIn> = {},
): Promise<Subscription> {
  const app = await svix.application.create({ name });
  const endpoint = await svix.endpoint.create(app.id, { url: target.url, ...extra });
  const { key } = await svix.endpoint.getSecret(app.id, endpoint.id);
  return { app, endpoint, secret: key };
}

/** Attempts of one message, oldest first. */
async function attemptsOf(svix: Svix, appId: string, msgId: string): Promise<MessageAttemptOut[]> {
  const page = await svix.messageAttempt.listByMsg(appId, msgId, { limit: 100 });
  return [...page.data].sort(
    (a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.id.localeCompare(b.id),
  );
}

/** The message's delivery status towards one endpoint (listAttemptedDestinations). */
async function destinationStatus(svix: Svix, appId: string, msgId: string, endpointId: string) {
  const destinations = await svix.messageAttempt.listAttemptedDestinations(appId, msgId);
  return destinations.data.find((destination) => destination.id === endpointId)?.status;
}

test("a message is delivered once, exactly as sent, signed, with custom headers and recorded attempts", async (t) => {
  const target = await receiverForTest(t);
  const { app, endpoint, secret } = await subscribe(server.svix, target, "delivery", {
    headers: { "X-Tenant": "acme" },
  });
  const payload = {
    type: "user.created",
    data: { id: "u_1", name: "Zoë O'Brien", tags: ["a", "b"], nested: { n: 1.5, ok: true, none: null } },
  };

  const message = await server.svix.message.create(app.id, { eventType: "user.created", payload });
  const [request] = await target.waitFor(1);
  assert.ok(request);

  assert.equal(request.method, "POST");
  assert.deepEqual(JSON.parse(request.body), payload);
  assert.equal(request.headers["webhook-id"], message.id);
  assert.match(request.headers["content-type"] ?? "", /^application\/json/);
  assert.equal(request.headers["x-tenant"], "acme");
  assert.match(request.headers["user-agent"] ?? "", /^Outbound\//);
  const timestamp = Number(request.headers["webhook-timestamp"]);
  assert.ok(Math.abs(timestamp - Date.now() / 1000) < 60, `webhook-timestamp ${timestamp} is about now`);

  assert.deepEqual(
    verifyRequest(request, secret),
    payload,
    "standardwebhooks verifies with the endpoint secret",
  );
  const wrongSecret = `whsec_${randomBytes(24).toString("base64")}`;
  assert.throws(() => verifyRequest(request, wrongSecret), /signature/i);

  const byMessage = await eventually(
    () => attemptsOf(server.svix, app.id, message.id),
    (attempts) => attempts.length > 0 && attempts.every((a) => a.status === SUCCESS),
    "a successful attempt listed by message",
  );
  assert.equal(byMessage.length, 1);
  const [attempt] = byMessage;
  assert.ok(attempt);
  assert.equal(attempt.status, SUCCESS);
  assert.equal(attempt.responseStatusCode, 200);
  assert.equal(attempt.msgId, message.id);
  assert.equal(attempt.endpointId, endpoint.id);
  assert.equal(attempt.triggerType, SCHEDULED);
  assert.equal(attempt.url, target.url);
  assert.match(attempt.id, /^atmpt_/);

  const byEndpoint = await server.svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
  assert.deepEqual(
    byEndpoint.data.map((a) => [a.id, a.status, a.responseStatusCode]),
    [[attempt.id, SUCCESS, 200]],
  );

  const destinations = await server.svix.messageAttempt.listAttemptedDestinations(app.id, message.id);
  assert.deepEqual(
    destinations.data.map((d) => [d.id, d.status]),
    [[endpoint.id, SUCCESS]],
  );

  // Fails if a delivered message is sent again (a retry planned after the success, a claim taken twice): that
  // delivery would stay pending or sending until its request had reached the receiver.
  await endpointSettled(server.svix, app.id, endpoint.id);
  assert.equal(target.requests.length, 1, "a delivered message is not sent again");
});

test("a failing endpoint is retried until it succeeds", async (t) => {
  const target = await receiverForTest(t, (_req, n) =>
    n <= 2 ? { status: 500, body: "boom" } : { status: 200 },
  );
  const { app, endpoint, secret } = await subscribe(server.svix, target, "retry");

  const message = await server.svix.message.create(app.id, {
    eventType: "order.placed",
    payload: { order: 1 },
  });
  const requests = await target.waitFor(3);
  assert.deepEqual(
    requests.map((r) => r.headers["webhook-id"]),
    [message.id, message.id, message.id],
  );
  target.verify(secret);

  const attempts = await eventually(
    () => attemptsOf(server.svix, app.id, message.id),
    (list) => list.length >= 3 && list.some((a) => a.status === SUCCESS),
    "three attempts, the last successful",
  );
  assert.deepEqual(
    attempts.map((a) => [a.status, a.responseStatusCode]),
    [
      [FAIL, 500],
      [FAIL, 500],
      [SUCCESS, 200],
    ],
  );
  assert.equal(attempts[0]?.response, "boom", "the response body is recorded");

  // Fails if a retry is still planned, or sent, after the successful third attempt.
  await endpointSettled(server.svix, app.id, endpoint.id);
  assert.equal(target.requests.length, 3, "no retry after the success");
});

test("410 Gone disables the endpoint and stops deliveries", async (t) => {
  const target = await receiverForTest(t, () => ({ status: 410 }));
  const { app, endpoint } = await subscribe(server.svix, target, "gone");

  await server.svix.message.create(app.id, { eventType: "order.placed", payload: { order: 1 } });
  await target.waitFor(1);
  await eventually(
    () => server.svix.endpoint.get(app.id, endpoint.id),
    (current) => current.disabled === true,
    "the endpoint to be disabled",
  );

  await server.svix.message.create(app.id, { eventType: "order.placed", payload: { order: 2 } });
  // Fails if the 410 is retried or the disabled endpoint is sent message 2: either is a delivery that stays
  // pending or sending until its request arrives (a row routed while the endpoint was disabling is failed unsent).
  await endpointSettled(server.svix, app.id, endpoint.id);
  assert.equal(target.requests.length, 1, "no retry and no new message after 410");
});

test("Retry-After on 503 delays the next attempt", async (t) => {
  const quick = await startServer({ OUTBOUND_RETRY_SCHEDULE: "100ms,100ms,100ms" });
  t.after(() => quick.stop());
  const target = await receiverForTest(t, (_req, n) =>
    n === 1 ? { status: 503, headers: { "Retry-After": "1" } } : { status: 200 },
  );
  const { app } = await subscribe(quick.svix, target, "retry-after");

  await quick.svix.message.create(app.id, { eventType: "order.placed", payload: { order: 1 } });
  const [first, second] = await target.waitFor(2, 20_000);
  assert.ok(first && second);
  const gap = second.receivedAt - first.receivedAt;
  t.diagnostic(`gap between the 503 and the retry: ${gap} ms`);
  assert.ok(gap >= 900, `second attempt came ${gap} ms after the first; Retry-After asked for 1 s`);
});

test("an exhausted retry schedule marks the message failed for that endpoint", async (t) => {
  const short = await startServer({ OUTBOUND_RETRY_SCHEDULE: "100ms,100ms" });
  t.after(() => short.stop());
  const target = await receiverForTest(t, () => ({ status: 500 }));
  const { app, endpoint } = await subscribe(short.svix, target, "exhausted");

  const message = await short.svix.message.create(app.id, {
    eventType: "order.placed",
    payload: { order: 1 },
  });
  await target.waitFor(3);
  const status = await eventually(
    () => destinationStatus(short.svix, app.id, message.id, endpoint.id),
    (value) => value === FAIL,
    "the message to be failed for the endpoint",
  );
  assert.equal(status, FAIL);

  const attempted = await short.svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id);
  assert.deepEqual(
    attempted.data.map((m) => [m.id, m.status]),
    [[message.id, FAIL]],
  );
  // Fails if an attempt beyond the schedule is planned or sent after the delivery was marked failed.
  await endpointSettled(short.svix, app.id, endpoint.id);
  assert.equal(target.requests.length, 3, "one attempt plus one per schedule step, no more");
});

test("resend delivers the same message again as a manual attempt", async (t) => {
  const target = await receiverForTest(t);
  const { app, endpoint, secret } = await subscribe(server.svix, target, "resend");

  const message = await server.svix.message.create(app.id, {
    eventType: "order.placed",
    payload: { order: 7 },
  });
  await target.waitFor(1);
  await eventually(
    () => attemptsOf(server.svix, app.id, message.id),
    (attempts) => attempts.some((a) => a.status === SUCCESS),
    "the first delivery to be recorded",
  );

  await server.svix.messageAttempt.resend(app.id, message.id, endpoint.id);
  const requests = await target.waitFor(2);
  assert.equal(requests[1]?.headers["webhook-id"], message.id);
  assert.equal(requests[1]?.body, requests[0]?.body);
  target.verify(secret);

  const attempts = await eventually(
    () => attemptsOf(server.svix, app.id, message.id),
    (list) => list.some((a) => a.triggerType === MANUAL && a.status === SUCCESS),
    "a successful manual attempt",
  );
  assert.deepEqual(
    attempts.map((a) => [a.triggerType, a.status]),
    [
      [SCHEDULED, SUCCESS],
      [MANUAL, SUCCESS],
    ],
  );
});

test("after rotating the secret, deliveries carry signatures for both the old and the new secret", async (t) => {
  const target = await receiverForTest(t);
  const { app, endpoint, secret: oldSecret } = await subscribe(server.svix, target, "rotate");

  await server.svix.message.create(app.id, { eventType: "order.placed", payload: { before: true } });
  const [beforeRotation] = await target.waitFor(1);
  assert.equal(beforeRotation?.headers["webhook-signature"]?.split(" ").length, 1);

  await server.svix.endpoint.rotateSecret(app.id, endpoint.id, {});
  const { key: newSecret } = await server.svix.endpoint.getSecret(app.id, endpoint.id);
  assert.match(newSecret, /^whsec_/);
  assert.notEqual(newSecret, oldSecret);

  const message = await server.svix.message.create(app.id, {
    eventType: "order.placed",
    payload: { after: true },
  });
  const requests = await target.waitFor(2);
  const afterRotation = requests[1];
  assert.ok(afterRotation);
  assert.equal(afterRotation.headers["webhook-id"], message.id);
  const signatures = (afterRotation.headers["webhook-signature"] ?? "").split(" ");
  assert.equal(signatures.length, 2, `two signatures: ${afterRotation.headers["webhook-signature"]}`);
  for (const signature of signatures) assert.match(signature, /^v1,[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(verifyRequest(afterRotation, oldSecret), { after: true }, "verifies with the old secret");
  assert.deepEqual(verifyRequest(afterRotation, newSecret), { after: true }, "verifies with the new secret");
});

test("routing by event type and channel", async (t) => {
  await ensureEventType(server.svix, "user.created");
  await ensureEventType(server.svix, "invoice.paid");
  const a = await receiverForTest(t);
  const b = await receiverForTest(t);
  const c = await receiverForTest(t);
  const app = await server.svix.application.create({ name: "routing" });
  const endpoints = [
    await server.svix.endpoint.create(app.id, { url: a.url, eventTypes: ["user.created"] }),
    await server.svix.endpoint.create(app.id, { url: b.url }),
    await server.svix.endpoint.create(app.id, { url: c.url, channels: ["project_1"] }),
  ];

  const userCreated = await server.svix.message.create(app.id, {
    eventType: "user.created",
    payload: { n: 1 },
  });
  const invoicePaid = await server.svix.message.create(app.id, {
    eventType: "invoice.paid",
    channels: ["project_1"],
    payload: { n: 2 },
  });

  await Promise.all([a.waitFor(1), b.waitFor(2), c.waitFor(1)]);
  // Fails if a message is routed to an endpoint that filters it out: that delivery would stay pending or sending
  // until it reached the wrong receiver.
  for (const endpoint of endpoints) await endpointSettled(server.svix, app.id, endpoint.id);
  assert.deepEqual(a.messageIds(), [userCreated.id], "A (user.created only) gets user.created only");
  assert.deepEqual(b.messageIds().sort(), [userCreated.id, invoicePaid.id].sort(), "B (no filter) gets both");
  assert.deepEqual(c.messageIds(), [invoicePaid.id], "C (channel project_1) gets only the project_1 message");
});

test("recover resends failed messages once the endpoint works again", async (t) => {
  const oneRetry = await startServer({ OUTBOUND_RETRY_SCHEDULE: "100ms" });
  t.after(() => oneRetry.stop());
  const target = await receiverForTest(t, () => ({ status: 500 }));
  const { app, endpoint, secret } = await subscribe(oneRetry.svix, target, "recover");

  const message = await oneRetry.svix.message.create(app.id, {
    eventType: "order.placed",
    payload: { order: 9 },
  });
  await target.waitFor(2);
  await eventually(
    () => destinationStatus(oneRetry.svix, app.id, message.id, endpoint.id),
    (status) => status === FAIL,
    "the message to be failed",
  );
  assert.equal(target.requests.length, 2);

  target.respondWith(() => ({ status: 200 }));
  await oneRetry.svix.endpoint.recover(app.id, endpoint.id, { since: new Date(Date.now() - 60_000) });
  const requests = await target.waitFor(3);
  assert.equal(requests[2]?.headers["webhook-id"], message.id);
  target.verify(secret);
  await eventually(
    () => destinationStatus(oneRetry.svix, app.id, message.id, endpoint.id),
    (status) => status === SUCCESS,
    "the recovered message to be successful",
  );
});

test("sendExample delivers a signed example of the event type", async (t) => {
  const example = { user: { id: "u_42", email: "ada@example.com" } };
  await ensureEventType(server.svix, "user.created", {
    "1": { type: "object", properties: { user: { type: "object" } }, examples: [example] },
  });
  const target = await receiverForTest(t);
  const { app, endpoint, secret } = await subscribe(server.svix, target, "example");

  const message = await server.svix.endpoint.sendExample(app.id, endpoint.id, { eventType: "user.created" });
  assert.equal(message.eventType, "user.created");
  const [request] = await target.waitFor(1);
  assert.ok(request);
  assert.equal(request.headers["webhook-id"], message.id);
  assert.deepEqual(verifyRequest(request, secret), example);
});

test("endpoint stats count successes and failures", async (t) => {
  const target = await receiverForTest(t, (req) =>
    (JSON.parse(req.body) as { ok: boolean }).ok ? { status: 200 } : { status: 500 },
  );
  const { app, endpoint } = await subscribe(server.svix, target, "stats");

  for (const ok of [true, true, true, false, false]) {
    await server.svix.message.create(app.id, { eventType: "order.placed", payload: { ok } });
  }
  const stats = await eventually(
    () => server.svix.endpoint.getStats(app.id, endpoint.id),
    (current) => current.success === 3 && current.fail === 2,
    "3 successes and 2 failures",
  );
  assert.deepEqual(
    { success: stats.success, fail: stats.fail, pending: stats.pending, sending: stats.sending },
    { success: 3, fail: 2, pending: 0, sending: 0 },
  );
});

test("a hung endpoint does not hold up another endpoint of the same app", async (t) => {
  // The hung endpoint's requests cannot time out during the test, so if the fast endpoint had to wait for them
  // (one queue per app, worker slots all held by the hung sends) its 20 messages would never all arrive: no
  // stopwatch needed.
  const bounded = await startServer({
    OUTBOUND_RETRY_SCHEDULE: "200ms,200ms,200ms",
    OUTBOUND_REQUEST_TIMEOUT: "1h",
  });
  t.after(() => bounded.stop());
  const hung = await receiverForTest(t, () => ({ delayMs: Number.POSITIVE_INFINITY }));
  const fast = await receiverForTest(t);
  const app = await bounded.svix.application.create({ name: "isolation" });
  await bounded.svix.endpoint.create(app.id, { url: hung.url });
  await bounded.svix.endpoint.create(app.id, { url: fast.url });

  const sent: string[] = [];
  for (let i = 0; i < 20; i++) {
    sent.push((await bounded.svix.message.create(app.id, { eventType: "order.placed", payload: { i } })).id);
  }
  await fast.waitUntil(
    (requests) => new Set(requests.map((r) => r.headers["webhook-id"])).size >= 20,
    "all 20 messages at the fast endpoint",
  );
  t.diagnostic(`hung endpoint holds ${hung.requests.length} request(s) open`);
  assert.deepEqual(fast.messageIds().filter(unique).sort(), [...sent].sort());
  assert.ok(hung.requests.length >= 1, "the hung endpoint was tried (and is stuck)");
  assert.equal(
    new Set(hung.messageIds()).size,
    hung.requests.length,
    "no hung request was given up and retried: all were still open while the fast endpoint got everything",
  );
  // Closed before the server stops, so its open requests fail at once instead of holding the shutdown's grace.
  await hung.close();
});

function unique<T>(value: T, index: number, all: T[]): boolean {
  return all.indexOf(value) === index;
}
