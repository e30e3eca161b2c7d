/**
 * Seed 001 (OutRival): POST JSON with a hex HMAC-SHA256 of the raw body in `x-signature`, keyed with the secret the
 * user typed. The receiver below verifies exactly as the article's Express example does.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { createEndpoint } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

test("status-changed event arrives with a valid x-signature (hex HMAC of the raw body)", async () => {
  const secret = "your_shared_secret";
  const receiver = await startReceiver((req) => {
    const generated = createHmac("sha256", secret).update(req.body).digest("hex");
    return generated === req.headers["x-signature"]
      ? { status: 200, body: "Signature verified" }
      : { status: 403 };
  });
  try {
    const app = await server.svix.application.create({ name: "OutRival" });
    for (const name of ["status-changed", "conversation-updated", "function-call"]) {
      await server.svix.eventType.create({ name, description: `OutRival ${name}` });
    }
    await createEndpoint(server, app.id, {
      url: receiver.url,
      secret,
      eventTypes: ["status-changed", "conversation-updated", "function-call"],
      delivery: { signature: { scheme: "hmac-sha256-hex", header: "x-signature" } },
    });
    const payload = {
      event: "status-changed",
      type: "VOICE",
      companionId: "cmp_123",
      data: {
        messages: [{ role: "user", text: "Hi, I would like to reschedule — ünïcode too" }],
        status: "ended",
        startedAt: "2026-01-02T03:04:05.678Z",
        endedAt: "2026-01-02T03:09:05.678Z",
        endedReason: "customer-ended-call",
        phoneNumber: "+15555550123",
      },
    };
    await server.svix.message.create(app.id, { eventType: "status-changed", payload });
    const [request] = await receiver.waitFor(1);
    assert.ok(request);
    assert.equal(request.method, "POST");
    assert.deepEqual(JSON.parse(request.body), payload);
    assert.equal(
      request.headers["x-signature"],
      createHmac("sha256", secret).update(request.body).digest("hex"),
    );
    assert.equal(
      request.headers["webhook-signature"],
      undefined,
      "no Standard Webhooks signature with this scheme",
    );
    const endpointId = (await server.svix.endpoint.list(app.id)).data[0]!.id;
    const attempts = await eventually(
      () => server.svix.messageAttempt.listByEndpoint(app.id, endpointId),
      (list) => list.data.length === 1,
      "the attempt in the log",
    );
    assert.equal(attempts.data[0]?.responseStatusCode, 200);
    assert.equal(attempts.data[0]?.response, "Signature verified");
  } finally {
    await receiver.close();
  }
});

test("a user secret that is too short or not printable is refused with 422 naming `secret`", async () => {
  const app = await server.svix.application.create({ name: "OutRival bad secret" });
  for (const secret of ["short", "tab\there-secret"]) {
    const response = await fetch(`${server.url}/api/v1/app/${app.id}/endpoint`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        url: "http://127.0.0.1:9/hook",
        secret,
        delivery: { signature: { scheme: "hmac-sha256-hex" } },
      }),
    });
    assert.equal(response.status, 422);
    const body = (await response.json()) as { detail: Array<{ loc: string[] }> };
    assert.deepEqual(body.detail[0]?.loc, ["body", "secret"]);
  }
});
