/**
 * Seed 003 (campaign chatbot webhook): POST JSON {campaignId, label, phoneNumber, date, response} plus option/keyword
 * when present, extra static body parameters, and custom headers the user can edit and delete.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { api, createEndpoint } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

test("campaign payload with static parameters and edited custom headers", async () => {
  const receiver = await startReceiver();
  try {
    const app = await server.svix.application.create({ name: "Campaigns" });
    const endpoint = await createEndpoint(server, app.id, {
      url: receiver.url,
      headers: { "X-Api-Key": "k-123", "X-Tenant": "acme", "X-Remove-Me": "1" },
      delivery: {
        mapping: {
          include: "all",
          fields: [
            { to: "campaignId", from: "campaignId" },
            { to: "label", from: "label" },
            { to: "phoneNumber", from: "phoneNumber" },
            { to: "date", from: "date" },
            { to: "response", from: "response" },
            { to: "source", value: "outbound" },
            { to: "priority", value: 2 },
          ],
        },
      },
    });
    // Edit one header and delete another (seed 003: edit and delete icons).
    await server.svix.endpoint.patchHeaders(app.id, endpoint.id, {
      headers: { "X-Tenant": "acme-eu", "X-Remove-Me": null } as unknown as Record<string, string>,
    });
    const headers = await server.svix.endpoint.getHeaders(app.id, endpoint.id);
    // Ordinary headers stay visible and editable; a credential-like one is redacted and named in `sensitive`.
    assert.deepEqual(headers.headers, { "X-Tenant": "acme-eu" });
    assert.deepEqual(headers.sensitive, ["X-Api-Key"]);

    const base = {
      campaignId: "cmp_42",
      label: "Welcome Message",
      phoneNumber: "+15555550123",
      date: "2026-01-02T03:04:05.678Z",
      response: "YES",
    };
    await server.svix.message.create(app.id, { eventType: "campaign.response", payload: base });
    await server.svix.message.create(app.id, {
      eventType: "campaign.response",
      payload: { ...base, response: "2", option: "2", keyword: "RAFFLE" },
    });
    const [first, second] = await receiver.waitFor(2);
    assert.ok(first && second);
    assert.equal(
      first.body,
      JSON.stringify({ ...base, source: "outbound", priority: 2 }),
      "exact bytes and key order",
    );
    assert.deepEqual(JSON.parse(second.body), {
      ...base,
      response: "2",
      source: "outbound",
      priority: 2,
      option: "2",
      keyword: "RAFFLE",
    });
    assert.equal(first.headers["x-api-key"], "k-123");
    assert.equal(first.headers["x-tenant"], "acme-eu");
    assert.equal(first.headers["x-remove-me"], undefined);
    assert.equal(first.headers["content-type"], "application/json");

    // The attempt log shows the request as sent, the key-like header masked (outcomes are written just after the
    // receiver answers, so wait for both attempts).
    type Attempts = {
      data: Array<{ request: { method: string; headers: Record<string, string>; body: string } }>;
    };
    const attempts = await eventually(
      () => api<Attempts>(server, "GET", `/api/v1/app/${app.id}/attempt/endpoint/${endpoint.id}`),
      (response) => response.body.data.length === 2,
      "two attempts in the log",
    );
    const logged = attempts.body.data.at(-1)?.request;
    assert.equal(logged?.method, "POST");
    assert.equal(logged?.headers["x-api-key"], "********");
    assert.equal(logged?.headers["x-tenant"], "acme-eu");
    assert.equal(logged?.body, first.body);
  } finally {
    await receiver.close();
  }
});

test("send-example goes through the same options, so the user sees exactly what the receiver gets", async () => {
  const receiver = await startReceiver();
  try {
    const app = await server.svix.application.create({ name: "Campaigns example" });
    await server.svix.eventType.create({
      name: "campaign.example",
      description: "example",
      schemas: {
        "1": { examples: [{ campaignId: "cmp_1", label: "Welcome", response: "YES", secret: "x" }] },
      },
    });
    const endpoint = await createEndpoint(server, app.id, {
      url: receiver.url,
      headers: { "X-Tenant": "acme" },
      delivery: {
        bodyEncoding: "form",
        mapping: {
          fields: [
            { to: "campaign", from: "campaignId" },
            { to: "answer", from: "response" },
            { to: "v", value: 1 },
          ],
        },
      },
    });
    await server.svix.endpoint.sendExample(app.id, endpoint.id, { eventType: "campaign.example" });
    const [request] = await receiver.waitFor(1);
    assert.equal(request?.body, "campaign=cmp_1&answer=YES&v=1");
    assert.equal(request?.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(request?.headers["x-tenant"], "acme");
  } finally {
    await receiver.close();
  }
});

test("a mapping with a bad path is refused with 422 at the field", async () => {
  const app = await server.svix.application.create({ name: "Campaigns bad mapping" });
  const response = await api<{ detail: Array<{ loc: string[] }> }>(
    server,
    "POST",
    `/api/v1/app/${app.id}/endpoint`,
    {
      url: "http://127.0.0.1:9/hook",
      delivery: {
        mapping: {
          fields: [
            { to: "a", from: "ok" },
            { to: "b", from: "bad..path" },
          ],
        },
      },
    },
  );
  assert.equal(response.status, 422);
  assert.deepEqual(response.body.detail[0]?.loc.slice(0, 5), ["body", "delivery", "mapping", "fields", "1"]);
});
