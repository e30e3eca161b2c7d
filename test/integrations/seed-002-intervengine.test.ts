/**
 * Seed 002 (Intervengine): a named webhook listening to selected event types, with an auto-generated secret that is
 * shown once and used to verify each request (Standard Webhooks).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startReceiver, verifyRequest } from "../support/receiver.ts";
import { serverForTests } from "../support/servers-for-tests.ts";
import { endpointSettled } from "../support/settled.ts";

const server = serverForTests();

const EVENT_TYPES = [
  "participant.created",
  "participant.profile_updated",
  "message.sent",
  "participant.tags_added",
];

test("CRM Sync webhook gets only its event types, signed with the generated secret", async () => {
  const receiver = await startReceiver();
  try {
    const app = await server.svix.application.create({ name: "Intervengine" });
    // Outbound creates the directory's event types (with schemas) at start-up.
    const names = (await server.svix.eventType.list()).data.map((type) => type.name);
    for (const name of EVENT_TYPES) assert.ok(names.includes(name), `${name} exists`);
    const endpoint = await server.svix.endpoint.create(app.id, {
      url: receiver.url,
      description: "CRM Sync",
      eventTypes: ["participant.created", "participant.profile_updated"],
    });
    assert.equal(endpoint.description, "CRM Sync");
    const { key } = await server.svix.endpoint.getSecret(app.id, endpoint.id);
    assert.match(key, /^whsec_[A-Za-z0-9+/=]{32,}$/);

    const created = { participant: { id: "p_1", firstName: "Ada" } };
    await server.svix.message.create(app.id, { eventType: "participant.created", payload: created });
    await server.svix.message.create(app.id, { eventType: "message.sent", payload: { messageId: "m_1" } });
    const updated = { participant: { id: "p_1" }, changed: ["firstName"] };
    await server.svix.message.create(app.id, { eventType: "participant.profile_updated", payload: updated });

    await receiver.waitFor(2);
    // Fails if message.sent is routed to the endpoint: that delivery would stay pending or sending until it arrived.
    await endpointSettled(server.svix, app.id, endpoint.id);
    assert.equal(receiver.requests.length, 2, "message.sent is not subscribed");
    const bodies = receiver.requests.map((req) => verifyRequest(req, key));
    assert.deepEqual(bodies, [created, updated]);
  } finally {
    await receiver.close();
  }
});
