import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "../../src/ids.ts";
import { DuplicateEventIdError, DuplicateIdentifierError } from "../../src/store/errors.ts";
import {
  app,
  claimRequest,
  delivery,
  endpoint,
  firstPage,
  forEachStore,
  importJob,
  message,
  NO_CIRCUIT,
  OWNER,
  success,
  T0,
} from "./fixtures.ts";

forEachStore("Store conformance", (ctx) => {
  test("applications by id and uid, keyset pages both ways", async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ ...app(T0 + i), uid: `uid-${i}` }));
    for (const row of rows) await ctx.store.insertApplication(row);
    assert.equal((await ctx.store.getApplication("uid-3"))?.id, rows[3]?.id);
    assert.equal((await ctx.store.getApplication(rows[1]!.id))?.uid, "uid-1");
    const page1 = await ctx.store.listApplications(firstPage(2, "asc"));
    assert.deepEqual(
      page1.items.map((r) => r.uid),
      ["uid-0", "uid-1"],
    );
    assert.equal(page1.done, false);
    const page3 = await ctx.store.listApplications({ ...firstPage(2, "asc"), cursor: rows[3]!.id });
    assert.deepEqual(
      page3.items.map((r) => r.uid),
      ["uid-4"],
    );
    assert.equal(page3.done, true);
    const back = await ctx.store.listApplications({
      limit: 2,
      cursor: rows[3]!.id,
      direction: "prev",
      order: "asc",
    });
    assert.deepEqual(
      back.items.map((r) => r.uid),
      ["uid-1", "uid-2"],
    );
  });

  test("a message and its deliveries are stored atomically; duplicate eventId is refused", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const ep = endpoint(a.id);
    await ctx.store.insertEndpoint(ep);
    const m = message(a.id, T0, "evt-1");
    await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)]);
    const dup = message(a.id, T0 + 1, "evt-1");
    await assert.rejects(ctx.store.insertMessage(dup, [delivery(dup, ep.id, T0)]), DuplicateEventIdError);
    assert.equal(await ctx.store.getMessage(a.id, dup.id), null);
    assert.equal(await ctx.store.getDelivery(dup.id, ep.id), null);
    assert.equal((await ctx.store.getMessage(a.id, "evt-1"))?.id, m.id);
  });

  test("concurrent message writes each settle on their own (one duplicate does not undo the others)", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const ep = endpoint(a.id);
    await ctx.store.insertEndpoint(ep);
    const msgs = Array.from({ length: 50 }, (_, i) =>
      message(a.id, T0 + i, i === 7 || i === 8 ? "same" : `e${i}`),
    );
    const results = await Promise.allSettled(
      msgs.map((m) => ctx.store.insertMessage(m, [delivery(m, ep.id, T0)])),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 49);
    const rejected = results.filter((r) => r.status === "rejected");
    assert.equal(rejected.length, 1);
    assert.ok((rejected[0] as PromiseRejectedResult).reason instanceof DuplicateEventIdError);
    const stored = await ctx.store.listMessages(a.id, {}, firstPage(100));
    assert.equal(stored.items.length, 49);
    assert.equal(
      await ctx.store.getDelivery(msgs[8]!.id, ep.id),
      null,
      "the rejected message left no delivery",
    );
  });

  test("claims respect due time, per-endpoint caps and leases; outcomes are recorded", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const slow = endpoint(a.id);
    const fast = endpoint(a.id);
    await ctx.store.insertEndpoint(slow);
    await ctx.store.insertEndpoint(fast);
    const msgs = Array.from({ length: 6 }, (_, i) => message(a.id, T0 + i));
    for (const m of msgs) {
      await ctx.store.insertMessage(m, [delivery(m, slow.id, T0), delivery(m, fast.id, T0)]);
    }
    const notYet = message(a.id, T0 + 10);
    await ctx.store.insertMessage(notYet, [delivery(notYet, fast.id, T0 + 60_000)]);

    // Another process already holds one live claim on the slow endpoint: the cap (2) counts it.
    const other = message(a.id, T0 + 20);
    await ctx.store.insertMessage(other, [delivery(other, slow.id, T0 - 1)]);
    const held = await ctx.store.claimDueDeliveries(
      claimRequest({ owner: "other", limit: 1, endpointCap: 2 }),
    );
    assert.equal(held.length, 1);
    assert.equal(held[0]?.delivery.msgId, other.id, "oldest due first");

    const claim = () => ctx.store.claimDueDeliveries(claimRequest({ endpointCap: 2 }));
    const first = await claim();
    const bySlow = first.filter((c) => c.endpoint.id === slow.id).length;
    const byFast = first.filter((c) => c.endpoint.id === fast.id).length;
    assert.equal(bySlow, 1, "slow endpoint already has 1 of 2 in flight");
    assert.equal(byFast, 2);
    assert.ok(first.every((c) => c.message.payload === '{"a":1}' && c.delivery.status === 3));
    assert.ok(first.every((c) => c.sendAt === T0 + 1 && c.delivery.dueAt === T0 + 1 + 30_000));
    // Leased rows are not claimed again until the lease expires, and the caps stay full.
    assert.deepEqual(await claim(), []);

    const done = first[0]!;
    await ctx.store.recordOutcomes([success(done, T0 + 2)], {
      now: T0 + 2,
      owner: OWNER,
      circuit: NO_CIRCUIT,
    });
    const after1 = await ctx.store.getDelivery(done.message.id, done.endpoint.id);
    assert.equal(after1?.status, 0);
    assert.equal(after1?.attempts, 1);
    const attempts = await ctx.store.listAttempts(a.id, { msgId: done.message.id }, firstPage(10));
    assert.equal(attempts.items[0]?.responseStatusCode, 200);

    // After the lease runs out, the remaining claimed rows are due again.
    const expired = await ctx.store.claimDueDeliveries(claimRequest({ now: T0 + 31_000, owner: "next" }));
    assert.ok(expired.some((c) => c.delivery.msgId === first[1]?.delivery.msgId));
    assert.ok(
      !expired.some((c) => c.delivery.msgId === done.delivery.msgId && c.endpoint.id === done.endpoint.id),
    );
    assert.ok(!expired.some((c) => c.delivery.msgId === notYet.id));
  });

  test("failures recorded together add up and open the circuit; a 410 disables once", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const ep = endpoint(a.id);
    await ctx.store.insertEndpoint(ep);
    const msgs = Array.from({ length: 6 }, (_, i) => message(a.id, T0 + i));
    for (const m of msgs) await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)]);
    const claimed = await ctx.store.claimDueDeliveries(claimRequest({ limit: 10, endpointCap: 10 }));
    assert.equal(claimed.length, 6);
    const outcome = (c: (typeof claimed)[number], effect: "failure" | "disable") => ({
      attempt: {
        id: newId("atmpt", T0 + 2),
        msgId: c.message.id,
        appId: a.id,
        endpointId: ep.id,
        url: ep.url,
        status: 2 as const,
        responseStatusCode: effect === "disable" ? 410 : 500,
        response: "",
        durationMs: 1,
        triggerType: 0 as const,
        createdAt: T0 + 2,
        request: null,
        responseHeaders: null,
      },
      status: effect === "disable" ? (2 as const) : (1 as const),
      dueAt: effect === "disable" ? null : T0 + 10,
      endpointEffect: effect,
    });
    const opens = {
      now: T0 + 2,
      owner: OWNER,
      circuit: { threshold: 5, baseCooldownMs: 60_000, maxCooldownMs: 60_000 },
    };
    const disabled = await ctx.store.recordOutcomes(
      claimed.slice(0, 5).map((c) => outcome(c, "failure")),
      opens,
    );
    assert.deepEqual(disabled, []);
    const health = (await ctx.store.getEndpoint(a.id, ep.id))?.health;
    assert.equal(health?.consecutiveFailures, 5);
    assert.equal(health?.circuitOpenUntil, T0 + 2 + 60_000);
    const again = await ctx.store.claimDueDeliveries(claimRequest({ now: T0 + 20, owner: "next" }));
    assert.equal(again.length, 0, "an open circuit is not claimed");
    assert.equal(
      await ctx.store.nextDueAt(),
      T0 + 2 + 60_000,
      "its queue and its live lease wait for the circuit",
    );
    const last = claimed[5]!;
    const twice = [outcome(last, "disable"), outcome(last, "disable")]; // two 410s that were in flight together
    assert.equal(
      (await ctx.store.recordOutcomes(twice, { ...opens, now: T0 + 3 })).length,
      1,
      "disabled once",
    );
    assert.equal((await ctx.store.getEndpoint(a.id, ep.id))?.disabled, true);
  });

  test("an interrupted attempt (effect none) is logged, leaves the delivery pending and the endpoint's health alone", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const ep = endpoint(a.id);
    await ctx.store.insertEndpoint(ep);
    const m = message(a.id);
    await ctx.store.insertMessage(m, [delivery(m, ep.id, T0)]);
    const [claimed] = await ctx.store.claimDueDeliveries(claimRequest({ limit: 1, endpointCap: 10 }));
    assert.ok(claimed);
    const opensAtOnce = { threshold: 0, baseCooldownMs: 60_000, maxCooldownMs: 60_000 };
    await ctx.store.recordOutcomes(
      [
        {
          attempt: {
            id: newId("atmpt", T0 + 2),
            msgId: m.id,
            appId: a.id,
            endpointId: ep.id,
            url: ep.url,
            status: 2,
            responseStatusCode: 0,
            response: "interrupted by shutdown",
            durationMs: 1,
            triggerType: 0,
            createdAt: T0 + 2,
            request: null,
            responseHeaders: null,
          },
          status: 1,
          dueAt: T0 + 2,
          endpointEffect: "none",
        },
      ],
      { now: T0 + 2, owner: OWNER, circuit: opensAtOnce },
    );
    const after = await ctx.store.getDelivery(m.id, ep.id);
    assert.deepEqual([after?.status, after?.dueAt, after?.attempts], [1, T0 + 2, 0]);
    assert.deepEqual((await ctx.store.getEndpoint(a.id, ep.id))?.health, {
      failingSince: null,
      consecutiveFailures: 0,
      circuitOpenUntil: null,
    });
    const logged = await ctx.store.listAttempts(a.id, { msgId: m.id }, firstPage(10));
    assert.equal(logged.items[0]?.response, "interrupted by shutdown");
  });

  test("import jobs: counts (unchanged included) round-trip; listed per application, newest first", async () => {
    const a = app();
    const b = app(T0 + 1);
    await ctx.store.insertApplication(a);
    await ctx.store.insertApplication(b);
    const jobs = [
      importJob(a.id, T0),
      importJob(a.id, T0 + 1),
      importJob(a.id, T0 + 2),
      importJob(b.id, T0 + 3),
    ];
    for (const row of jobs) await ctx.store.insertImport(row);
    const done = {
      ...jobs[0]!,
      state: "completed" as const,
      rowsRead: 9,
      created: 1,
      updated: 2,
      unchanged: 5,
      failed: 1,
    };
    await ctx.store.updateImport(done);
    assert.deepEqual(await ctx.store.getImport(a.id, done.id), done);

    const page = await ctx.store.listImports(a.id, firstPage(2));
    assert.deepEqual(
      page.items.map((row) => row.id),
      [jobs[2]!.id, jobs[1]!.id],
    );
    assert.equal(page.done, false);
    const rest = await ctx.store.listImports(a.id, { ...firstPage(2), cursor: jobs[1]!.id });
    assert.deepEqual(
      rest.items.map((row) => row.id),
      [done.id],
    );
    assert.equal(rest.items[0]?.unchanged, 5);
    assert.equal(rest.done, true);
  });

  test("releaseOrphanedClaims and recoverFailedDeliveries make work due again", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const ep = endpoint(a.id);
    await ctx.store.insertEndpoint(ep);
    const m = message(a.id);
    await ctx.store.insertMessage(m, [{ ...delivery(m, ep.id, T0), status: 2, dueAt: null }]);
    assert.equal(await ctx.store.recoverFailedDeliveries(ep.id, T0 - 1, T0 + 1, T0 + 5), 1);
    const row = await ctx.store.getDelivery(m.id, ep.id);
    assert.equal(row?.status, 1);
    assert.equal(row?.dueAt, T0 + 5);
    const stats = await ctx.store.endpointStats(ep.id, null, null);
    assert.equal(stats.pending, 1);
  });

  test("participants are found by external identifier, one at a time or in a batch", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const people = ["+1", "+2", "+3"].map((phone, i) => ({
      id: newId("prt", T0 + i),
      appId: a.id,
      attributes: { FirstName: `P${i}` },
      tags: [],
      consent: { given: true, at: T0, source: "test" },
      unsubscribedAt: null,
      externalIdentifiers: [
        { issuer: "whatsapp", id: phone },
        { issuer: "crm", id: `c${i}` },
      ],
      createdAt: T0,
      updatedAt: T0,
    }));
    await ctx.store.saveParticipants(people, []);
    assert.equal((await ctx.store.findParticipantByIdentifier(a.id, "crm", "c1"))?.id, people[1]?.id);
    const found = await ctx.store.findParticipantsByIdentifiers(a.id, "whatsapp", ["+3", "+1", "+9", "+1"]);
    assert.deepEqual([...found.keys()].sort(), ["+1", "+3"]);
    assert.equal(found.get("+3")?.attributes.FirstName, "P2");
    assert.equal(found.get("+1")?.externalIdentifiers.length, 2);
    const thief = {
      ...people[0]!,
      id: newId("prt", T0 + 9),
      externalIdentifiers: [{ issuer: "crm", id: "c2" }],
    };
    await assert.rejects(ctx.store.saveParticipants([thief], []), DuplicateIdentifierError);
  });

  test("a message's idempotent answer commits with it, or not at all", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const m = message(a.id, T0, "idem-evt");
    await ctx.store.reserveIdempotency("k-msg", "h", T0);
    await ctx.store.insertMessage(m, [], { key: "k-msg", statusCode: 202, body: "sealed-answer" });
    assert.equal((await ctx.store.getIdempotency("k-msg"))?.statusCode, 202);
    assert.equal((await ctx.store.getIdempotency("k-msg"))?.body, "sealed-answer");
    await ctx.store.reserveIdempotency("k-dup", "h", T0);
    const dup = message(a.id, T0 + 1, "idem-evt");
    await assert.rejects(
      ctx.store.insertMessage(dup, [], { key: "k-dup", statusCode: 202, body: "x" }),
      DuplicateEventIdError,
    );
    assert.equal(
      (await ctx.store.getIdempotency("k-dup"))?.statusCode,
      0,
      "no answer recorded for a failed write",
    );
    await ctx.store.releaseIdempotency("k-msg");
    await ctx.store.releaseIdempotency("k-dup");
  });

  test("an idempotency key is taken over atomically, only when gone, expired or abandoned", async () => {
    const stale = { abandonedBefore: T0 + 100, expiredBefore: T0 - 1_000 };
    await ctx.store.reserveIdempotency("live", "h", T0 + 500);
    assert.equal(await ctx.store.takeOverIdempotency("live", "h2", T0 + 600, stale), false, "in progress");
    await ctx.store.reserveIdempotency("dead", "h", T0);
    const racers = await Promise.all(
      [1, 2, 3].map((i) => ctx.store.takeOverIdempotency("dead", `h${i}`, T0 + 600, stale)),
    );
    assert.deepEqual(racers.filter(Boolean).length, 1, "exactly one concurrent retry takes an abandoned key");
    assert.equal((await ctx.store.getIdempotency("dead"))?.createdAt, T0 + 600);
    await ctx.store.reserveIdempotency("answered", "h", T0);
    await ctx.store.completeIdempotency("answered", 202, "{}");
    assert.equal(
      await ctx.store.takeOverIdempotency("answered", "h", T0 + 600, stale),
      false,
      "answered, not expired",
    );
    assert.equal(
      await ctx.store.takeOverIdempotency("answered", "h", T0 + 600, { ...stale, expiredBefore: T0 + 1 }),
      true,
      "expired",
    );
    assert.equal(await ctx.store.takeOverIdempotency("gone", "h", T0 + 600, stale), true, "no row");
  });

  test("idempotency keys are reserved once", async () => {
    assert.equal(await ctx.store.reserveIdempotency("k", "h", T0), true);
    assert.equal(await ctx.store.reserveIdempotency("k", "h", T0), false);
    await ctx.store.completeIdempotency("k", 202, "{}");
    assert.deepEqual(await ctx.store.getIdempotency("k"), {
      key: "k",
      requestHash: "h",
      statusCode: 202,
      body: "{}",
      createdAt: T0,
    });
    assert.equal(await ctx.store.purgeIdempotency(T0 + 1), 1);
    await ctx.store.reserveIdempotency("abandoned", "h", T0);
    await ctx.store.reserveIdempotency("answered", "h", T0);
    await ctx.store.completeIdempotency("answered", 200, "{}");
    assert.equal(
      await ctx.store.releaseAbandonedIdempotency(T0 + 1),
      1,
      "only the reservation without a response",
    );
    assert.equal(await ctx.store.getIdempotency("abandoned"), null);
  });
});
