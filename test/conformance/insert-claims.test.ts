import assert from "node:assert/strict";
import { test } from "node:test";
import type { InsertClaim } from "../../src/store/types.ts";
import {
  app,
  appWithEndpoint,
  attempt,
  claimRequest,
  delivery,
  endpoint,
  forEachStore,
  message,
  NO_CIRCUIT,
  OWNER,
  success,
  T0,
} from "./fixtures.ts";

const NOW = T0 + 1;

function insertClaim(overrides: Partial<InsertClaim> = {}): InsertClaim {
  return {
    now: NOW,
    owner: OWNER,
    leaseMs: 30_000,
    endpointCap: 100,
    circuitThreshold: 5,
    limit: 100,
    ...overrides,
  };
}

forEachStore("Store conformance (deliveries leased at insert)", (ctx) => {
  test("a store that claims at insert leases due deliveries to the owner; one that does not stores them pending", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const m = message(a.id, T0);
    const leased = await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)], undefined, insertClaim());
    const row = await ctx.store.getDelivery(m.id, ep.id);
    if (!ctx.store.claimsAtInsert) {
      assert.deepEqual(leased, []);
      assert.equal(row?.status, 1, "pending, for a claim");
      return;
    }
    assert.equal(leased.length, 1);
    const [c] = leased;
    assert.equal(c?.message.id, m.id);
    assert.equal(c?.message.payload, m.payload, "the message as stored, payload included");
    assert.equal(c?.endpoint.id, ep.id);
    assert.equal(c?.endpoint.secretsSealed, ep.secretsSealed, "the endpoint row as stored");
    assert.equal(c?.sendAt, NOW);
    assert.deepEqual([row?.status, row?.dueAt], [3, NOW + 30_000], "sending, with the lease's expiry");
    assert.deepEqual(
      await ctx.store.claimDueDeliveries(claimRequest({ owner: "other" })),
      [],
      "nobody else gets it",
    );
    // The owner records its outcome exactly as for a claimed delivery.
    await ctx.store.recordOutcomes([success(c!, NOW + 5)], {
      now: NOW + 5,
      owner: OWNER,
      circuit: NO_CIRCUIT,
    });
    assert.equal((await ctx.store.getDelivery(m.id, ep.id))?.status, 0);
  });

  test("leases at insert respect the endpoint cap, the owner's limit and live claims; the rest wait in order", async (t) => {
    if (!ctx.store.claimsAtInsert) return t.skip("this store does not claim at insert");
    const a = app();
    await ctx.store.insertApplication(a);
    const capped = endpoint(a.id, T0);
    const other = endpoint(a.id, T0 + 1);
    await ctx.store.insertEndpoint(capped);
    await ctx.store.insertEndpoint(other);
    // One live claim on `capped` already (a claim by the scan).
    const first = message(a.id, T0);
    await ctx.store.insertMessage(first, [delivery(first, capped.id, T0)]);
    assert.equal((await ctx.store.claimDueDeliveries(claimRequest())).length, 1);
    // Concurrent inserts share one transaction (group commit where there is one): counts must add up across them.
    const messages = Array.from({ length: 4 }, (_, i) => message(a.id, T0 + 1 + i));
    const results = await Promise.all(
      messages.map((m) =>
        ctx.store.insertMessage(
          m,
          [delivery(m, capped.id, T0), delivery(m, other.id, T0)],
          undefined,
          insertClaim({ endpointCap: 2, limit: 4 }),
        ),
      ),
    );
    const leased = results.flat().map((c) => `${c.message.id}/${c.endpoint.id}`);
    // capped: 1 live + 1 more; other: 2; the owner's limit (4) is reached with 1 live + 3.
    assert.deepEqual(leased, [
      `${messages[0]!.id}/${capped.id}`,
      `${messages[0]!.id}/${other.id}`,
      `${messages[1]!.id}/${other.id}`,
    ]);
    // What was not leased is pending and due: the next claim finds it.
    const pending = await ctx.store.claimDueDeliveries(claimRequest({ endpointCap: 100 }));
    assert.equal(pending.length, 5);
  });

  test("nothing is leased at insert while older due work of its endpoint waits, or for a delivery not yet due", async (t) => {
    if (!ctx.store.claimsAtInsert) return t.skip("this store does not claim at insert");
    const { a, ep } = await appWithEndpoint(ctx.store);
    const other = endpoint(a.id, T0 + 1);
    await ctx.store.insertEndpoint(other);
    const waiting = message(a.id, T0);
    await ctx.store.insertMessage(waiting, [delivery(waiting, ep.id, T0)]);
    const first = message(a.id, T0 + 1);
    const leasedFirst = await ctx.store.insertMessage(
      first,
      [delivery(first, ep.id, T0), delivery(first, other.id, T0)],
      undefined,
      insertClaim(),
    );
    assert.deepEqual(
      leasedFirst.map((c) => c.endpoint.id),
      [other.id],
      "the endpoint with a queue keeps its order; another endpoint is not held up by it",
    );
    const m = message(a.id, T0 + 2);
    assert.deepEqual(
      await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)], undefined, insertClaim()),
      [],
    );
    await ctx.store.claimDueDeliveries(claimRequest());
    const later = message(a.id, T0 + 2);
    const scheduled = await ctx.store.insertMessage(
      later,
      [delivery(later, ep.id, NOW + 60_000)],
      undefined,
      insertClaim(),
    );
    assert.deepEqual(scheduled, [], "scheduled for later: the claim takes it when due");
    const now = message(a.id, T0 + 3);
    assert.equal(
      (await ctx.store.insertMessage(now, [delivery(now, ep.id, T0)], undefined, insertClaim())).length,
      1,
      "once the queue is drained, new deliveries are leased again",
    );
  });

  test("no lease at insert for a disabled, rate-limited or failing endpoint", async (t) => {
    if (!ctx.store.claimsAtInsert) return t.skip("this store does not claim at insert");
    const a = app();
    await ctx.store.insertApplication(a);
    const disabled = endpoint(a.id, T0 + 1, { disabled: true });
    const throttled = endpoint(a.id, T0 + 2, { throttleRate: 10 });
    const failing = endpoint(a.id, T0 + 3);
    for (const ep of [disabled, throttled, failing]) await ctx.store.insertEndpoint(ep);
    // Five failed attempts open `failing`'s circuit (health is only ever written by outcomes).
    const earlier = Array.from({ length: 5 }, (_, i) => message(a.id, T0 + 10 + i));
    for (const m of earlier) await ctx.store.insertMessage(m, [delivery(m, failing.id, T0)]);
    const claimed = await ctx.store.claimDueDeliveries(claimRequest());
    assert.equal(claimed.length, 5);
    await ctx.store.recordOutcomes(
      claimed.map((c) => ({
        attempt: attempt(c, NOW, 500),
        status: 1,
        dueAt: NOW + 3_600_000,
        endpointEffect: "failure" as const,
      })),
      { now: NOW, owner: OWNER, circuit: { threshold: 5, baseCooldownMs: 60_000, maxCooldownMs: 60_000 } },
    );
    for (const ep of [disabled, throttled, failing]) {
      const m = message(a.id, T0 + 20);
      const leased = await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)], undefined, insertClaim());
      assert.deepEqual(leased, [], ep.id === failing.id ? "failing" : ep.disabled ? "disabled" : "throttled");
    }
  });
});
