/**
 * Protecting receivers and the worker: an endpoint's `throttleRate` spaces its deliveries out, and a circuit
 * breaker stops hammering an endpoint that keeps failing (visible in its stats).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import { startServer } from "../support/server.ts";
import { receiverForTest, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests({ OUTBOUND_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms" });

test("throttleRate spaces deliveries to one endpoint without slowing another", async (t) => {
  const RATE = 2;
  const MESSAGES = 8;
  const minimumMs = ((MESSAGES - 1) * 1000) / RATE;
  const limited = await startReceiver();
  const free = await startReceiver();
  t.after(() => Promise.all([limited.close(), free.close()]));
  const app = await server.svix.application.create({ name: "throttled" });
  await server.svix.endpoint.create(app.id, { url: limited.url, throttleRate: RATE });
  await server.svix.endpoint.create(app.id, { url: free.url });
  const sendingStarted = Date.now();
  await Promise.all(
    Array.from({ length: MESSAGES }, (_, i) =>
      server.svix.message.create(app.id, { eventType: "tick", payload: { i } }),
    ),
  );
  await free.waitFor(MESSAGES);
  // Order, not a stopwatch: the throttled endpoint needs at least `minimumMs` for its deliveries; had the free one
  // queued behind it, it could not have all of them before the throttled one has its last.
  const limitedWhenFreeDone = limited.requests.length;
  const arrivals = (await limited.waitFor(MESSAGES)).map((r) => r.receivedAt);
  const last = arrivals.at(-1)! - sendingStarted;
  t.diagnostic(
    `throttled: first → last arrival ${arrivals.at(-1)! - arrivals[0]!} ms, send → last ${last} ms at ` +
      `${RATE}/s; ${limitedWhenFreeDone} had arrived when the unthrottled endpoint had all ${MESSAGES}`,
  );
  // The last send's slot is (MESSAGES - 1) intervals after the first slot, which is no earlier than the first
  // message was sent. A loaded machine can only make it later; measuring from the first arrival instead would let
  // a late first send shrink the span.
  assert.ok(
    last >= minimumMs - 100,
    `${MESSAGES} deliveries at ${RATE}/s take at least ${minimumMs} ms from the first send, took ${last} ms`,
  );
  assert.ok(
    limitedWhenFreeDone < MESSAGES,
    `the other endpoint is not held back (it finished after the throttled one's ${limitedWhenFreeDone}th)`,
  );
});

test("the circuit opens after 5 consecutive failures and stops attempts while it cools down", async (t) => {
  // The cooldown is capped by the schedule's longest step; this schedule allows the default 5 s.
  const breakerServer = await startServer({ OUTBOUND_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,5s,5s" });
  const failing = await receiverForTest(t, () => ({ status: 500 }));
  const server = breakerServer;
  const app = await server.svix.application.create({ name: "breaker" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: failing.url });
  await server.svix.message.create(app.id, { eventType: "tick", payload: {} });
  await failing.waitFor(5);
  type Stats = { circuit: { state: string; consecutiveFailures: number; openUntil: string | null } };
  const stats = await eventually(
    () => api<Stats>(server, "GET", `/api/v1/app/${app.id}/endpoint/${endpoint.id}/stats`),
    (response) => response.body.circuit.state === "open",
    "the circuit to open",
    5_000,
  );
  assert.equal(stats.body.circuit.consecutiveFailures, 5);
  // Work queued behind the open circuit is next tried when the circuit reopens, and the API says so.
  const openUntil = stats.body.circuit.openUntil;
  assert.ok(openUntil !== null);
  const queued = await server.svix.message.create(app.id, { eventType: "tick", payload: {} });
  const destinations = await server.svix.messageAttempt.listAttemptedDestinations(app.id, queued.id);
  assert.equal(destinations.data[0]?.nextAttempt?.getTime(), Date.parse(openUntil));
  type EndpointMessages = { data: Array<{ id: string; nextAttempt: string | null }> };
  const listed = await api<EndpointMessages>(
    server,
    "GET",
    `/api/v1/app/${app.id}/endpoint/${endpoint.id}/msg`,
  );
  assert.equal(listed.body.data.find((m) => m.id === queued.id)?.nextAttempt, openUntil);
  const fifth = failing.requests[4]!.receivedAt;
  // Half-open after the cooldown: one probe; it fails, so the circuit opens again for longer. No sleep is needed
  // to show that nothing came during the cooldown: the 6th request is the first after the 5th, so its distance
  // from the 5th is the silence.
  await failing.waitFor(6, 15_000);
  const gap = failing.requests[5]!.receivedAt - fifth;
  t.diagnostic(`probe came ${gap} ms after the 5th failure`);
  assert.ok(
    gap >= 4_500,
    `no attempt while the circuit is open: the probe waits for the cooldown (${gap} ms)`,
  );
});
