/**
 * Operational webhooks as today's Svix has them: endpoint.* and message.attempt.* events go, signed and logged, to
 * the operator's operational-webhook endpoints and never to application endpoints.
 */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import { rejectsWithStatus } from "../support/api-error.ts";
import { eventually } from "../support/poll.ts";
import { type ReceivedRequest, startReceiver, verifyRequest } from "../support/receiver.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

type OperationalEvent = { type: string; timestamp: string; data: Record<string, unknown> };

function events(requests: ReceivedRequest[], key: string): OperationalEvent[] {
  return requests.map((request) => verifyRequest(request, key) as OperationalEvent);
}

test("operational-webhook endpoints: CRUD, secret, headers, through the svix SDK", async () => {
  const server = await startServer();
  const ops = server.svix.operationalWebhook.endpoint;
  const created = await ops.create({
    url: "http://127.0.0.1:9/ops",
    uid: "ops-1",
    eventTypes: ["endpoint.disabled"],
    headers: { "X-Ops": "1" },
  });
  assert.equal((await ops.get("ops-1")).id, created.id);
  assert.deepEqual(
    (await ops.list()).data.map((e) => e.id),
    [created.id],
  );
  const updated = await ops.upsert(created.id, { url: "http://127.0.0.1:9/ops2", description: "on call" });
  assert.equal(updated.description, "on call");
  const { key } = await ops.getSecret(created.id);
  assert.match(key, /^whsec_/);
  await ops.rotateSecret(created.id, {});
  assert.notEqual((await ops.getSecret(created.id)).key, key);
  await ops.setHeaders(created.id, { headers: { "X-Other": "2" } });
  assert.deepEqual((await ops.getHeaders(created.id)).headers, { "X-Other": "2" });
  await rejectsWithStatus(ops.create({ url: "http://127.0.0.1:9/x", eventTypes: ["order.created"] }), 422);
  // The operational endpoints live outside every application.
  assert.equal((await server.svix.application.list()).data.length, 0);
  await ops.delete(created.id);
  await rejectsWithStatus(ops.get(created.id), 404);
  const portal = await server.svix.application.create({ name: "portal" });
  const { token } = await server.svix.authentication.appPortalAccess(portal.id, {});
  const response = await fetch(`${server.url}/api/v1/operational-webhook/endpoint`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 403, "a portal token cannot reach operational webhooks");
});

test("endpoint lifecycle events reach the operational endpoint, signed, and never an application endpoint", async (t) => {
  const server = await startServer();
  const gone = await startReceiver(() => ({ status: 410 }));
  const opsReceiver = await startReceiver();
  const appReceiver = await startReceiver();
  t.after(() => Promise.all([gone.close(), opsReceiver.close(), appReceiver.close()]));
  const opsEndpoint = await server.svix.operationalWebhook.endpoint.create({ url: opsReceiver.url });
  const { key } = await server.svix.operationalWebhook.endpoint.getSecret(opsEndpoint.id);

  const app = await server.svix.application.create({ name: "ops", uid: "ops-app" });
  const listener = await server.svix.endpoint.create(app.id, {
    url: appReceiver.url,
    eventTypes: ["endpoint.disabled", "endpoint.created", "order.created"],
  });
  const dead = await server.svix.endpoint.create(app.id, { url: gone.url, uid: "dead-ep" });
  await server.svix.endpoint.patch(app.id, listener.id, { description: "listening" });
  await server.svix.message.create(app.id, { eventType: "order.created", payload: { id: 1 } });
  await opsReceiver.waitFor(5);
  const seen = events(opsReceiver.requests, key);
  // Several messages to one endpoint may be in flight together: compare the sets, not the arrival order.
  assert.deepEqual(seen.map((e) => e.type).sort(), [
    "endpoint.created",
    "endpoint.created",
    "endpoint.disabled",
    "endpoint.updated",
    "message.attempt.exhausted",
  ]);
  const disabled = seen.find((e) => e.type === "endpoint.disabled");
  assert.deepEqual(disabled?.data, {
    appId: app.id,
    appUid: "ops-app",
    endpointId: dead.id,
    endpointUid: "dead-ep",
    failSince: disabled?.data.failSince,
    trigger: "automatic",
  });
  assert.ok(!Number.isNaN(Date.parse(String(disabled?.data.failSince))));
  assert.ok(!Number.isNaN(Date.parse(String(disabled?.timestamp))));
  assert.equal(seen.find((e) => e.type === "message.attempt.exhausted")?.data.endpointId, dead.id);

  await server.svix.endpoint.patch(app.id, dead.id, { disabled: false, url: appReceiver.url });
  await server.svix.endpoint.delete(app.id, dead.id);
  await opsReceiver.waitFor(8);
  assert.deepEqual(
    events(opsReceiver.requests, key)
      .slice(5)
      .map((e) => e.type)
      .sort(),
    ["endpoint.deleted", "endpoint.enabled", "endpoint.updated"],
  );
  // Each operational message is delivered once, with its attempt logged on the operational endpoint's app.
  assert.equal(new Set(opsReceiver.messageIds()).size, 8);
  // The application holds only its own message, and its endpoint only ever got that one.
  assert.deepEqual(
    (await server.svix.message.list(app.id)).data.map((m) => m.eventType),
    ["order.created"],
  );
  await appReceiver.waitFor(1);
  assert.deepEqual(
    appReceiver.requests.map((r) => (JSON.parse(r.body) as { id: number }).id),
    [1],
  );
});

test("message.attempt.failing on the fourth failure, recovered on a later success, exhausted at the end", async (t) => {
  const server = await startServer({ OUTBOUND_RETRY_SCHEDULE: "50ms,50ms,50ms,50ms,50ms" });
  let failUntil = 4;
  const flaky = await startReceiver((_request, n) => ({ status: n <= failUntil ? 500 : 200 }));
  const opsReceiver = await startReceiver();
  t.after(() => Promise.all([flaky.close(), opsReceiver.close()]));
  const opsEndpoint = await server.svix.operationalWebhook.endpoint.create({
    url: opsReceiver.url,
    eventTypes: ["message.attempt.failing", "message.attempt.recovered", "message.attempt.exhausted"],
  });
  const { key } = await server.svix.operationalWebhook.endpoint.getSecret(opsEndpoint.id);
  const app = await server.svix.application.create({ name: "flaky" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: flaky.url });

  const recovered = await server.svix.message.create(app.id, {
    eventType: "a",
    eventId: "evt-1",
    payload: {},
  });
  await opsReceiver.waitFor(2);
  const [failing, back] = events(opsReceiver.requests, key);
  assert.equal(failing?.type, "message.attempt.failing");
  assert.equal(back?.type, "message.attempt.recovered");
  assert.equal(failing?.data.msgId, recovered.id);
  assert.equal(failing?.data.msgEventId, "evt-1");
  assert.equal(failing?.data.endpointId, endpoint.id);
  const statusOf = (event: OperationalEvent | undefined) =>
    (event?.data.lastAttempt as { responseStatusCode?: number } | undefined)?.responseStatusCode;
  assert.equal(statusOf(failing), 500);
  assert.equal(statusOf(back), 200);

  failUntil = Number.POSITIVE_INFINITY;
  const lost = await server.svix.message.create(app.id, { eventType: "a", payload: {} });
  await opsReceiver.waitFor(4);
  const later = events(opsReceiver.requests, key).slice(2);
  assert.deepEqual(
    later.map((e) => e.type),
    ["message.attempt.failing", "message.attempt.exhausted"],
  );
  assert.equal(later[1]?.data.msgId, lost.id);
  const attempts = await eventually(
    () => server.svix.messageAttempt.listByMsg(app.id, lost.id),
    (page) => page.data.length === 6,
    "six attempts of the lost message",
  );
  assert.equal((later[1]?.data.lastAttempt as { id?: string } | undefined)?.id, attempts.data[0]?.id);
});

test("operational events are not held to the per-application message quota", async (t) => {
  const server = await startServer({ OUTBOUND_APP_MESSAGE_RATE: "1" });
  const opsReceiver = await receiverForTest(t);
  await server.svix.operationalWebhook.endpoint.create({
    url: opsReceiver.url,
    eventTypes: ["endpoint.created"],
  });
  const app = await server.svix.application.create({ name: "busy" });
  for (let n = 0; n < 5; n++) await server.svix.endpoint.create(app.id, { url: `http://127.0.0.1:9/${n}` });
  await opsReceiver.waitFor(5);
  assert.equal(opsReceiver.requests.length, 5);
});
