/** Store contract: a message can reserve its idempotency key in the write that stores it, answer included. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DuplicateEventIdError, DuplicateKeyError } from "../../src/store/errors.ts";
import type { MessageRow } from "../../src/store/types.ts";
import { app, delivery, endpoint, forEachStore, message, T0 } from "./fixtures.ts";

const keyTaken = (error: unknown) => error instanceof DuplicateKeyError && error.key === "idempotency.key";
const answer = (key: string, body: string, at = T0) => ({
  key,
  statusCode: 202,
  body,
  reserve: { requestHash: `hash-${key}`, createdAt: at },
});

forEachStore("Store conformance (idempotency key reserved at insert)", (ctx) => {
  test("the key and its answer commit with the message; a key that exists refuses that write alone", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const ep = endpoint(a.id);
    await ctx.store.insertEndpoint(ep);
    const stored = async (m: MessageRow) => (await ctx.store.getMessage(a.id, m.id)) !== null;

    const first = message(a.id, T0);
    await ctx.store.insertMessage(first, [delivery(first, ep.id, T0)], answer("k1", "sealed-1"));
    assert.deepEqual(await ctx.store.getIdempotency("k1"), {
      key: "k1",
      requestHash: "hash-k1",
      statusCode: 202,
      body: "sealed-1",
      createdAt: T0,
    });

    // Twins with one key in the same batch, beside a write without one: one twin wins, the other and only it fails.
    const twins = [message(a.id, T0 + 1), message(a.id, T0 + 2)];
    const plain = message(a.id, T0 + 3);
    const results = await Promise.allSettled([
      ...twins.map((m, i) => ctx.store.insertMessage(m, [delivery(m, ep.id, T0)], answer("k2", `twin-${i}`))),
      ctx.store.insertMessage(plain, [delivery(plain, ep.id, T0)]),
    ]);
    assert.equal(results[2]?.status, "fulfilled");
    const won = results.slice(0, 2).map((r) => r.status === "fulfilled");
    assert.deepEqual(won.filter(Boolean).length, 1, "exactly one twin stored");
    const lost = results[won[0] ? 1 : 0];
    assert.ok(lost?.status === "rejected" && keyTaken(lost.reason), "the other is refused: key taken");
    assert.deepEqual(await Promise.all(twins.map(stored)), won);
    assert.equal((await ctx.store.getIdempotency("k2"))?.body, won[0] ? "twin-0" : "twin-1");
    assert.equal(await stored(plain), true);

    // A key stored earlier refuses a later write, which leaves nothing behind.
    const late = message(a.id, T0 + 4);
    await assert.rejects(
      ctx.store.insertMessage(late, [delivery(late, ep.id, T0)], answer("k1", "x")),
      keyTaken,
    );
    assert.equal(await stored(late), false);
    assert.equal((await ctx.store.getIdempotency("k1"))?.body, "sealed-1");
    assert.equal((await ctx.store.getDelivery(late.id, ep.id)) ?? null, null);
  });

  test("a message refused for its eventId leaves its key unreserved", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    await ctx.store.insertMessage(message(a.id, T0, "evt-1"), []);
    await assert.rejects(
      ctx.store.insertMessage(message(a.id, T0 + 1, "evt-1"), [], answer("k3", "x")),
      DuplicateEventIdError,
    );
    assert.equal(await ctx.store.getIdempotency("k3"), null);
  });
});
