/**
 * Store contract for claims that outlive a request: background tasks (owner + heartbeat, taken over once the
 * heartbeat is a lease old) and the heartbeats of `outbound listen` relay sessions. Two store instances on one
 * database stand for two processes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Store } from "../../src/store/store.ts";
import type { BackgroundTaskRow } from "../../src/store/types.ts";
import { appWithEndpoint, backgroundTask, endpoint, forEachStore, T0 } from "./fixtures.ts";

const LEASE = 30_000;

async function runningTasks(store: Store, count: number): Promise<BackgroundTaskRow[]> {
  const { a, ep } = await appWithEndpoint(store);
  const rows = Array.from({ length: count }, (_, i) => backgroundTask(a.id, ep.id, i));
  for (const row of rows) await store.insertBackgroundTask(row);
  return rows;
}

forEachStore("Store conformance (task claims and relay sessions)", (ctx) => {
  test("two stores racing for the same tasks: each task is taken by exactly one", async () => {
    const tasks = await runningTasks(ctx.store, 20);
    const second = await ctx.handle.open();
    const winners = await Promise.all(
      tasks.map(async (task) => {
        const [one, two] = await Promise.all([
          ctx.store.claimBackgroundTask(task.id, "one", T0 + 100, T0 + 100 - LEASE),
          second.claimBackgroundTask(task.id, "two", T0 + 100, T0 + 100 - LEASE),
        ]);
        return [one, two].filter((claimed) => claimed !== null);
      }),
    );
    for (const [i, won] of winners.entries())
      assert.equal(won.length, 1, `task ${i} was taken by ${won.length} stores`);
    // The claim hands back the task as stored, and nothing is left to claim.
    assert.deepEqual(winners[0]?.[0], tasks[0]);
    assert.deepEqual(await second.listClaimableBackgroundTasks(T0 + 100 - LEASE, 100), []);
  });

  test("a held task is taken over only once its heartbeat is a lease old; its former holder then loses it", async () => {
    const [task] = await runningTasks(ctx.store, 1);
    const other = await ctx.handle.open();
    const claim = (store: Store, owner: string, now: number) =>
      store.claimBackgroundTask(task!.id, owner, now, now - LEASE);

    assert.ok(await claim(ctx.store, "first", T0));
    assert.equal(
      await claim(ctx.store, "first", T0 + 1),
      null,
      "a second claim by the holder runs nothing twice",
    );
    assert.equal(
      await claim(other, "second", T0 + LEASE),
      null,
      "a lease old to the millisecond is still held",
    );
    assert.deepEqual(await other.listClaimableBackgroundTasks(T0 + LEASE - LEASE, 10), []);

    // Renewed, the claim holds past the first lease.
    assert.equal(await ctx.store.renewBackgroundTaskClaim(task!.id, "first", T0 + 20_000), true);
    assert.equal(await claim(other, "second", T0 + LEASE + 1), null);

    // The holder stops renewing (its process died): one lease after its last heartbeat the task is listed and taken.
    const stale = T0 + 20_000 + LEASE + 1;
    assert.deepEqual(
      (await other.listClaimableBackgroundTasks(stale - LEASE, 10)).map((row) => row.id),
      [task!.id],
    );
    assert.ok(await claim(other, "second", stale));
    assert.equal(await ctx.store.renewBackgroundTaskClaim(task!.id, "first", stale), false);
    const progress = { ...task!, cursor: "msg_late", data: { messagesSeen: 9 }, updatedAt: stale };
    assert.equal(
      await ctx.store.updateBackgroundTask(progress, "first"),
      false,
      "the former holder saves nothing",
    );
    assert.deepEqual(await ctx.store.getBackgroundTask(task!.id), task);

    // The new holder's progress is saved, and renews its heartbeat.
    assert.equal(await other.updateBackgroundTask(progress, "second"), true);
    assert.deepEqual(await ctx.store.getBackgroundTask(task!.id), progress);
    assert.equal(await claim(ctx.store, "first", stale + LEASE), null, "saving renewed the heartbeat");

    // Released on a clean stop, the task can be taken at once; finished, it cannot be taken or renewed.
    await other.releaseBackgroundTaskClaim(task!.id, "first"); // not its holder: no effect
    assert.equal(await claim(ctx.store, "first", stale + 1), null);
    await other.releaseBackgroundTaskClaim(task!.id, "second");
    assert.ok(await claim(ctx.store, "first", stale + 1));
    const finished = { ...progress, status: "finished" as const, updatedAt: stale + 2 };
    assert.equal(await ctx.store.updateBackgroundTask(finished, "first"), true);
    assert.equal(await ctx.store.renewBackgroundTaskClaim(task!.id, "first", stale + 3), false);
    assert.equal(await claim(other, "second", stale + 10 * LEASE), null);
    assert.deepEqual(await other.listClaimableBackgroundTasks(stale + 10 * LEASE, 10), []);
  });

  test("claimable tasks: unclaimed or stale running ones, oldest first, up to the limit", async () => {
    const tasks = await runningTasks(ctx.store, 4);
    const ids = tasks.map((task) => task.id);
    await ctx.store.claimBackgroundTask(ids[1]!, "fresh", T0 + LEASE, T0);
    await ctx.store.claimBackgroundTask(ids[2]!, "dead", T0, T0 - LEASE);
    const listed = async (limit: number) =>
      (await ctx.store.listClaimableBackgroundTasks(T0 + 1, limit)).map((row) => row.id);
    assert.deepEqual(await listed(10), [ids[0], ids[2], ids[3]]);
    assert.deepEqual(await listed(2), [ids[0], ids[2]]);
  });

  test("relay endpoints without a live session are listed as abandoned; live ones are not", async () => {
    const prefix = "https://relay.outbound.invalid/";
    const { a, ep: ordinary } = await appWithEndpoint(ctx.store);
    const relay = (token: string, i: number) => endpoint(a.id, T0 + i, { url: `${prefix}${token}` });
    const live = relay("live", 1);
    const stale = relay("stale", 2);
    const orphan = relay("never-had-a-session", 3);
    for (const ep of [live, stale, orphan]) await ctx.store.insertEndpoint(ep);
    const other = await ctx.handle.open();
    await ctx.store.touchRelaySession(stale.url, T0);
    await other.touchRelaySession(live.url, T0);
    await other.touchRelaySession(live.url, T0 + LEASE); // renewed by the process that serves its stream
    await ctx.store.touchRelaySession(`${prefix}no-endpoint-yet`, T0);

    const abandoned = async (staleBefore: number) =>
      (await other.listAbandonedRelayEndpoints(prefix, staleBefore, 10)).map((row) => row.endpointId).sort();
    assert.deepEqual(await abandoned(T0 + 1), [stale.id, orphan.id].sort());
    assert.deepEqual(await other.listAbandonedRelayEndpoints(prefix, T0 + 1, 1), [
      { appId: a.id, endpointId: [stale.id, orphan.id].sort()[0] },
    ]);
    assert.ok(!(await abandoned(T0 + 1)).includes(ordinary.id), "only URLs under the prefix");

    assert.equal(
      await ctx.store.deleteStaleRelaySessions(T0 + 1),
      2,
      "the stale session and the orphaned one",
    );
    assert.deepEqual(await abandoned(T0 + 1), [stale.id, orphan.id].sort());
    await other.deleteRelaySession(live.url);
    assert.deepEqual(await abandoned(T0 + 1), [live.id, stale.id, orphan.id].sort());
    assert.equal(await ctx.store.deleteStaleRelaySessions(T0 + 10 * LEASE), 0);
  });
});
