/**
 * "Secrets and tokens are never logged" (README, docs/operations.md), checked at the most verbose level: a server
 * at LOG_LEVEL=trace goes through everything that touches a secret — endpoint secrets given and generated,
 * rotations, basic/bearer/header credentials, sensitive custom headers, portal tokens, successful and failing
 * deliveries, 401/403/4xx/5xx answers, malformed bodies — and afterwards none of the secret values may appear
 * anywhere in what it wrote.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, test } from "node:test";
import { api, createEndpoint } from "../support/api.ts";
import { type HostileReceiver, startHostileReceiver } from "../support/hostile-receiver.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

let server: TestServer;
let receiver: Receiver;
let hostile: HostileReceiver;
let flakyCount = 0;

before(async () => {
  [server, receiver, hostile] = await Promise.all([
    startServer({
      LOG_LEVEL: "trace",
      OUTBOUND_RETRY_SCHEDULE: "100ms,100ms",
      OUTBOUND_REQUEST_TIMEOUT: "1s",
    }),
    // The receiver fails every other request to the "flaky" endpoint, so there are failures and retries too.
    startReceiver((req) => {
      if (!req.url.includes("flaky")) return undefined;
      flakyCount++;
      return flakyCount % 2 === 1 ? { status: 500, body: "no" } : undefined;
    }),
    startHostileReceiver(),
  ]);
});
after(async () => {
  await Promise.all([receiver.close(), hostile.close()]);
  await stopAllServers();
});
afterEach(reportServerLogsOnFailure);

const whsec = () => `whsec_${randomBytes(24).toString("base64")}`;
const token = (prefix: string) => `${prefix}_${randomBytes(18).toString("base64url")}`;

/** Every secret value the test hands to (or gets from) the server, by name. */
const secrets = new Map<string, string>();
function remember(name: string, value: string): string {
  secrets.set(name, value);
  return value;
}

async function raw(path: string, init: RequestInit): Promise<number> {
  const response = await fetch(`${server.url}${path}`, init);
  await response.arrayBuffer();
  return response.status;
}

test("no secret, credential or token appears in the logs at LOG_LEVEL=trace", async (t) => {
  const { svix } = server;
  remember("OUTBOUND_API_TOKEN", server.token);
  const app = await svix.application.create({ name: "secrets", uid: "secrets-app" });

  // 1. Standard Webhooks secrets: given at creation, then rotated to a given key and to a generated one.
  const signed = await svix.endpoint.create(app.id, {
    url: `${receiver.url}/signed`,
    secret: remember("endpoint secret (given)", whsec()),
    headers: {
      "X-Api-Key": remember("custom header X-Api-Key", token("hdr")),
      Authorization: `Bearer ${remember("custom header Authorization", token("hdrauth"))}`,
      "X-Tenant": "acme",
    },
  });
  await svix.endpoint.rotateSecret(app.id, signed.id, { key: remember("rotated secret (given)", whsec()) });
  await svix.endpoint.rotateSecret(app.id, signed.id, {});
  remember("rotated secret (generated)", (await svix.endpoint.getSecret(app.id, signed.id)).key);
  await svix.endpoint.patchHeaders(app.id, signed.id, {
    headers: { "X-Signing-Token": remember("patched header X-Signing-Token", token("patched")) },
  });

  // 2. Credentials through the raw API (Outbound's `delivery` extension), on failing and hanging receivers too.
  const basic = await createEndpoint(server, app.id, {
    url: `${receiver.url}/flaky-basic`,
    delivery: {
      credentials: { type: "basic", username: "u", password: remember("basic password", token("pw")) },
    },
  });
  const basicB64 = Buffer.from(`u:${secrets.get("basic password")}`).toString("base64");
  remember("basic credentials as sent (base64 of u:password)", basicB64);
  await createEndpoint(server, app.id, {
    url: hostile.url("/reset"),
    delivery: { credentials: { type: "bearer", token: remember("bearer token", token("bearer")) } },
  });
  await createEndpoint(server, app.id, {
    url: hostile.url("/hang"),
    delivery: {
      credentials: {
        type: "header",
        name: "x-hook-secret",
        value: remember("header credential", token("hc")),
      },
    },
  });
  const gone = await createEndpoint(server, app.id, {
    url: hostile.url("/gone"),
    secret: remember("secret of an endpoint that gets disabled", whsec()),
    delivery: { credentials: { type: "bearer", token: remember("bearer token (410)", token("gone")) } },
  });
  // Credentials replaced by a PATCH.
  const patched = await api(server, "PATCH", `/api/v1/app/${app.id}/endpoint/${basic.id}`, {
    delivery: {
      credentials: {
        type: "basic",
        username: "u",
        password: remember("basic password (patched)", token("pw2")),
      },
    },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const patchedB64 = Buffer.from(`u:${secrets.get("basic password (patched)")}`).toString("base64");
  remember("patched basic credentials as sent", patchedB64);

  // 3. Portal tokens, used for allowed and forbidden calls.
  const portal = await svix.authentication.appPortalAccess(app.id, {});
  remember("portal token", portal.token);
  const portalAuth = { authorization: `Bearer ${portal.token}` };
  assert.equal(await raw(`/api/v1/app/${app.id}/endpoint`, { headers: portalAuth }), 200);
  assert.equal(await raw("/api/v1/app", { headers: portalAuth }), 403);
  assert.equal(
    await raw(`/api/v1/auth/app-portal-access/${app.id}`, {
      method: "POST",
      headers: { ...portalAuth, "content-type": "application/json" },
      body: "{}",
    }),
    403,
  );

  // 4. Deliveries, some succeeding, some failing (500, reset, hang → timeout, 410).
  remember("a secret inside a message payload", token("payload"));
  const messageIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { id } = await svix.message.create(app.id, {
      eventType: "secret.test",
      payload: { i, apiKey: secrets.get("a secret inside a message payload") },
    });
    messageIds.push(id);
  }
  await eventually(
    () => svix.endpoint.get(app.id, gone.id),
    (ep) => ep.disabled === true,
    "the 410 endpoint to be disabled",
  );
  await receiver.waitUntil(
    (all) => all.filter((r) => r.url.includes("flaky")).length >= 4,
    "retries of the flaky endpoint",
  );
  await hostile.waitForHits("/reset", 3);
  await hostile.waitForHits("/hang", 3, 20_000);
  const signedRequests = receiver.requests.filter((r) => r.url.includes("signed"));
  assert.ok(signedRequests.length >= 3, "the signed endpoint received the messages");
  assert.equal(signedRequests[0]?.headers["x-api-key"], secrets.get("custom header X-Api-Key"));
  const basicRequests = receiver.requests.filter((r) => r.url.includes("flaky-basic"));
  assert.ok(
    basicRequests.some((r) => r.headers.authorization === `Basic ${patchedB64}`),
    "the credentials really were sent",
  );

  // 5. Unauthenticated and wrong-token calls, errors with a secret-bearing Authorization header.
  const wrong = remember("a wrong bearer token", token("wrong"));
  assert.equal(await raw(`/api/v1/app/${app.id}`, { headers: { authorization: `Bearer ${wrong}` } }), 401);
  assert.equal(
    await raw(`/api/v1/app/${app.id}`, { headers: { authorization: `Bearer ${server.token}x` } }),
    401,
  );
  assert.equal(
    await raw(`/api/v1/app/${app.id}`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${wrong}`).toString("base64")}` },
    }),
    401,
  );
  assert.equal(await raw("/api/v1/app", { method: "POST", body: "{}" }), 401);
  // A body that is not JSON: the parser's message quotes the start of the body.
  const notJson = remember("a secret in a malformed body", whsec());
  const malformed = await raw(`/api/v1/app/${app.id}/endpoint`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body: `${notJson} is not json`,
  });
  assert.equal(malformed, 400);
  // A validation error whose input is a secret (an invalid secret format echoes nothing back, hopefully).
  const badSecret = remember("an invalid endpoint secret", `whsec_${token("x")}!!`);
  const invalid = await api(server, "POST", `/api/v1/app/${app.id}/endpoint`, {
    url: `${receiver.url}/x`,
    secret: badSecret,
  });
  assert.equal(invalid.status, 422);
  // An odd query (a repeated endpoint_id once answered 500, and a 500 logs the error with its request id) with
  // secret-bearing headers: whatever the answer, the logs must not carry the caller's token.
  await raw(`/api/v1/app/${app.id}/attempt/msg/${messageIds[0]}?endpoint_id=a&endpoint_id=b`, {
    headers: { authorization: `Bearer ${server.token}`, "x-api-key": server.token },
  });

  await server.stop();
  const logs = server.logs();
  const lines = logs.split("\n").filter((line) => line.startsWith("{"));
  t.diagnostic(
    `${lines.length} JSON log lines, ${logs.length} characters in all; ${secrets.size} secrets checked`,
  );
  assert.ok(lines.length > 0, "the server logged something at trace level (else this test proves nothing)");
  assert.ok(
    logs.includes('"event":"endpoint.disabled"') && logs.includes(gone.id),
    "the log shows the deliveries happened (endpoint.disabled for the 410 endpoint)",
  );

  const leaks: string[] = [];
  for (const [name, value] of secrets) {
    const forms = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
    // A whsec_ secret is also leaked by its key part alone.
    if (value.startsWith("whsec_")) forms.add(value.slice("whsec_".length));
    for (const form of forms) {
      const at = logs.indexOf(form);
      if (at >= 0) {
        const line = logs.slice(logs.lastIndexOf("\n", at) + 1, logs.indexOf("\n", at));
        leaks.push(`${name} (${value.slice(0, 12)}…) in: ${line.slice(0, 400)}`);
        break;
      }
    }
  }
  assert.equal(leaks.length, 0, `secrets found in the logs:\n${leaks.join("\n")}`);
});
