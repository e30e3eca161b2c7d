/**
 * Payloads are data, kept exactly: `__proto__` and `constructor` keys survive storage, listing and delivery, and a
 * body that is not valid UTF-8 is refused (400) instead of being silently altered with replacement characters.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { api } from "../support/api.ts";
import { beforeTests, receiverForTests, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();
const receiver = receiverForTests();
let appId: string;

beforeTests(async () => {
  appId = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "fidelity" })).body.id;
  await api(server, "POST", `/api/v1/app/${appId}/endpoint`, { url: receiver.url });
});

function post(body: string | Uint8Array): Promise<Response> {
  return fetch(`${server.url}/api/v1/app/${appId}/msg`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body,
  });
}

test("__proto__ and constructor keys are kept as data", async () => {
  const payload = '{"__proto__":{"polluted":true},"constructor":{"prototype":1},"n":1}';
  const response = await post(`{"eventType":"fidelity.test","payload":${payload}}`);
  assert.equal(response.status, 202, await response.clone().text());
  const { id } = (await response.json()) as { id: string };
  const stored = await fetch(`${server.url}/api/v1/app/${appId}/msg/${id}`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  const text = await stored.text();
  assert.match(text, /"__proto__":\{"polluted":true\}/);
  assert.match(text, /"constructor":\{"prototype":1\}/);
  const [delivered] = await receiver.waitFor(1);
  assert.equal(delivered!.body, payload);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("a body that is not valid UTF-8 is a 400", async () => {
  const bytes = new Uint8Array([
    ...new TextEncoder().encode('{"eventType":"fidelity.test","payload":{"name":"'),
    0xff,
    0xfe,
    ...new TextEncoder().encode('"}}'),
  ]);
  const response = await post(bytes);
  assert.equal(response.status, 400);
  assert.match(await response.text(), /UTF-8/);
});

test("a __proto__ key outside a payload is refused by name, never silently dropped", async () => {
  const endpoint = await api<{ id: string }>(server, "POST", `/api/v1/app/${appId}/endpoint`, {
    url: receiver.url,
  });
  const response = await fetch(`${server.url}/api/v1/app/${appId}/endpoint/${endpoint.body.id}/headers`, {
    method: "PUT",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body: '{"headers":{"__proto__":"v","X-Ok":"1"}}',
  });
  assert.equal(response.status, 422);
  const body = (await response.json()) as { detail: Array<{ loc: string[] }> };
  assert.deepEqual(body.detail[0]?.loc, ["body", "headers", "__proto__"]);
  const metadata = await fetch(`${server.url}/api/v1/app`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body: '{"name":"x","metadata":{"__proto__":"y"}}',
  });
  assert.equal(metadata.status, 422);
});
