/** Store contract: `nextDueAt` is when a claim can next take something, so a queue behind an open circuit waits. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  app,
  attempt,
  claimRequest,
  delivery,
  endpoint,
  forEachStore,
  message,
  NO_CIRCUIT,
  T0,
} from "./fixtures.ts";

const OPEN_FOR = 60_000;

forEachStore("Store conformance (next due time)", (ctx) => {
  test("a queue behind an open circuit waits for it (and is not due); other endpoints' work and leases do not", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const dead = endpoint(a.id, T0);
    const live = endpoint(a.id, T0 + 1);
    for (const ep of [dead, live]) await ctx.store.insertEndpoint(ep);
    const queued = [message(a.id, T0), message(a.id, T0 + 1), message(a.id, T0 + 2)];
    for (const m of queued) await ctx.store.insertMessage(m, [delivery(m, dead.id, T0)]);
    assert.equal(await ctx.store.nextDueAt(), T0);

    // One attempt fails and opens the circuit (threshold 1); its retry would be due before the circuit reopens.
    const [probe] = await ctx.store.claimDueDeliveries(claimRequest({ limit: 1, now: T0 + 1 }));
    assert.ok(probe);
    const circuit = { threshold: 1, baseCooldownMs: OPEN_FOR, maxCooldownMs: OPEN_FOR };
    await ctx.store.recordOutcomes(
      [{ attempt: attempt(probe, T0 + 1_000, 500), status: 1, dueAt: T0 + 2_000, endpointEffect: "failure" }],
      { now: T0 + 1_000, owner: claimRequest().owner, circuit },
    );
    const reopens = T0 + 1_000 + OPEN_FOR;
    assert.equal((await ctx.store.getEndpoint(a.id, dead.id))?.health.circuitOpenUntil, reopens);
    assert.equal(await ctx.store.nextDueAt(), reopens, "the whole queue waits for the circuit");
    assert.deepEqual(await ctx.store.claimDueDeliveries(claimRequest({ now: T0 + 2_000 })), []);
    const { queue } = await ctx.store.operationalStats(T0 + 2_000);
    assert.deepEqual(
      { pending: queue.pending, due: queue.due, oldestDueAt: queue.oldestDueAt },
      { pending: 3, due: 0, oldestDueAt: null },
      "work waiting for a circuit is queued, not due",
    );

    // Work queued for the dead endpoint while its circuit is open waits too.
    const late = message(a.id, T0 + 3_000);
    await ctx.store.insertMessage(late, [delivery(late, dead.id, T0 + 3_000)]);
    assert.equal(await ctx.store.nextDueAt(), reopens);

    // Another endpoint's work is due on its own time, and so is a lease's end.
    const other = message(a.id, T0 + 4_000);
    await ctx.store.insertMessage(other, [delivery(other, live.id, T0 + 5_000)]);
    assert.equal(await ctx.store.nextDueAt(), T0 + 5_000);
    const [leased] = await ctx.store.claimDueDeliveries(claimRequest({ now: T0 + 5_000, leaseMs: 1_000 }));
    assert.equal(leased?.endpoint.id, live.id);
    assert.equal(await ctx.store.nextDueAt(), T0 + 6_000, "the lease runs out before the circuit reopens");
    await ctx.store.recordOutcomes(
      [{ attempt: attempt(leased!, T0 + 5_500), status: 0, dueAt: null, endpointEffect: "success" }],
      { now: T0 + 5_500, owner: claimRequest().owner, circuit: NO_CIRCUIT },
    );
    assert.equal(await ctx.store.nextDueAt(), reopens);

    // Once the circuit is closed the queue is due again (a store may have moved its due times to the reopening).
    await ctx.store.resetEndpointHealth(dead.id);
    const due = await ctx.store.nextDueAt();
    assert.ok(due !== null && due <= T0 + 3_000, `due again at ${due}`);
    const claimed = await ctx.store.claimDueDeliveries(claimRequest({ now: reopens }));
    assert.equal(claimed.length, 4, "the queue, the failed one's retry and the one queued while it was open");
  });
});
