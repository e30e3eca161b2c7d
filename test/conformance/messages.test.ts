import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttemptRow } from "../../src/store/types.ts";
import {
  appWithEndpoint,
  attempt,
  claimRequest,
  delivery,
  endpoint,
  firstPage,
  forEachStore,
  message,
  NO_CIRCUIT,
  OWNER,
  T0,
} from "./fixtures.ts";

forEachStore("Store conformance (messages and attempts)", (ctx) => {
  test("messages: by id or eventId, filtered by event type, channel and time", async () => {
    const { a } = await appWithEndpoint(ctx.store);
    const m1 = { ...message(a.id, T0, "evt-1"), eventType: "order.paid", channels: ["eu", "vip"] };
    const m2 = { ...message(a.id, T0 + 10), eventType: "order.sent", channels: null };
    const m3 = { ...message(a.id, T0 + 20), eventType: "order.paid", channels: ["us"] };
    for (const m of [m1, m2, m3]) await ctx.store.insertMessage(m, []);
    assert.deepEqual(await ctx.store.getMessage(a.id, "evt-1"), m1);
    assert.deepEqual(await ctx.store.getMessage(a.id, m2.id), m2);
    assert.equal(await ctx.store.getMessage("app_other", m2.id), null);
    const ids = async (filter: Parameters<typeof ctx.store.listMessages>[1]) =>
      (await ctx.store.listMessages(a.id, filter, firstPage(10))).items.map((m) => m.id);
    assert.deepEqual(await ids({}), [m3.id, m2.id, m1.id], "newest first");
    assert.deepEqual(await ids({ eventTypes: ["order.paid"] }), [m3.id, m1.id]);
    assert.deepEqual(await ids({ channel: "vip" }), [m1.id]);
    assert.deepEqual(await ids({ after: T0, before: T0 + 20 }), [m2.id]);
  });

  test("payloads: expunged one at a time, and expired ones in bounded batches", async () => {
    const { a } = await appWithEndpoint(ctx.store);
    const old = Array.from({ length: 5 }, (_, i) => ({ ...message(a.id, T0 + i), expiresAt: T0 + 100 }));
    const kept = { ...message(a.id, T0 + 50), expiresAt: T0 + 10_000 };
    for (const m of [...old, kept]) await ctx.store.insertMessage(m, []);
    await ctx.store.expungeMessagePayload(a.id, kept.id);
    assert.equal((await ctx.store.getMessage(a.id, kept.id))?.payload, null);
    assert.equal(await ctx.store.expungeExpiredPayloads(T0 + 100, 3), 3, "one batch");
    assert.equal(await ctx.store.expungeExpiredPayloads(T0 + 100, 3), 2, "the rest");
    assert.equal(await ctx.store.expungeExpiredPayloads(T0 + 100, 3), 0);
  });

  test("deliveries: per message with their endpoint, per endpoint with their message, requeued", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const other = endpoint(a.id, T0 + 1);
    await ctx.store.insertEndpoint(other);
    const m = message(a.id);
    await ctx.store.insertMessage(m, [
      delivery(m, ep.id, T0),
      { ...delivery(m, other.id, T0), status: 2, dueAt: null },
    ]);
    const perMessage = await ctx.store.listMessageDeliveries(a.id, m.id, firstPage(10, "asc"));
    assert.deepEqual(
      perMessage.items.map((row) => [row.endpoint.id, row.delivery.status]),
      [
        [ep.id, 1],
        [other.id, 2],
      ],
    );
    const failed = await ctx.store.listEndpointMessages(a.id, other.id, { status: 2 }, firstPage(10));
    assert.deepEqual(
      failed.items.map((row) => row.message.id),
      [m.id],
    );
    assert.equal(
      (await ctx.store.listEndpointMessages(a.id, other.id, { status: 0 }, firstPage(10))).items.length,
      0,
    );
    assert.equal(
      (await ctx.store.listEndpointMessages(a.id, ep.id, { channel: "c1" }, firstPage(10))).items.length,
      1,
    );

    // Requeue resets an existing delivery, and creates one for an endpoint the message never went to.
    await ctx.store.requeueDelivery({ ...delivery(m, other.id, T0 + 5), triggerType: 1, updatedAt: T0 + 5 });
    const third = endpoint(a.id, T0 + 2);
    await ctx.store.insertEndpoint(third);
    await ctx.store.requeueDelivery({ ...delivery(m, third.id, T0 + 5), triggerType: 1 });
    const requeued = await ctx.store.getDelivery(m.id, other.id);
    assert.equal(requeued?.status, 1);
    assert.equal(requeued?.dueAt, T0 + 5);
    assert.equal(requeued?.triggerType, 1);
    assert.equal((await ctx.store.getDelivery(m.id, third.id))?.dueAt, T0 + 5);
    assert.equal(await ctx.store.nextDueAt(), T0);
  });

  test("attempts: listed with filters, read one by one, responses expunged, old ones deleted in batches", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const m1 = { ...message(a.id, T0), eventType: "order.paid", channels: ["eu"] };
    const m2 = { ...message(a.id, T0 + 1), eventType: "order.sent", channels: null };
    await ctx.store.insertMessage(m1, [delivery(m1, ep.id, T0)]);
    await ctx.store.insertMessage(m2, [delivery(m2, ep.id, T0)]);
    const claimed = await ctx.store.claimDueDeliveries(claimRequest());
    const byMsg = (id: string) => claimed.find((c) => c.message.id === id)!;
    const ok = attempt(byMsg(m1.id), T0 + 10, 200);
    const bad: AttemptRow = attempt(byMsg(m2.id), T0 + 20, 503);
    await ctx.store.recordOutcomes(
      [
        { attempt: ok, status: 0, dueAt: null, endpointEffect: "success" },
        { attempt: bad, status: 1, dueAt: T0 + 100, endpointEffect: "failure" },
      ],
      { now: T0 + 20, owner: OWNER, circuit: NO_CIRCUIT },
    );
    assert.deepEqual(await ctx.store.getAttempt(a.id, m1.id, ok.id), ok);
    assert.equal(await ctx.store.getAttempt(a.id, m2.id, ok.id), null, "scoped to its message");
    const ids = async (filter: Parameters<typeof ctx.store.listAttempts>[1]) =>
      (await ctx.store.listAttempts(a.id, filter, firstPage(10))).items.map((row) => row.id);
    assert.deepEqual(await ids({}), [bad.id, ok.id]);
    assert.deepEqual(await ids({ endpointId: ep.id, status: 0 }), [ok.id]);
    assert.deepEqual(await ids({ statusCodeClass: 500 }), [bad.id]);
    assert.deepEqual(await ids({ statusCodeClass: 0 }), []);
    assert.deepEqual(await ids({ eventTypes: ["order.sent"] }), [bad.id]);
    assert.deepEqual(await ids({ channel: "eu" }), [ok.id]);
    assert.deepEqual(await ids({ before: T0 + 20 }), [ok.id]);
    assert.deepEqual(await ids({ after: T0 + 10, msgId: m2.id }), [bad.id]);

    await ctx.store.expungeAttemptResponse(a.id, m1.id, ok.id);
    assert.equal((await ctx.store.getAttempt(a.id, m1.id, ok.id))?.response, "");
    assert.equal(await ctx.store.deleteAttemptsBefore(T0 + 21, 1), 1, "the oldest first, one batch");
    assert.equal(await ctx.store.getAttempt(a.id, m1.id, ok.id), null);
    assert.equal(await ctx.store.deleteAttemptsBefore(T0 + 21, 1), 1);
    assert.equal(await ctx.store.deleteAttemptsBefore(T0 + 21, 1), 0);
  });

  test("attempts: response headers kept as recorded pairs, null without a response, expunged with the response", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const m1 = message(a.id, T0);
    const m2 = message(a.id, T0 + 1);
    await ctx.store.insertMessage(m1, [delivery(m1, ep.id, T0)]);
    await ctx.store.insertMessage(m2, [delivery(m2, ep.id, T0)]);
    const claimed = await ctx.store.claimDueDeliveries(claimRequest());
    const byMsg = (id: string) => claimed.find((c) => c.message.id === id)!;
    const answered: AttemptRow = {
      ...attempt(byMsg(m1.id), T0 + 10, 200),
      // A repeated name stays two pairs, in the order received; values are kept byte for byte.
      responseHeaders: [
        ["x-receiver", "test"],
        ["vary", "accept"],
        ["vary", "origin"],
        ["content-type", 'text/plain; charset="utf-8"'],
      ],
    };
    const unanswered: AttemptRow = { ...attempt(byMsg(m2.id), T0 + 20, 0), responseHeaders: null };
    await ctx.store.recordOutcomes(
      [
        { attempt: answered, status: 0, dueAt: null, endpointEffect: "success" },
        { attempt: unanswered, status: 1, dueAt: T0 + 100, endpointEffect: "failure" },
      ],
      { now: T0 + 20, owner: OWNER, circuit: NO_CIRCUIT },
    );
    assert.deepEqual(
      (await ctx.store.getAttempt(a.id, m1.id, answered.id))?.responseHeaders,
      answered.responseHeaders,
    );
    assert.equal((await ctx.store.getAttempt(a.id, m2.id, unanswered.id))?.responseHeaders, null);
    const listed = (await ctx.store.listAttempts(a.id, {}, firstPage(10))).items;
    assert.deepEqual(
      listed.map((row) => row.responseHeaders),
      [null, answered.responseHeaders],
      "listed rows carry them too",
    );
    await ctx.store.expungeAttemptResponse(a.id, m1.id, answered.id);
    assert.equal(
      (await ctx.store.getAttempt(a.id, m1.id, answered.id))?.responseHeaders,
      null,
      "part of the response",
    );
  });
});
