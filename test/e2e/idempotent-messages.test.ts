/**
 * `POST …/msg` with an `idempotency-key` (the Svix SDKs send one with every POST): the key is reserved by the write
 * that stores the message, so twins racing with one key must still end with one message and one answer.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { beforeTests, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();
let appId = "";
beforeTests(async () => {
  appId = (await server.svix.application.create({ name: "idempotent messages" })).id;
});

const unique = () => randomBytes(5).toString("hex");

async function post(key: string, body: unknown) {
  const response = await fetch(`${server.url}/api/v1/app/${appId}/msg`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${server.token}`,
      "content-type": "application/json",
      "idempotency-key": key,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get("idempotent-replayed") === "true",
    body: (await response.json()) as { id?: string; code?: string },
  };
}

async function messagesTagged(tag: string): Promise<string[]> {
  return (await server.svix.message.list(appId, { tag })).data.map((m) => m.id);
}

test("twins sent at once with one key and one body: one message, the same answer for all", async () => {
  const key = unique();
  const tag = `twins-${key}`;
  const body = { eventType: "order.placed", payload: { n: 1 }, tags: [tag] };
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(key, body)));
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(8).fill(202),
  );
  const ids = new Set(answers.map((a) => a.body.id));
  assert.equal(ids.size, 1, `one message id for all: ${[...ids].join(", ")}`);
  assert.deepEqual(await messagesTagged(tag), [...ids]);
  assert.ok(
    answers.some((a) => !a.replayed),
    "one answer is the original",
  );
  const later = await post(key, body);
  assert.deepEqual([later.status, later.replayed, later.body.id], [202, true, [...ids][0]]);
});

test("twins with one key and different bodies: one message, the others 409 idempotency_conflict", async () => {
  const key = unique();
  const tag = `rivals-${key}`;
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      post(key, { eventType: "order.placed", payload: { i }, tags: [tag] }),
    ),
  );
  const accepted = answers.filter((a) => a.status === 202);
  assert.equal(accepted.length, 1, JSON.stringify(answers.map((a) => a.status)));
  for (const a of answers.filter((x) => x.status !== 202)) {
    assert.equal(a.status, 409);
    assert.equal(a.body.code, "idempotency_conflict");
  }
  assert.deepEqual(await messagesTagged(tag), [accepted[0]?.body.id]);
});

test("a keyed request that fails is answered the same way again, marked replayed", async () => {
  const key = unique();
  const invalid = { eventType: "", payload: {} };
  const first = await post(key, invalid);
  assert.equal(first.status, 422);
  const again = await post(key, invalid);
  assert.deepEqual([again.status, again.replayed, again.body], [422, true, first.body]);
});
