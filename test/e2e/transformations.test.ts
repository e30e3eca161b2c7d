/** Svix transformations: JavaScript handler(webhook) in a WebAssembly sandbox, through the svix SDK. */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import { MessageStatus } from "svix";
import { api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver, verifyRequest } from "../support/receiver.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

test("a transformation changes method, URL, headers and payload; the new body is what is signed", async (t) => {
  const server = await startServer();
  const receiver = await receiverForTest(t);
  const app = await server.svix.application.create({ name: "transform" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
  const code = `function handler(webhook) {
    webhook.method = "PUT";
    webhook.url = webhook.url + "/orders/" + webhook.payload.id;
    webhook.headers["x-event"] = webhook.eventType;
    webhook.payload = { orderId: webhook.payload.id, total: webhook.payload.amount / 100 };
    return webhook;
  }`;
  await server.svix.endpoint.transformation.patch(app.id, endpoint.id, { code, enabled: true });
  const stored = await server.svix.endpoint.transformation.get(app.id, endpoint.id);
  assert.equal(stored.code, code);
  assert.equal(stored.enabled, true);

  await server.svix.message.create(app.id, { eventType: "order.paid", payload: { id: "o1", amount: 1250 } });
  const [request] = await receiver.waitFor(1);
  assert.equal(request?.method, "PUT");
  assert.equal(request?.url, "/hook/orders/o1");
  assert.equal(request?.headers["x-event"], "order.paid");
  const { key } = await server.svix.endpoint.getSecret(app.id, endpoint.id);
  assert.deepEqual(verifyRequest(request!, key), { orderId: "o1", total: 12.5 });

  // Disabled, the transformation is kept but no longer runs.
  await server.svix.endpoint.transformation.patch(app.id, endpoint.id, { enabled: false });
  await server.svix.message.create(app.id, { eventType: "order.paid", payload: { id: "o2", amount: 1 } });
  const requests = await receiver.waitFor(2);
  assert.equal(requests[1]?.method, "POST");
  assert.deepEqual(JSON.parse(requests[1]?.body ?? ""), { id: "o2", amount: 1 });
  assert.equal((await server.svix.endpoint.transformation.get(app.id, endpoint.id)).code, code);
});

test("webhook.cancel cancels the delivery (status 4) without a request", async (t) => {
  const server = await startServer();
  const receiver = await receiverForTest(t);
  const app = await server.svix.application.create({ name: "cancel" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
  await server.svix.endpoint.transformation.patch(app.id, endpoint.id, {
    code: "function handler(webhook) { webhook.cancel = webhook.payload.test === true; return webhook; }",
    enabled: true,
  });
  const skipped = await server.svix.message.create(app.id, { eventType: "a", payload: { test: true } });
  const sent = await server.svix.message.create(app.id, { eventType: "a", payload: { test: false } });
  const destinations = await eventually(
    () => server.svix.messageAttempt.listAttemptedDestinations(app.id, skipped.id),
    (page) => page.data[0]?.status === MessageStatus.Canceled,
    "the test message to be canceled",
  );
  assert.equal(destinations.data[0]?.statusText, "canceled");
  const attempts = await server.svix.messageAttempt.listByMsg(app.id, skipped.id);
  assert.equal(attempts.data.length, 1);
  assert.equal(attempts.data[0]?.status, MessageStatus.Canceled);
  assert.match(attempts.data[0]?.response ?? "", /canceled by the endpoint's transformation/);
  await receiver.waitFor(1);
  assert.deepEqual(receiver.messageIds(), [sent.id]);
  assert.equal((await server.svix.endpoint.getStats(app.id, endpoint.id)).canceled, 1);
});

test("a handler that loops, allocates without bound or throws fails only its attempts; others all arrive", async (t) => {
  const server = await startServer({ OUTBOUND_RETRY_SCHEDULE: "50ms" });
  const healthy = await startReceiver();
  const victim = await startReceiver();
  t.after(() => Promise.all([healthy.close(), victim.close()]));
  const app = await server.svix.application.create({ name: "bad code" });
  const handlers = {
    loops: "function handler(webhook) { while (true) {} }",
    allocates:
      "function handler(webhook) { let s = 'x'.repeat(65536); const keep = []; while (true) { s = s + s; keep.push(s.slice(1)); } }",
    throws: "function handler(webhook) { throw new Error('no such field: ' + webhook.payload.missing.x); }",
  };
  const bad = new Map<string, string>();
  for (const [name, code] of Object.entries(handlers)) {
    const endpoint = await server.svix.endpoint.create(app.id, { url: victim.url, uid: name });
    await server.svix.endpoint.transformation.patch(app.id, endpoint.id, { code, enabled: true });
    bad.set(name, endpoint.id);
  }
  await server.svix.endpoint.create(app.id, { url: healthy.url });

  const messages = [];
  for (let n = 0; n < 5; n++) {
    messages.push(await server.svix.message.create(app.id, { eventType: "a", payload: { n } }));
  }
  await healthy.waitFor(5);
  assert.deepEqual(healthy.messageIds().sort(), messages.map((m) => m.id).sort());

  const expected: Record<string, RegExp> = {
    loops: /time limit \(500 ms\)/,
    allocates: /memory limit \(16 MiB\)/,
    throws: /threw TypeError/,
  };
  for (const [name, endpointId] of bad) {
    const attempts = await eventually(
      () => server.svix.messageAttempt.listByEndpoint(app.id, endpointId, { limit: 250 }),
      (page) => page.data.length === 10,
      `two failed attempts of each message at the ${name} endpoint`,
      // One sandbox thread runs them in turn, the looping ones for their whole time limit each.
      60_000,
    );
    for (const attempt of attempts.data) {
      assert.equal(attempt.status, MessageStatus.Fail);
      assert.equal(attempt.responseStatusCode, 0);
      assert.match(attempt.response, expected[name]!, `${name}: ${attempt.response}`);
    }
  }
  assert.equal(victim.requests.length, 0, "no request was made for a failed transformation");
});

test("simulate runs the code without sending and reports errors as 422", async () => {
  const server = await startServer();
  const app = await server.svix.application.create({ name: "simulate" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: "http://127.0.0.1:9/sim" });
  const path = `/api/v1/app/${app.id}/endpoint/${endpoint.id}/transformation/simulate`;
  const ok = await api(server, "POST", path, {
    code: "function handler(webhook) { webhook.method = 'PATCH'; webhook.payload.seen = true; return webhook; }",
    eventType: "a",
    payload: { n: 1 },
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, {
    method: "PATCH",
    url: "http://127.0.0.1:9/sim",
    payload: JSON.stringify({ n: 1, seen: true }),
    cancel: false,
  });
  const broken = await api<{ detail: Array<{ loc: string[]; msg: string }> }>(server, "POST", path, {
    code: "function handler(webhook) { while (true) {} }",
    eventType: "a",
    payload: {},
  });
  assert.equal(broken.status, 422);
  assert.match(broken.body.detail[0]?.msg ?? "", /time limit/);
  assert.equal((await server.svix.message.list(app.id)).data.length, 0, "simulate creates no message");
});

test("a transformation cannot take an https-only application's deliveries to an http URL", async (t) => {
  const server = await startServer();
  const receiver = await receiverForTest(t);
  const created = await api<{ id: string }>(server, "POST", "/api/v1/app", {
    name: "https only",
    requireHttps: true,
  });
  assert.equal(created.status, 201);
  const appId = created.body.id;
  // Port 1 never answers; the handler points the delivery at the plain-http receiver instead.
  const endpoint = await server.svix.endpoint.create(appId, { url: "https://127.0.0.1:1/hook" });
  await server.svix.endpoint.transformation.patch(appId, endpoint.id, {
    code: `function handler(webhook) { webhook.url = ${JSON.stringify(receiver.url)}; return webhook; }`,
    enabled: true,
  });
  const message = await server.svix.message.create(appId, { eventType: "a", payload: { secret: 1 } });
  const attempts = await eventually(
    () => server.svix.messageAttempt.listByMsg(appId, message.id),
    (list) => list.data.length > 0,
    "the first attempt",
  );
  assert.equal(attempts.data[0]?.responseStatusCode, 0);
  assert.match(attempts.data[0]?.response ?? "", /https/);
  assert.equal(receiver.requests.length, 0, "nothing was sent over http");
});
