/** Store contract for background tasks and the replay-missing message walk. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "../../src/ids.ts";
import type { BackgroundTaskFilter, BackgroundTaskRow } from "../../src/store/types.ts";
import { applicationRow, endpointRow, messageRow, pendingDelivery } from "../support/rows.ts";
import { backgroundTask, forEachStore } from "./fixtures.ts";

const T0 = 1_800_000_000_000;

forEachStore("Store conformance (background tasks)", (ctx) => {
  test("tasks are stored, updated, read back and listed by status and kind", async () => {
    const app = applicationRow(T0);
    await ctx.store.insertApplication(app);
    const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    await ctx.store.insertEndpoint(ep);
    const task = (i: number, overrides: Partial<BackgroundTaskRow>) =>
      backgroundTask(app.id, ep.id, i, overrides);
    const replay = task(1, {});
    const bulk = task(2, { task: "endpoint.bulk-replay" });
    const exported = task(3, { task: "sdk.generate", status: "finished", appId: null, endpointId: null });
    for (const row of [replay, bulk, exported]) await ctx.store.insertBackgroundTask(row);
    assert.deepEqual(await ctx.store.getBackgroundTask(exported.id), exported);
    assert.equal(await ctx.store.getBackgroundTask("rtsk_missing"), null);

    const progressed = { ...replay, cursor: "msg_x", data: { messagesSeen: 5 }, updatedAt: T0 + 9 };
    await ctx.store.updateBackgroundTask(progressed);
    assert.deepEqual(await ctx.store.getBackgroundTask(replay.id), progressed);

    const page = { limit: 10, cursor: null, direction: "next", order: "asc" } as const;
    const ids = async (filter: BackgroundTaskFilter) =>
      (await ctx.store.listBackgroundTasks(filter, page)).items.map((row) => row.id);
    assert.deepEqual(await ids({ status: "running" }), [replay.id, bulk.id]);
    assert.deepEqual(await ids({ task: "sdk.generate" }), [exported.id]);
    assert.deepEqual(await ids({ status: "finished", task: "endpoint.replay" }), []);
    const first = await ctx.store.listBackgroundTasks({}, { ...page, limit: 2 });
    assert.equal(first.done, false);
    assert.equal(first.items.length, 2);
  });

  test("listReplayCandidates walks the window after the cursor with each message's delivery status", async () => {
    const app = applicationRow(T0);
    await ctx.store.insertApplication(app);
    const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    const other = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
    await ctx.store.insertEndpoint(ep);
    await ctx.store.insertEndpoint(other);
    const before = messageRow(app.id, T0 - 1);
    const none = messageRow(app.id, T0);
    const failed = messageRow(app.id, T0 + 1);
    const elsewhere = messageRow(app.id, T0 + 2);
    const late = messageRow(app.id, T0 + 100);
    await ctx.store.insertMessage(before, [pendingDelivery(before, ep.id, T0)]);
    await ctx.store.insertMessage(none, []);
    await ctx.store.insertMessage(failed, [
      { ...pendingDelivery(failed, ep.id, T0), status: 2, dueAt: null },
    ]);
    await ctx.store.insertMessage(elsewhere, [pendingDelivery(elsewhere, other.id, T0)]);
    await ctx.store.insertMessage(late, [pendingDelivery(late, ep.id, T0)]);

    const walk = (afterId: string | null, limit = 10) =>
      ctx.store.listReplayCandidates(app.id, ep.id, { since: T0, until: T0 + 100, afterId }, limit);
    const all = await walk(null);
    assert.deepEqual(
      all.map((c) => [c.message.id, c.status]),
      [
        [none.id, null],
        [failed.id, 2],
        [elsewhere.id, null],
      ],
    );
    assert.deepEqual(
      (await walk(none.id, 1)).map((c) => c.message.id),
      [failed.id],
    );
    assert.deepEqual(await walk(elsewhere.id), []);
  });
});
