/**
 * Seed 000 (Rival external distribution): participants with an external identifier are sent an Invitation through
 * a webhook that carries `x-application: <env>-<name>` and the application's key token, so the receiver (e.g. a
 * Zapier/Twilio bridge to WhatsApp) can authenticate the call.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { api, createEndpoint } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

test("Invitation to a WhatsApp participant, authenticated with the prod application key", async () => {
  const key = "rk_live_7b2f0c9e4d";
  const receiver = await startReceiver((req) =>
    req.headers["x-application"] === "prod-acme-panel" && req.headers["x-application-key"] === key
      ? { status: 200 }
      : { status: 401 },
  );
  try {
    const app = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "Acme panel" })).body;
    const endpoint = await createEndpoint(server, app.id, {
      url: receiver.url,
      eventTypes: ["distribution.external"],
      delivery: { credentials: { type: "applicationKey", environment: "prod", name: "acme-panel", key } },
    });
    assert.deepEqual((endpoint.delivery as { credentials: unknown }).credentials, {
      type: "applicationKey",
      environment: "prod",
      name: "acme-panel",
      key: "********",
    });
    await api(server, "POST", `/api/v1/app/${app.id}/issuer`, { id: "whatsapp" });
    await api(server, "POST", `/api/v1/app/${app.id}/attribute`, { label: "FirstName", valueType: "String" });
    const participant = await api<{ id: string }>(server, "POST", `/api/v1/app/${app.id}/participant`, {
      externalIdentifiers: [{ issuer: "whatsapp", id: "+447700900123" }],
      attributes: { FirstName: "Ada", RecontactMethod: "External", TimeZone: "Europe/London" },
      consent: { given: true, source: "signup-form" },
    });
    assert.equal(participant.status, 201);
    const distribution = await api<{ id: string }>(server, "POST", `/api/v1/app/${app.id}/distribution`, {
      distributionType: "Invitation",
      message:
        "Hi {{participant.attributes.FirstName}}! Tell {{domainBrandName}} what you think: {{chatUrl}}",
      chatUrl: "https://chat.rival.example/{chatId}?src=whatsapp",
      domainBrandName: "Acme Panel",
    });
    assert.equal(distribution.status, 201);
    const [request] = await receiver.waitFor(1);
    const payload = JSON.parse(request!.body) as Record<string, unknown>;
    assert.equal(payload.chatUrl, `https://chat.rival.example/${payload.chatId}?src=whatsapp`);
    assert.equal(payload.message, `Hi Ada! Tell Acme Panel what you think: ${payload.chatUrl}`);
    assert.deepEqual((payload.participant as { externalIdentifiers: unknown }).externalIdentifiers, [
      { id: "+447700900123", issuer: "whatsapp" },
    ]);
    const attempts = await eventually(
      () => server.svix.messageAttempt.listByEndpoint(app.id, endpoint.id),
      (list) => list.data.length === 1,
      "the attempt",
    );
    assert.equal(attempts.data[0]?.responseStatusCode, 200, "the receiver accepted the application key");
  } finally {
    await receiver.close();
  }
});
