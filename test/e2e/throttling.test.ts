/**
 * Protecting receivers and the worker: an endpoint's `throttleRate` spaces its deliveries out, and a circuit
 * breaker stops hammering an endpoint that keeps failing (visible in its stats).
 */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

let server: TestServer;
before(async () => {
  server = await startServer({ OUTBOUND_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms" });
});
after(stopAllServers);
afterEach(reportServerLogsOnFailure);

test("throttleRate spaces deliveries to one endpoint without slowing another", async (t) => {
  const limited = await startReceiver();
  const free = await startReceiver();
  t.after(() => Promise.all([limited.close(), free.close()]));
  const app = await server.svix.application.create({ name: "throttled" });
  await server.svix.endpoint.create(app.id, { url: limited.url, throttleRate: 5 });
  await server.svix.endpoint.create(app.id, { url: free.url });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      server.svix.message.create(app.id, { eventType: "tick", payload: { i } }),
    ),
  );
  await free.waitFor(10);
  const freeDone = Date.now() - started;
  const arrivals = (await limited.waitFor(10)).map((r) => r.receivedAt);
  const span = arrivals.at(-1)! - arrivals[0]!;
  t.diagnostic(
    `throttled span ${span} ms for 10 messages at 5/s; unthrottled endpoint done in ${freeDone} ms`,
  );
  assert.ok(span >= 1_600, `10 deliveries at 5/s take at least ~1.8 s, took ${span} ms`);
  assert.ok(freeDone < 1_500, `the other endpoint is not held back (${freeDone} ms)`);
});

test("the circuit opens after 5 consecutive failures and stops attempts while it cools down", async (t) => {
  // The cooldown is capped by the schedule's longest step; this schedule allows the default 5 s.
  const breakerServer = await startServer({ OUTBOUND_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,5s,5s" });
  const failing = await startReceiver(() => ({ status: 500 }));
  t.after(() => failing.close());
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
  const fifth = failing.requests[4]!.receivedAt;
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.equal(failing.requests.length, 5, "no attempt while the circuit is open (5 s cooldown)");
  // Half-open after the cooldown: one probe; it fails, so the circuit opens again for longer.
  await failing.waitFor(6, 8_000);
  const gap = failing.requests[5]!.receivedAt - fifth;
  t.diagnostic(`probe came ${gap} ms after the 5th failure`);
  assert.ok(gap >= 4_500, `probe waits for the cooldown (${gap} ms)`);
});
