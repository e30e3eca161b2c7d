/** Store contract for cancel-msgs (cancelPendingDeliveries) and statistics (countDeliveries, canceled counts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "../../src/ids.ts";
import { applicationRow, endpointRow, messageRow, pendingDelivery } from "../support/rows.ts";
import { forEachStore } from "./fixtures.ts";

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

forEachStore("Store conformance (statistics)", (ctx) => {
  test("cancelPendingDeliveries cancels only the endpoint's pending deliveries created before the time", async () => {
    const app = applicationRow(T0);
    await ctx.store.insertApplication(app);
    const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    const other = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    await ctx.store.insertEndpoint(ep);
    await ctx.store.insertEndpoint(other);
    const early = messageRow(app.id, T0);
    const done = messageRow(app.id, T0 + 1);
    const late = messageRow(app.id, T0 + 10);
    await ctx.store.insertMessage(early, [
      pendingDelivery(early, ep.id, T0 + HOUR),
      pendingDelivery(early, other.id, T0),
    ]);
    await ctx.store.insertMessage(done, [{ ...pendingDelivery(done, ep.id, T0), status: 0, dueAt: null }]);
    await ctx.store.insertMessage(late, [pendingDelivery(late, ep.id, T0 + 10)]);

    assert.equal(await ctx.store.cancelPendingDeliveries(ep.id, T0 + 5, T0 + 20), 1);
    const canceled = await ctx.store.getDelivery(early.id, ep.id);
    assert.equal(canceled?.status, 4);
    assert.equal(canceled?.dueAt, null);
    assert.equal((await ctx.store.getDelivery(early.id, other.id))?.status, 1);
    assert.equal((await ctx.store.getDelivery(done.id, ep.id))?.status, 0);
    assert.equal((await ctx.store.getDelivery(late.id, ep.id))?.status, 1);
    const stats = await ctx.store.endpointStats(ep.id, null, null);
    assert.deepEqual(stats, { success: 1, pending: 1, sending: 0, fail: 0, canceled: 1 });
    const claimed = await ctx.store.claimDueDeliveries({
      now: T0 + 2 * HOUR,
      limit: 10,
      leaseMs: 1000,
      endpointCap: 10,
      circuitThreshold: 5,
      owner: "test",
      rateHorizonMs: 5_000,
      paused: [],
    });
    assert.ok(
      !claimed.some((c) => c.message.id === early.id && c.endpoint.id === ep.id),
      "canceled is never claimed",
    );
  });

  test("countDeliveries groups by app, event type, status and bucket within the window", async () => {
    const app = applicationRow(T0);
    const other = applicationRow(T0);
    await ctx.store.insertApplication(app);
    await ctx.store.insertApplication(other);
    const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    const otherEp = endpointRow({ id: newId("ep", T0), appId: other.id, createdAt: T0, updatedAt: T0 });
    await ctx.store.insertEndpoint(ep);
    await ctx.store.insertEndpoint(otherEp);
    const rows = [
      [messageRow(app.id, T0 + 1, { eventType: "a" }), 0],
      [messageRow(app.id, T0 + 2, { eventType: "a" }), 0],
      [messageRow(app.id, T0 + HOUR + 1, { eventType: "a" }), 2],
      [messageRow(app.id, T0 + HOUR + 2, { eventType: "b" }), 4],
      [messageRow(app.id, T0 + 5 * HOUR, { eventType: "a" }), 0],
    ] as const;
    for (const [m, status] of rows) {
      await ctx.store.insertMessage(m, [{ ...pendingDelivery(m, ep.id, T0), status, dueAt: null }]);
    }
    const elsewhere = messageRow(other.id, T0 + 3, { eventType: "a" });
    await ctx.store.insertMessage(elsewhere, [
      { ...pendingDelivery(elsewhere, otherEp.id, T0), status: 0, dueAt: null },
    ]);

    const window = { since: T0, until: T0 + 2 * HOUR };
    const flat = await ctx.store.countDeliveries({ appId: app.id, ...window, bucketMs: null });
    const key = (r: { eventType: string; status: number; bucket: number | null; count: number }) =>
      `${r.eventType}/${r.status}/${r.bucket}/${r.count}`;
    assert.deepEqual(flat.map(key).sort(), ["a/0/null/2", "a/2/null/1", "b/4/null/1"]);
    assert.ok(flat.every((r) => r.appId === app.id));
    const hourly = await ctx.store.countDeliveries({ appId: app.id, ...window, bucketMs: HOUR });
    assert.deepEqual(hourly.map(key).sort(), [`a/0/${T0}/2`, `a/2/${T0 + HOUR}/1`, `b/4/${T0 + HOUR}/1`]);
    const onlyB = await ctx.store.countDeliveries({
      appId: app.id,
      ...window,
      eventTypes: ["b"],
      bucketMs: null,
    });
    assert.deepEqual(onlyB.map(key), ["b/4/null/1"]);
    const everyApp = await ctx.store.countDeliveries({ appId: null, ...window, bucketMs: null });
    assert.equal(
      everyApp.filter((r) => r.appId === other.id).reduce((n, r) => n + r.count, 0),
      1,
    );
  });
});
