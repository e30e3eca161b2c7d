/**
 * Quotas per application and per token answer 429 with Retry-After and never spill over to another tenant.
 * Scaled down with tiny limits; bursts are sent concurrently so the result does not depend on the machine's speed
 * (a bucket of one token per second cannot grant ten requests that arrive within the same few milliseconds).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { api } from "../support/api.ts";
import { startServer } from "../support/server.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests({
  OUTBOUND_MAX_ENDPOINTS_PER_APP: "2",
  OUTBOUND_APP_MESSAGE_RATE: "1",
  OUTBOUND_PORTAL_TOKEN_RATE: "1",
});

async function newApp(name: string): Promise<string> {
  return (await api<{ id: string }>(server, "POST", "/api/v1/app", { name })).body.id;
}

async function rawStatus(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; retryAfter: string | null }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get("retry-after") };
}

test("endpoints per application are capped with a 429 naming the setting", async () => {
  const appId = await newApp("capped");
  for (let i = 0; i < 2; i++) {
    assert.equal(
      (await api(server, "POST", `/api/v1/app/${appId}/endpoint`, { url: `http://127.0.0.1:9/${i}` })).status,
      201,
    );
  }
  const third = await api(server, "POST", `/api/v1/app/${appId}/endpoint`, { url: "http://127.0.0.1:9/3" });
  assert.equal(third.status, 429);
  assert.match(JSON.stringify(third.body), /OUTBOUND_MAX_ENDPOINTS_PER_APP/);
  const other = await newApp("uncapped");
  assert.equal(
    (await api(server, "POST", `/api/v1/app/${other}/endpoint`, { url: "http://127.0.0.1:9/o" })).status,
    201,
  );
});

test("a burst of messages over the application's rate gets 429 with Retry-After; another app is unaffected", async () => {
  const noisy = await newApp("noisy");
  const quiet = await newApp("quiet");
  const burst = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      rawStatus(server.token, "POST", `/api/v1/app/${noisy}/msg`, { eventType: "x.y", payload: { i } }),
    ),
  );
  const limited = burst.filter((answer) => answer.status === 429);
  assert.ok(limited.length > 0, JSON.stringify(burst));
  assert.ok(burst.some((answer) => answer.status === 202));
  for (const answer of limited) assert.ok(Number(answer.retryAfter) >= 1, `retry-after ${answer.retryAfter}`);
  const calm = await rawStatus(server.token, "POST", `/api/v1/app/${quiet}/msg`, {
    eventType: "x.y",
    payload: {},
  });
  assert.equal(calm.status, 202);
});

test("a portal token is rate limited per token; the operator token is not", async () => {
  const appId = await newApp("portal-rate");
  const { token } = await server.svix.authentication.appPortalAccess(appId, {});
  const burst = await Promise.all(
    Array.from({ length: 10 }, () => rawStatus(token, "GET", `/api/v1/app/${appId}/endpoint`)),
  );
  assert.ok(
    burst.some((answer) => answer.status === 429),
    JSON.stringify(burst),
  );
  const operator = await Promise.all(
    Array.from({ length: 10 }, () => rawStatus(server.token, "GET", `/api/v1/app/${appId}/endpoint`)),
  );
  assert.deepEqual(
    operator.map((answer) => answer.status),
    Array(10).fill(200),
  );
});

test("the event catalog is capped, Outbound's own event types included", async () => {
  const own = (await server.svix.eventType.list({ limit: 250 })).data.length;
  const quota = await startServer({ OUTBOUND_MAX_EVENT_TYPES: String(own + 2) });
  const create = (name: string) => api(quota, "POST", "/api/v1/event-type", { name, description: name });
  assert.equal((await create("a.one")).status, 201);
  assert.equal((await create("a.two")).status, 201);
  const third = await create("a.three");
  assert.equal(third.status, 429);
  assert.match(JSON.stringify(third.body), /OUTBOUND_MAX_EVENT_TYPES/);
});
