/**
 * Attempts keep the receiver's response headers (Outbound's `responseHeaders` extension): sent by a real loopback
 * receiver, read back through the raw API (the svix SDK drops fields it does not know, and must still parse).
 */
import assert from "node:assert/strict";
import { after, afterEach, before, type TestContext, test } from "node:test";
import { RESPONSE_HEADERS_MAX_COUNT } from "../../src/delivery/response-headers.ts";
import { api, createEndpoint } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { type Responder, startReceiver } from "../support/receiver.ts";
import {
  freePort,
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

interface AttemptJson {
  id: string;
  responseStatusCode: number;
  responseHeaders: Array<[string, string]> | null;
}

let server: TestServer;

before(async () => {
  server = await startServer();
});
after(stopAllServers);
afterEach(reportServerLogsOnFailure);

async function receiver(t: TestContext, responder: Responder) {
  const started = await startReceiver(responder);
  t.after(() => started.close());
  return started;
}

/** Sends one message to a fresh endpoint at `url` and returns its first attempt as the API shows it. */
async function firstAttempt(
  url: string,
  endpoint: Record<string, unknown> = {},
): Promise<{ appId: string; msgId: string; attempt: AttemptJson }> {
  const app = await server.svix.application.create({ name: "response headers" });
  await createEndpoint(server, app.id, { url, ...endpoint });
  const msg = await server.svix.message.create(app.id, { eventType: "user.created", payload: { id: 1 } });
  const attempts = await eventually(
    () => api<{ data: AttemptJson[] }>(server, "GET", `/api/v1/app/${app.id}/attempt/msg/${msg.id}`),
    (r) => r.status === 200 && r.body.data.length > 0,
    "an attempt",
  );
  const attempt = attempts.body.data.at(-1);
  assert.ok(attempt);
  return { appId: app.id, msgId: msg.id, attempt };
}

test("an attempt shows the receiver's response headers as received: bounded, Set-Cookie redacted", async (t) => {
  const extra = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`x-extra-${i}`, String(i)]));
  const target = await receiver(t, () => ({
    status: 201,
    headers: { "X-Receiver": "test", "Set-Cookie": "sid=s3cr3t; Path=/; HttpOnly", ...extra },
  }));
  const { appId, msgId, attempt } = await firstAttempt(target.url);
  assert.equal(attempt.responseStatusCode, 201);
  const headers = attempt.responseHeaders;
  assert.ok(headers, "headers were kept");
  assert.deepEqual(
    headers.slice(0, 3),
    [
      ["content-type", "text/plain"],
      ["x-receiver", "test"],
      ["set-cookie", "sid=(redacted); Path=/; HttpOnly"],
    ],
    "in the order received, names lower-case",
  );
  assert.equal(headers.length, RESPONSE_HEADERS_MAX_COUNT, "the first 64 of the 70+ headers");
  assert.deepEqual(headers.at(-1), ["x-extra-60", "60"]);
  assert.ok(!JSON.stringify(headers).includes("s3cr3t"), "the cookie's value is not stored");

  const one = await api<AttemptJson>(
    server,
    "GET",
    `/api/v1/app/${appId}/msg/${msgId}/attempt/${attempt.id}`,
  );
  assert.deepEqual(one.body.responseHeaders, headers, "the single attempt too");
  // The official SDK still parses attempts that carry the extension.
  const parsed = await server.svix.messageAttempt.get(appId, msgId, attempt.id);
  assert.equal(parsed.responseStatusCode, 201);

  const expunged = await api(
    server,
    "DELETE",
    `/api/v1/app/${appId}/msg/${msgId}/attempt/${attempt.id}/content`,
  );
  assert.equal(expunged.status, 204);
  const after = await api<AttemptJson>(
    server,
    "GET",
    `/api/v1/app/${appId}/msg/${msgId}/attempt/${attempt.id}`,
  );
  assert.equal(after.body.responseHeaders, null, "expunged with the response body");
});

test("Svix's attempt headers route: sent headers with secrets masked and named, response headers as received", async (t) => {
  const target = await receiver(t, () => ({ status: 200, headers: { "x-receiver": "test" } }));
  const { appId, msgId, attempt } = await firstAttempt(target.url, {
    headers: { "X-Tenant": "acme" },
    delivery: { credentials: { type: "bearer", token: "tok_live_123" } },
  });
  const [request] = await target.waitFor(1);
  assert.equal(request?.headers.authorization, "Bearer tok_live_123", "the receiver got the real token");
  const path = `/api/v1/app/${appId}/msg/${msgId}/attempt/${attempt.id}/headers`;
  const headers = await api<{
    sentHeaders: Record<string, string>;
    responseHeaders: Array<[string, string]> | null;
    sensitive: string[];
  }>(server, "GET", path);
  assert.equal(headers.status, 200, JSON.stringify(headers.body));
  assert.equal(headers.body.sentHeaders.authorization, "********");
  assert.equal(headers.body.sentHeaders["x-tenant"], "acme");
  assert.equal(headers.body.sentHeaders["webhook-id"], msgId);
  assert.deepEqual(headers.body.sensitive, ["authorization"]);
  assert.deepEqual(headers.body.responseHeaders, attempt.responseHeaders);
  assert.ok(headers.body.responseHeaders?.some(([name, value]) => name === "x-receiver" && value === "test"));
  assert.ok(!JSON.stringify(headers.body).includes("tok_live_123"));
  const missing = await api(
    server,
    "GET",
    `/api/v1/app/${appId}/msg/${msgId}/attempt/atmpt_doesnotexist/headers`,
  );
  assert.equal(missing.status, 404);
});

test("an attempt that got no HTTP response has null response headers", async () => {
  // A port that was free a moment ago and that nothing listens on: the connection is refused.
  const { attempt } = await firstAttempt(`http://127.0.0.1:${await freePort()}/hook`);
  assert.equal(attempt.responseStatusCode, 0);
  assert.equal(attempt.responseHeaders, null);
});
