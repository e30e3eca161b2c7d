import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "../../src/ids.ts";
import type { DeliveryRow, MessageRow } from "../../src/store/types.ts";
import { endpointRow } from "../support/rows.ts";
import { forEachStore, OWNER } from "./fixtures.ts";

const T0 = 1_800_000_000_000;

forEachStore("Store operational stats", (ctx) => {
  test("ping answers on a working database", async () => {
    await ctx.store.ping();
  });

  test("queue depth, oldest due time and endpoint states", async () => {
    const empty = await ctx.store.operationalStats(T0);
    assert.deepEqual(empty.queue, { pending: 0, sending: 0, due: 0, oldestDueAt: null });
    assert.deepEqual(empty.endpoints, { total: 0, disabled: 0, failing: 0, circuitOpen: 0 });
    assert.ok((empty.database.sizeBytes ?? 1) > 0);

    const appId = newId("app", T0);
    await ctx.store.insertApplication({
      id: appId,
      uid: null,
      name: "stats",
      metadata: {},
      throttleRate: null,
      requireHttps: false,
      createdAt: T0,
      updatedAt: T0,
    });
    const endpoints = [
      endpointRow({ id: newId("ep", T0), appId }),
      endpointRow({ id: newId("ep", T0 + 1), appId, disabled: true }),
      endpointRow({ id: newId("ep", T0 + 2), appId }),
    ];
    for (const row of endpoints) await ctx.store.insertEndpoint(row);
    const endpointId = endpoints[0]!.id;
    // Due 5 s and 1 s ago, and one scheduled a minute ahead (a retry): two due, three pending.
    for (const [i, dueAt] of [T0 - 5_000, T0 - 1_000, T0 + 60_000].entries()) {
      const message: MessageRow = {
        id: newId("msg", T0 + i),
        appId,
        eventType: "a.b",
        eventId: null,
        channels: null,
        payload: "{}",
        tags: null,
        deliverAt: null,
        createdAt: T0,
        expiresAt: T0 + 86_400_000,
      };
      const delivery: DeliveryRow = {
        msgId: message.id,
        endpointId,
        appId,
        status: 1,
        attempts: 0,
        dueAt,
        triggerType: 0,
        createdAt: T0,
        updatedAt: T0,
      };
      await ctx.store.insertMessage(message, [delivery]);
    }
    const stats = await ctx.store.operationalStats(T0);
    assert.deepEqual(stats.queue, { pending: 3, sending: 0, due: 2, oldestDueAt: T0 - 5_000 });
    assert.deepEqual(stats.endpoints, { total: 3, disabled: 1, failing: 0, circuitOpen: 0 });

    // A claim moves due deliveries to "sending"; the one scheduled later stays pending.
    const claimed = await ctx.store.claimDueDeliveries({
      now: T0,
      limit: 10,
      leaseMs: 30_000,
      endpointCap: 10,
      circuitThreshold: 100,
      owner: OWNER,
      rateHorizonMs: 5_000,
      paused: [],
    });
    assert.equal(claimed.length, 2);
    const later = await ctx.store.operationalStats(T0);
    assert.deepEqual(later.queue, { pending: 1, sending: 2, due: 0, oldestDueAt: null });

    // One attempt fails and opens the endpoint's circuit; its delivery waits for a retry.
    const failed = claimed[0]!.delivery;
    await ctx.store.recordOutcomes(
      [
        {
          attempt: {
            id: newId("atmpt", T0),
            msgId: failed.msgId,
            appId,
            endpointId,
            url: "https://example.com/hook",
            status: 2,
            responseStatusCode: 500,
            response: "",
            durationMs: 5,
            triggerType: 0,
            createdAt: T0,
            request: null,
            responseHeaders: null,
          },
          status: 1,
          dueAt: T0 + 5_000,
          endpointEffect: "failure",
        },
      ],
      { now: T0, owner: OWNER, circuit: { threshold: 1, baseCooldownMs: 60_000, maxCooldownMs: 60_000 } },
    );
    const afterFailure = await ctx.store.operationalStats(T0 + 1);
    assert.deepEqual(afterFailure.queue, { pending: 2, sending: 1, due: 0, oldestDueAt: null });
    assert.deepEqual(afterFailure.endpoints, { total: 3, disabled: 1, failing: 1, circuitOpen: 1 });
    const circuitClosed = await ctx.store.operationalStats(T0 + 60_001);
    assert.equal(circuitClosed.endpoints.circuitOpen, 0);
    assert.equal(circuitClosed.endpoints.failing, 1);
  });
});
