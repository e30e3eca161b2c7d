/** Store contract for Svix parity on messages: tags filter listings; a scheduled delivery is not claimed early. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "../../src/ids.ts";
import type { PageQuery } from "../../src/store/types.ts";
import { applicationRow, endpointRow, messageRow, pendingDelivery } from "../support/rows.ts";
import { claimRequest, forEachStore, NO_CIRCUIT, OWNER, success } from "./fixtures.ts";

const T0 = 1_800_000_000_000;
const page: PageQuery = { limit: 50, cursor: null, direction: "next", order: "asc" };

forEachStore("Store conformance (message schedule and tags)", (ctx) => {
  test("tags and deliverAt round-trip; the tag filter narrows message, endpoint-message and attempt listings", async () => {
    const app = applicationRow(T0);
    await ctx.store.insertApplication(app);
    const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    await ctx.store.insertEndpoint(ep);
    const red = messageRow(app.id, T0 + 1, { tags: ["red", "project/1#a"], deliverAt: T0 + 5_000 });
    const blue = messageRow(app.id, T0 + 2, { tags: ["blue"] });
    const plain = messageRow(app.id, T0 + 3);
    for (const m of [red, blue, plain]) await ctx.store.insertMessage(m, [pendingDelivery(m, ep.id, T0)]);

    const stored = await ctx.store.getMessage(app.id, red.id);
    assert.deepEqual(stored?.tags, ["red", "project/1#a"]);
    assert.equal(stored?.deliverAt, T0 + 5_000);
    assert.equal((await ctx.store.getMessage(app.id, plain.id))?.tags, null);

    const ids = (items: Array<{ id: string }>) => items.map((m) => m.id);
    assert.deepEqual(ids((await ctx.store.listMessages(app.id, { tag: "project/1#a" }, page)).items), [
      red.id,
    ]);
    assert.deepEqual(ids((await ctx.store.listMessages(app.id, { tag: "blue" }, page)).items), [blue.id]);
    assert.deepEqual(ids((await ctx.store.listMessages(app.id, { tag: "green" }, page)).items), []);
    const endpointMessages = await ctx.store.listEndpointMessages(app.id, ep.id, { tag: "red" }, page);
    assert.deepEqual(
      endpointMessages.items.map((row) => row.message.id),
      [red.id],
    );

    // Attempts for red and blue (claimed and recorded as the worker does).
    const claimed = await ctx.store.claimDueDeliveries(claimRequest({ now: T0 + 10 }));
    await ctx.store.recordOutcomes(
      claimed.filter((c) => c.message.id !== plain.id).map((c) => success(c, T0 + 10)),
      { now: T0 + 10, owner: OWNER, circuit: NO_CIRCUIT },
    );
    const attempts = await ctx.store.listAttempts(app.id, { tag: "blue" }, page);
    assert.deepEqual(
      attempts.items.map((a) => a.msgId),
      [blue.id],
    );
  });

  test("a delivery due at deliverAt is not claimed before it, and is claimed from then on", async () => {
    const app = applicationRow(T0);
    await ctx.store.insertApplication(app);
    const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    await ctx.store.insertEndpoint(ep);
    const later = messageRow(app.id, T0, { deliverAt: T0 + 60_000 });
    await ctx.store.insertMessage(later, [pendingDelivery(later, ep.id, T0 + 60_000)]);
    const claim = (now: number) =>
      ctx.store.claimDueDeliveries({
        now,
        limit: 10,
        leaseMs: 30_000,
        endpointCap: 10,
        circuitThreshold: 5,
        owner: "test",
        rateHorizonMs: 5_000,
        paused: [],
      });
    assert.equal((await claim(T0 + 59_999)).filter((c) => c.message.id === later.id).length, 0);
    // Orphan release at start-up leaves pending (scheduled) rows as they are.
    await ctx.store.releaseOrphanedClaims(T0 + 1);
    assert.equal((await claim(T0 + 59_999)).filter((c) => c.message.id === later.id).length, 0);
    assert.equal(await ctx.store.nextDueAt(), T0 + 60_000);
    const claimed = (await claim(T0 + 60_000)).filter((c) => c.message.id === later.id);
    assert.equal(claimed.length, 1);
    assert.equal(claimed[0]?.message.deliverAt, T0 + 60_000);
  });
});
