import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/ids.ts";
import { DuplicateEventIdError, DuplicateIdentifierError } from "../../src/store/errors.ts";
import type { Store } from "../../src/store/store.ts";
import type {
  ApplicationRow,
  DeliveryRow,
  EndpointRow,
  MessageRow,
  PageQuery,
} from "../../src/store/types.ts";
import { endpointRow } from "../support/rows.ts";
import { storeFactories } from "./store-factories.ts";

const T0 = 1_800_000_000_000;

function app(now = T0): ApplicationRow {
  return {
    id: newId("app", now),
    uid: null,
    name: "a",
    metadata: {},
    throttleRate: null,
    requireHttps: false,
    createdAt: now,
    updatedAt: now,
  };
}

function endpoint(appId: string, now = T0): EndpointRow {
  return endpointRow({ id: newId("ep", now), appId, createdAt: now, updatedAt: now });
}

function message(appId: string, now = T0, eventId: string | null = null): MessageRow {
  return {
    id: newId("msg", now),
    appId,
    eventType: "user.created",
    eventId,
    channels: ["c1"],
    payload: '{"a":1}',
    tags: null,
    deliverAt: null,
    createdAt: now,
    expiresAt: now + 1000,
  };
}

function delivery(m: MessageRow, endpointId: string, dueAt: number): DeliveryRow {
  return {
    msgId: m.id,
    endpointId,
    appId: m.appId,
    status: 1,
    attempts: 0,
    dueAt,
    triggerType: 0,
    createdAt: m.createdAt,
    updatedAt: m.createdAt,
  };
}

const firstPage = (limit: number, order: "asc" | "desc" = "desc"): PageQuery => ({
  limit,
  cursor: null,
  direction: "next",
  order,
});

for (const factory of storeFactories) {
  describe(`Store conformance: ${factory.name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ store, dispose } = await factory.create());
    });
    after(async () => dispose());

    test("applications by id and uid, keyset pages both ways", async () => {
      const rows = Array.from({ length: 5 }, (_, i) => ({ ...app(T0 + i), uid: `uid-${i}` }));
      for (const row of rows) await store.insertApplication(row);
      assert.equal((await store.getApplication("uid-3"))?.id, rows[3]?.id);
      assert.equal((await store.getApplication(rows[1]!.id))?.uid, "uid-1");
      const page1 = await store.listApplications(firstPage(2, "asc"));
      assert.deepEqual(
        page1.items.map((r) => r.uid),
        ["uid-0", "uid-1"],
      );
      assert.equal(page1.done, false);
      const page3 = await store.listApplications({ ...firstPage(2, "asc"), cursor: rows[3]!.id });
      assert.deepEqual(
        page3.items.map((r) => r.uid),
        ["uid-4"],
      );
      assert.equal(page3.done, true);
      const back = await store.listApplications({
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
      await store.insertApplication(a);
      const ep = endpoint(a.id);
      await store.insertEndpoint(ep);
      const m = message(a.id, T0, "evt-1");
      await store.insertMessage(m, [delivery(m, ep.id, T0)]);
      const dup = message(a.id, T0 + 1, "evt-1");
      await assert.rejects(store.insertMessage(dup, [delivery(dup, ep.id, T0)]), DuplicateEventIdError);
      assert.equal(await store.getMessage(a.id, dup.id), null);
      assert.equal(await store.getDelivery(dup.id, ep.id), null);
      assert.equal((await store.getMessage(a.id, "evt-1"))?.id, m.id);
    });

    test("concurrent message writes each settle on their own (one duplicate does not undo the others)", async () => {
      const a = app();
      await store.insertApplication(a);
      const ep = endpoint(a.id);
      await store.insertEndpoint(ep);
      const msgs = Array.from({ length: 50 }, (_, i) =>
        message(a.id, T0 + i, i === 7 || i === 8 ? "same" : `e${i}`),
      );
      const results = await Promise.allSettled(
        msgs.map((m) => store.insertMessage(m, [delivery(m, ep.id, T0)])),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 49);
      const rejected = results.filter((r) => r.status === "rejected");
      assert.equal(rejected.length, 1);
      assert.ok((rejected[0] as PromiseRejectedResult).reason instanceof DuplicateEventIdError);
      const stored = await store.listMessages(a.id, {}, firstPage(100));
      assert.equal(stored.items.length, 49);
      assert.equal(
        await store.getDelivery(msgs[8]!.id, ep.id),
        null,
        "the rejected message left no delivery",
      );
    });

    test("claims respect due time, per-endpoint caps and leases; outcomes are recorded", async () => {
      const a = app();
      await store.insertApplication(a);
      const slow = endpoint(a.id);
      const fast = endpoint(a.id);
      await store.insertEndpoint(slow);
      await store.insertEndpoint(fast);
      const msgs = Array.from({ length: 6 }, (_, i) => message(a.id, T0 + i));
      for (const m of msgs) {
        await store.insertMessage(m, [delivery(m, slow.id, T0), delivery(m, fast.id, T0)]);
      }
      const notYet = message(a.id, T0 + 10);
      await store.insertMessage(notYet, [delivery(notYet, fast.id, T0 + 60_000)]);

      const claim = (inFlight: Map<string, number>, limit = 100) =>
        store.claimDueDeliveries({
          now: T0 + 1,
          limit,
          leaseMs: 30_000,
          endpointCap: 2,
          circuitThreshold: 5,
          inFlight,
          paused: [],
        });
      const first = await claim(new Map([[slow.id, 1]]));
      const bySlow = first.filter((c) => c.endpoint.id === slow.id).length;
      const byFast = first.filter((c) => c.endpoint.id === fast.id).length;
      assert.equal(bySlow, 1, "slow endpoint already has 1 of 2 in flight");
      assert.equal(byFast, 2);
      assert.ok(first.every((c) => c.message.payload === '{"a":1}' && c.delivery.status === 3));
      // Leased rows are not claimed again until the lease expires.
      const second = await claim(new Map([[slow.id, 2]]));
      assert.equal(second.filter((c) => c.endpoint.id === slow.id).length, 0);
      assert.ok(
        second.every(
          (c) => !first.some((f) => f.delivery.msgId === c.delivery.msgId && f.endpoint.id === c.endpoint.id),
        ),
      );

      const done = first[0]!;
      await store.recordOutcomes(
        [
          {
            attempt: {
              id: newId("atmpt", T0 + 2),
              msgId: done.message.id,
              appId: a.id,
              endpointId: done.endpoint.id,
              url: done.endpoint.url,
              status: 0,
              responseStatusCode: 200,
              response: "ok",
              durationMs: 3,
              triggerType: 0,
              createdAt: T0 + 2,
              request: null,
            },
            status: 0,
            dueAt: null,
            endpointEffect: "success",
          },
        ],
        T0 + 2,
        () => null,
      );
      const after1 = await store.getDelivery(done.message.id, done.endpoint.id);
      assert.equal(after1?.status, 0);
      assert.equal(after1?.attempts, 1);
      const attempts = await store.listAttempts(a.id, { msgId: done.message.id }, firstPage(10));
      assert.equal(attempts.items[0]?.responseStatusCode, 200);

      // After the lease runs out, the remaining claimed rows are due again.
      const expired = await store.claimDueDeliveries({
        now: T0 + 31_000,
        limit: 100,
        leaseMs: 30_000,
        endpointCap: 100,
        circuitThreshold: 5,
        inFlight: new Map(),
        paused: [],
      });
      assert.ok(expired.some((c) => c.delivery.msgId === first[1]?.delivery.msgId));
      assert.ok(
        !expired.some((c) => c.delivery.msgId === done.delivery.msgId && c.endpoint.id === done.endpoint.id),
      );
      assert.ok(!expired.some((c) => c.delivery.msgId === notYet.id));
    });

    test("failures recorded together add up and open the circuit; a 410 disables once", async () => {
      const a = app();
      await store.insertApplication(a);
      const ep = endpoint(a.id);
      await store.insertEndpoint(ep);
      const msgs = Array.from({ length: 6 }, (_, i) => message(a.id, T0 + i));
      for (const m of msgs) await store.insertMessage(m, [delivery(m, ep.id, T0)]);
      const claimed = await store.claimDueDeliveries({
        now: T0 + 1,
        limit: 10,
        leaseMs: 30_000,
        endpointCap: 10,
        circuitThreshold: 5,
        inFlight: new Map(),
        paused: [],
      });
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
        },
        status: effect === "disable" ? (2 as const) : (1 as const),
        dueAt: effect === "disable" ? null : T0 + 10,
        endpointEffect: effect,
      });
      const opens = (failures: number, now: number) => (failures >= 5 ? now + 60_000 : null);
      const disabled = await store.recordOutcomes(
        claimed.slice(0, 5).map((c) => outcome(c, "failure")),
        T0 + 2,
        opens,
      );
      assert.deepEqual(disabled, []);
      const health = (await store.getEndpoint(a.id, ep.id))?.health;
      assert.equal(health?.consecutiveFailures, 5);
      assert.equal(health?.circuitOpenUntil, T0 + 2 + 60_000);
      const again = await store.claimDueDeliveries({
        now: T0 + 20,
        limit: 10,
        leaseMs: 30_000,
        endpointCap: 10,
        circuitThreshold: 5,
        inFlight: new Map(),
        paused: [],
      });
      assert.equal(again.length, 0, "an open circuit is not claimed");
      assert.equal(
        (await store.getDelivery(claimed[0]!.message.id, ep.id))?.dueAt,
        T0 + 2 + 60_000,
        "its queue waits for the circuit",
      );
      const last = claimed[5]!;
      const twice = [outcome(last, "disable"), outcome(last, "disable")]; // two 410s that were in flight together
      assert.equal((await store.recordOutcomes(twice, T0 + 3, opens)).length, 1, "disabled once");
      assert.equal((await store.getEndpoint(a.id, ep.id))?.disabled, true);
    });

    test("an interrupted attempt (effect none) is logged, leaves the delivery pending and the endpoint's health alone", async () => {
      const a = app();
      await store.insertApplication(a);
      const ep = endpoint(a.id);
      await store.insertEndpoint(ep);
      const m = message(a.id);
      await store.insertMessage(m, [delivery(m, ep.id, T0)]);
      const [claimed] = await store.claimDueDeliveries({
        now: T0 + 1,
        limit: 1,
        leaseMs: 30_000,
        endpointCap: 10,
        circuitThreshold: 5,
        inFlight: new Map(),
        paused: [],
      });
      assert.ok(claimed);
      const opensAtOnce = (_failures: number, now: number) => now + 60_000;
      await store.recordOutcomes(
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
            },
            status: 1,
            dueAt: T0 + 2,
            endpointEffect: "none",
          },
        ],
        T0 + 2,
        opensAtOnce,
      );
      const after = await store.getDelivery(m.id, ep.id);
      assert.deepEqual([after?.status, after?.dueAt, after?.attempts], [1, T0 + 2, 0]);
      assert.deepEqual((await store.getEndpoint(a.id, ep.id))?.health, {
        failingSince: null,
        consecutiveFailures: 0,
        circuitOpenUntil: null,
      });
      const logged = await store.listAttempts(a.id, { msgId: m.id }, firstPage(10));
      assert.equal(logged.items[0]?.response, "interrupted by shutdown");
    });

    test("import jobs: counts (unchanged included) round-trip; listed per application, newest first", async () => {
      const a = app();
      const b = app(T0 + 1);
      await store.insertApplication(a);
      await store.insertApplication(b);
      const job = (appId: string, at: number) => ({
        id: newId("imp", at),
        appId,
        state: "queued" as const,
        options: { idColumn: "id", issuer: "crm" },
        file: null,
        rowsRead: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
        errors: [],
        message: null,
        createdAt: at,
        updatedAt: at,
      });
      const jobs = [job(a.id, T0), job(a.id, T0 + 1), job(a.id, T0 + 2), job(b.id, T0 + 3)];
      for (const row of jobs) await store.insertImport(row);
      const done = {
        ...jobs[0]!,
        state: "completed" as const,
        rowsRead: 9,
        created: 1,
        updated: 2,
        unchanged: 5,
        failed: 1,
      };
      await store.updateImport(done);
      assert.deepEqual(await store.getImport(a.id, done.id), done);

      const page = await store.listImports(a.id, firstPage(2));
      assert.deepEqual(
        page.items.map((row) => row.id),
        [jobs[2]!.id, jobs[1]!.id],
      );
      assert.equal(page.done, false);
      const rest = await store.listImports(a.id, { ...firstPage(2), cursor: jobs[1]!.id });
      assert.deepEqual(
        rest.items.map((row) => row.id),
        [done.id],
      );
      assert.equal(rest.items[0]?.unchanged, 5);
      assert.equal(rest.done, true);
    });

    test("releaseOrphanedClaims and recoverFailedDeliveries make work due again", async () => {
      const a = app();
      await store.insertApplication(a);
      const ep = endpoint(a.id);
      await store.insertEndpoint(ep);
      const m = message(a.id);
      await store.insertMessage(m, [{ ...delivery(m, ep.id, T0), status: 2, dueAt: null }]);
      assert.equal(await store.recoverFailedDeliveries(ep.id, T0 - 1, T0 + 1, T0 + 5), 1);
      const row = await store.getDelivery(m.id, ep.id);
      assert.equal(row?.status, 1);
      assert.equal(row?.dueAt, T0 + 5);
      const stats = await store.endpointStats(ep.id, null, null);
      assert.equal(stats.pending, 1);
    });

    test("participants are found by external identifier, one at a time or in a batch", async () => {
      const a = app();
      await store.insertApplication(a);
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
      await store.saveParticipants(people, []);
      assert.equal((await store.findParticipantByIdentifier(a.id, "crm", "c1"))?.id, people[1]?.id);
      const found = await store.findParticipantsByIdentifiers(a.id, "whatsapp", ["+3", "+1", "+9", "+1"]);
      assert.deepEqual([...found.keys()].sort(), ["+1", "+3"]);
      assert.equal(found.get("+3")?.attributes.FirstName, "P2");
      assert.equal(found.get("+1")?.externalIdentifiers.length, 2);
      const thief = {
        ...people[0]!,
        id: newId("prt", T0 + 9),
        externalIdentifiers: [{ issuer: "crm", id: "c2" }],
      };
      await assert.rejects(store.saveParticipants([thief], []), DuplicateIdentifierError);
    });

    test("a message's idempotent answer commits with it, or not at all", async () => {
      const a = app();
      await store.insertApplication(a);
      const m = message(a.id, T0, "idem-evt");
      await store.reserveIdempotency("k-msg", "h", T0);
      await store.insertMessage(m, [], { key: "k-msg", statusCode: 202, body: "sealed-answer" });
      assert.equal((await store.getIdempotency("k-msg"))?.statusCode, 202);
      assert.equal((await store.getIdempotency("k-msg"))?.body, "sealed-answer");
      await store.reserveIdempotency("k-dup", "h", T0);
      const dup = message(a.id, T0 + 1, "idem-evt");
      await assert.rejects(
        store.insertMessage(dup, [], { key: "k-dup", statusCode: 202, body: "x" }),
        DuplicateEventIdError,
      );
      assert.equal(
        (await store.getIdempotency("k-dup"))?.statusCode,
        0,
        "no answer recorded for a failed write",
      );
      await store.releaseIdempotency("k-msg");
      await store.releaseIdempotency("k-dup");
    });

    test("idempotency keys are reserved once", async () => {
      assert.equal(await store.reserveIdempotency("k", "h", T0), true);
      assert.equal(await store.reserveIdempotency("k", "h", T0), false);
      await store.completeIdempotency("k", 202, "{}");
      assert.deepEqual(await store.getIdempotency("k"), {
        key: "k",
        requestHash: "h",
        statusCode: 202,
        body: "{}",
        createdAt: T0,
      });
      assert.equal(await store.purgeIdempotency(T0 + 1), 1);
      await store.reserveIdempotency("abandoned", "h", T0);
      await store.reserveIdempotency("answered", "h", T0);
      await store.completeIdempotency("answered", 200, "{}");
      assert.equal(
        await store.releaseAbandonedIdempotency(T0 + 1),
        1,
        "only the reservation without a response",
      );
      assert.equal(await store.getIdempotency("abandoned"), null);
    });
  });
}
