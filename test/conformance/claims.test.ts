import assert from "node:assert/strict";
import { test } from "node:test";
import type { Store } from "../../src/store/store.ts";
import type { ClaimedDelivery } from "../../src/store/types.ts";
import {
  app,
  appWithEndpoint,
  attempt,
  claimRequest,
  delivery,
  endpoint,
  firstPage,
  forEachStore,
  message,
  NO_CIRCUIT,
  success,
  T0,
} from "./fixtures.ts";

const key = (c: ClaimedDelivery) => `${c.message.id}/${c.endpoint.id}`;

forEachStore("Store conformance (claims across processes)", (ctx) => {
  test("two stores claiming from one database at once never hand out the same delivery twice", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const endpoints = Array.from({ length: 5 }, (_, i) => endpoint(a.id, T0 + i));
    for (const ep of endpoints) await ctx.store.insertEndpoint(ep);
    const total = 60 * endpoints.length;
    for (let i = 0; i < total / endpoints.length; i++) {
      const m = message(a.id, T0 + i);
      await ctx.store.insertMessage(
        m,
        endpoints.map((ep) => delivery(m, ep.id, T0)),
      );
    }
    const second = await ctx.handle.open();
    const seen = new Map<string, string>();
    const claimer = async (store: Store, owner: string) => {
      for (;;) {
        const claimed = await store.claimDueDeliveries(
          claimRequest({ owner, limit: 16, endpointCap: 1_000 }),
        );
        if (claimed.length === 0) return;
        for (const c of claimed) {
          assert.equal(seen.get(key(c)), undefined, `${key(c)} handed to ${seen.get(key(c))} and ${owner}`);
          seen.set(key(c), owner);
        }
        await store.recordOutcomes(
          claimed.map((c) => success(c, T0 + 2)),
          { now: T0 + 2, owner, circuit: NO_CIRCUIT },
        );
      }
    };
    await Promise.all([
      claimer(ctx.store, "one"),
      claimer(second, "two"),
      claimer(ctx.store, "three"),
      claimer(second, "four"),
    ]);
    assert.equal(seen.size, total, "every delivery claimed exactly once");
    const stats = await ctx.store.endpointStats(endpoints[0]!.id, null, null);
    assert.deepEqual(stats, {
      success: total / endpoints.length,
      pending: 0,
      sending: 0,
      fail: 0,
      canceled: 0,
    });
  });

  test("the per-endpoint cap and the rate limit count every store's claims", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const limited = endpoint(a.id, T0 + 1, { throttleRate: 2 });
    await ctx.store.insertEndpoint(limited);
    for (let i = 0; i < 10; i++) {
      const m = message(a.id, T0 + i);
      await ctx.store.insertMessage(m, [delivery(m, ep.id, T0), delivery(m, limited.id, T0)]);
    }
    const second = await ctx.handle.open();
    const request = { endpointCap: 3, rateHorizonMs: 1_000 };
    const first = await ctx.store.claimDueDeliveries(claimRequest({ ...request, owner: "one" }));
    const other = await second.claimDueDeliveries(claimRequest({ ...request, owner: "two" }));
    const count = (claims: ClaimedDelivery[], id: string) =>
      claims.filter((c) => c.endpoint.id === id).length;
    assert.equal(count(first, ep.id), 3);
    assert.equal(count(other, ep.id), 0, "the cap is full with the other store's claims");
    assert.deepEqual(
      first.filter((c) => c.endpoint.id === limited.id).map((c) => c.sendAt - (T0 + 1)),
      [0, 500, 1000],
      "2 per second, evenly spaced, up to the horizon",
    );
    assert.equal(count(other, limited.id), 0, "the next slot lies beyond the horizon for every store");
    const later = await second.claimDueDeliveries(
      claimRequest({ ...request, endpointCap: 10, owner: "two", now: T0 + 1_000 }),
    );
    assert.deepEqual(
      later.filter((c) => c.endpoint.id === limited.id).map((c) => c.sendAt - (T0 + 1_000)),
      [501],
      "continues from the slot the other store handed out",
    );
  });

  test("an endpoint at its cap with a long backlog of older work does not hold up the others' claims", async () => {
    const { a, ep: blocked } = await appWithEndpoint(ctx.store);
    const other = endpoint(a.id, T0 + 1);
    await ctx.store.insertEndpoint(other);
    for (let i = 0; i < 200; i++) {
      const m = message(a.id, T0 + i);
      await ctx.store.insertMessage(m, [delivery(m, blocked.id, T0 + i)]);
    }
    for (let i = 0; i < 5; i++) {
      const m = message(a.id, T0 + 200 + i);
      await ctx.store.insertMessage(m, [delivery(m, other.id, T0 + 200 + i)]);
    }
    const now = T0 + 1_000;
    const request = { now, limit: 4, endpointCap: 2 };
    // The blocked endpoint's cap is taken by another process's live claims (its hung receiver never answers).
    const elsewhere = await ctx.handle.open();
    const hung = await elsewhere.claimDueDeliveries(
      claimRequest({ ...request, limit: 2, owner: "elsewhere" }),
    );
    assert.deepEqual(
      hung.map((c) => c.endpoint.id),
      [blocked.id, blocked.id],
      "the oldest due work goes first, up to the cap",
    );
    const claimed = await ctx.store.claimDueDeliveries(claimRequest({ ...request, owner: "here" }));
    assert.deepEqual(
      claimed.map((c) => [c.endpoint.id, c.delivery.dueAt !== null]),
      [
        [other.id, true],
        [other.id, true],
      ],
      "the other endpoint's two oldest, its own cap, past 198 due rows of the blocked one",
    );
    assert.deepEqual(
      claimed.map((c) => c.message.createdAt),
      [T0 + 200, T0 + 201],
      "first come, first served within the endpoint",
    );
    const paused = await ctx.store.claimDueDeliveries(
      claimRequest({ ...request, owner: "here", endpointCap: 10, paused: [blocked.id] }),
    );
    assert.deepEqual(
      paused.map((c) => c.message.createdAt),
      [T0 + 202, T0 + 203, T0 + 204],
      "a paused endpoint is skipped the same way",
    );
  });

  test("with more endpoints waiting than one claim looks at, successive claims reach every one once", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const count = 300;
    const endpoints = Array.from({ length: count }, (_, i) => endpoint(a.id, T0 + i));
    for (const ep of endpoints) await ctx.store.insertEndpoint(ep);
    const m = message(a.id, T0);
    await ctx.store.insertMessage(
      m,
      endpoints.map((ep) => delivery(m, ep.id, T0)),
    );
    const seen = new Set<string>();
    for (let round = 0; round < count; round++) {
      const claimed = await ctx.store.claimDueDeliveries(claimRequest({ limit: 64, endpointCap: 1 }));
      if (claimed.length === 0) break;
      for (const c of claimed) {
        assert.ok(!seen.has(c.endpoint.id), `${c.endpoint.id} claimed twice`);
        seen.add(c.endpoint.id);
      }
    }
    assert.equal(seen.size, count, "every endpoint's delivery was claimed");
  });

  test("a late outcome after the lease moved on is logged but does not change the new owner's claim", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const m = message(a.id);
    await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)]);
    const [slow] = await ctx.store.claimDueDeliveries(claimRequest({ owner: "slow", leaseMs: 1_000 }));
    assert.ok(slow);
    const second = await ctx.handle.open();
    assert.deepEqual(
      await second.claimDueDeliveries(claimRequest({ owner: "fast", now: T0 + 500 })),
      [],
      "lease runs",
    );
    const [fast] = await second.claimDueDeliveries(
      claimRequest({ owner: "fast", now: T0 + 1_001, leaseMs: 1_000 }),
    );
    assert.ok(fast, "expired lease: another process takes over");

    await ctx.store.recordOutcomes(
      [{ attempt: attempt(slow, T0 + 1_100, 500), status: 2, dueAt: null, endpointEffect: "failure" }],
      {
        now: T0 + 1_100,
        owner: "slow",
        circuit: NO_CIRCUIT,
      },
    );
    assert.equal((await ctx.store.getDelivery(m.id, ep.id))?.status, 3, "still the new owner's");
    assert.equal(
      (await ctx.store.listAttempts(a.id, {}, firstPage(10))).items.length,
      1,
      "the attempt happened",
    );

    await ctx.store.releaseDeliveries([{ msgId: m.id, endpointId: ep.id }], T0 + 1_200, "slow");
    assert.equal((await ctx.store.getDelivery(m.id, ep.id))?.status, 3, "only the owner gives a claim back");
    await second.releaseDeliveries([{ msgId: m.id, endpointId: ep.id }], T0 + 1_200, "fast");
    const released = await ctx.store.getDelivery(m.id, ep.id);
    assert.equal(released?.status, 1);
    assert.equal(released?.dueAt, T0 + 1_200);
    assert.equal(released?.attempts, 0, "the late outcome left the row to its new owner");
  });

  test("releaseOrphanedClaims releases expired leases only; resetEndpointHealth closes the circuit", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const msgs = [message(a.id, T0), message(a.id, T0 + 1)];
    for (const m of msgs) await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)]);
    await ctx.store.claimDueDeliveries(claimRequest({ owner: "dead", limit: 1, leaseMs: 1_000 }));
    await ctx.store.claimDueDeliveries(claimRequest({ owner: "alive", now: T0 + 900, leaseMs: 1_000 }));
    assert.equal(await ctx.store.releaseOrphanedClaims(T0 + 1_500), 1, "only the expired one");
    assert.equal((await ctx.store.getDelivery(msgs[0]!.id, ep.id))?.status, 1);
    assert.equal((await ctx.store.getDelivery(msgs[1]!.id, ep.id))?.status, 3, "a live lease is left alone");

    const [live] = await ctx.store.claimDueDeliveries(claimRequest({ owner: "prober", now: T0 + 1_500 }));
    assert.ok(live);
    const circuit = { threshold: 1, baseCooldownMs: 60_000, maxCooldownMs: 60_000 };
    await ctx.store.recordOutcomes(
      [{ attempt: attempt(live, T0 + 1_600, 500), status: 1, dueAt: T0 + 2_000, endpointEffect: "failure" }],
      {
        now: T0 + 1_600,
        owner: "prober",
        circuit,
      },
    );
    assert.equal((await ctx.store.getEndpoint(a.id, ep.id))?.health.circuitOpenUntil, T0 + 61_600);
    await ctx.store.resetEndpointHealth(ep.id);
    assert.deepEqual((await ctx.store.getEndpoint(a.id, ep.id))?.health, {
      failingSince: null,
      consecutiveFailures: 0,
      circuitOpenUntil: null,
    });
  });

  test("listenForWork: a message stored through another store wakes the listener (where the database can tell)", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const second = await ctx.handle.open();
    let woken!: () => void;
    const wake = new Promise<void>((resolve) => {
      woken = resolve;
    });
    const stop = await second.listenForWork(() => woken());
    const m = message(a.id);
    await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)]);
    // SQLite has no channel (the stored message is found by polling); PostgreSQL must notify.
    if (ctx.handle.notifies) await wake;
    await stop();
  });
});
