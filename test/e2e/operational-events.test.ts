/** `endpoint.disabled` reaches the application's endpoints that subscribe to it explicitly, and no others. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver, verifyRequest } from "../support/receiver.ts";
import { startServer, stopAllServers } from "../support/server.ts";

after(stopAllServers);

type DeliveryStats = { success: number; pending: number; sending: number; fail: number };

test("a 410 disables the endpoint and emits endpoint.disabled to explicit subscribers", async (t) => {
  const server = await startServer();
  const gone = await startReceiver(() => ({ status: 410 }));
  const ops = await startReceiver();
  const everything = await startReceiver();
  t.after(() => Promise.all([gone.close(), ops.close(), everything.close()]));
  const app = await server.svix.application.create({ name: "ops", uid: "ops-app" });
  const dead = await server.svix.endpoint.create(app.id, { url: gone.url, uid: "dead-ep" });
  const watcher = await server.svix.endpoint.create(app.id, {
    url: ops.url,
    eventTypes: ["endpoint.disabled"],
  });
  const catchAll = await server.svix.endpoint.create(app.id, { url: everything.url });
  const { key } = await server.svix.endpoint.getSecret(app.id, watcher.id);

  await server.svix.message.create(app.id, { eventType: "order.created", payload: { id: 1 } });
  const [event] = await ops.waitFor(1);
  const body = verifyRequest(event!, key) as { type: string; data: Record<string, unknown> };
  assert.equal(body.type, "endpoint.disabled");
  assert.equal(body.data.appId, app.id);
  assert.equal(body.data.appUid, "ops-app");
  assert.equal(body.data.endpointId, dead.id);
  assert.equal(body.data.endpointUid, "dead-ep");
  assert.ok(!Number.isNaN(Date.parse(String(body.data.failSince))));
  assert.equal((await server.svix.endpoint.get(app.id, dead.id)).disabled, true);

  // The endpoint.disabled message and its delivery rows were committed together before `ops` received it, so once
  // no endpoint has anything pending or in flight, nothing else can arrive.
  for (const [endpoint, name] of [
    [dead, "the disabled endpoint"],
    [watcher, "the endpoint.disabled subscriber"],
    [catchAll, "the endpoint without a filter"],
  ] as const) {
    await eventually(
      () => api<DeliveryStats>(server, "GET", `/api/v1/app/${app.id}/endpoint/${endpoint.id}/stats`),
      (response) => response.body.pending === 0 && response.body.sending === 0,
      `${name} to have nothing pending or in flight`,
    );
  }
  assert.equal(everything.requests.length, 1, "an endpoint without a filter only got the original message");
  assert.equal(ops.requests.length, 1);
  assert.equal(gone.requests.length, 1);
});
