/** Svix's statistics routes and canceled deliveries (status 4), against the real server. */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import { MessageStatus } from "svix";
import { api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

const HOUR = 3_600_000;

test("cancel-msgs cancels pending deliveries; statistics count success, failure and canceled", async (t) => {
  const server = await startServer();
  const svix = server.svix;
  const ok = await startReceiver();
  const failing = await startReceiver(() => ({ status: 500 }));
  t.after(() => Promise.all([ok.close(), failing.close()]));
  const t0 = Date.now() - 1_000;
  const app = await svix.application.create({ name: "stats" });
  const good = await svix.endpoint.create(app.id, { url: ok.url });
  const bad = await svix.endpoint.create(app.id, {
    url: failing.url,
    eventTypes: ["order.created", "order.paid"],
  });

  await svix.message.create(app.id, { eventType: "order.created", payload: {} });
  await svix.message.create(app.id, { eventType: "order.paid", payload: {} });
  const later = await svix.message.create(app.id, {
    eventType: "order.created",
    payload: {},
    deliverAt: new Date(Date.now() + HOUR),
  });
  await eventually(
    () => svix.endpoint.getStats(app.id, bad.id),
    (stats) => stats.fail === 2,
    "both messages to fail at the failing endpoint",
  );
  await ok.waitFor(2);

  const cancel = await api(server, "POST", `/api/v1/app/${app.id}/endpoint/${good.id}/cancel-msgs`, {
    createdBefore: new Date(Date.now() + 1_000).toISOString(),
  });
  assert.equal(cancel.status, 204);
  const goodStats = await svix.endpoint.getStats(app.id, good.id);
  assert.deepEqual(
    { success: goodStats.success, pending: goodStats.pending, canceled: goodStats.canceled },
    { success: 2, pending: 0, canceled: 1 },
  );
  const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, later.id);
  const byEndpoint = new Map(destinations.data.map((d) => [d.id, d]));
  assert.equal(byEndpoint.get(good.id)?.status, MessageStatus.Canceled);
  assert.equal(byEndpoint.get(good.id)?.statusText, "canceled");
  assert.equal(byEndpoint.get(bad.id)?.status, MessageStatus.Pending, "the other endpoint still waits");
  const canceledOnly = await svix.messageAttempt.listAttemptedMessages(app.id, good.id, {
    status: MessageStatus.Canceled,
  });
  assert.deepEqual(
    canceledOnly.data.map((m) => m.id),
    [later.id],
  );

  const since = new Date(t0).toISOString();
  const until = new Date(t0 + HOUR).toISOString();
  const totals = await api<Record<string, unknown>>(
    server,
    "GET",
    `/api/v1/app/${app.id}/stats/attempts?since=${since}&until=${until}`,
  );
  assert.equal(totals.status, 200);
  assert.deepEqual(totals.body, {
    by_event_type: {
      "order.created": { success: 1, failure: 1, canceled: 1 },
      "order.paid": { success: 1, failure: 1, canceled: 0 },
    },
    total_success: 2,
    total_failure: 2,
    total_canceled: 1,
    since,
    until,
  });
  const paidOnly = await api<{ total_success: number }>(
    server,
    "GET",
    `/api/v1/app/${app.id}/stats/attempts?since=${since}&until=${until}&event_types=order.paid`,
  );
  assert.equal(paidOnly.body.total_success, 1);

  const start = new Date(t0 - HOUR).toISOString();
  const series = await api<{ period: string; data: Record<string, number[]> }>(
    server,
    "GET",
    `/api/v1/stats/app/${app.id}/attempt?startDate=${start}&endDate=${until}&period=OneHour`,
  );
  assert.equal(series.status, 200);
  assert.equal(series.body.period, "OneHour");
  assert.deepEqual(series.body.data, { successCount: [0, 2], failureCount: [0, 2], canceledCount: [0, 1] });
});

test("usage and aggregate statistics are finished background tasks; counts of endpoints and active apps", async (t) => {
  const server = await startServer();
  const svix = server.svix;
  const receiver = await receiverForTest(t);
  const t0 = new Date(Date.now() - 1_000);
  const busy = await svix.application.create({ name: "busy", uid: "busy" });
  const quiet = await svix.application.create({ name: "quiet" });
  await svix.endpoint.create(busy.id, { url: receiver.url });
  await svix.endpoint.create(busy.id, { url: receiver.url, eventTypes: ["b.two", "a.one"] });
  await svix.endpoint.create(quiet.id, { url: receiver.url, disabled: true });
  await svix.message.create(busy.id, { eventType: "a.one", payload: {} });
  await svix.message.create(busy.id, { eventType: "x.other", payload: {} });

  const usage = await svix.statistics.aggregateAppStats({
    since: t0,
    until: new Date(Date.now() + HOUR),
    appIds: ["busy", "missing-app"],
  });
  assert.deepEqual(usage.unresolvedAppIds, ["missing-app"]);
  const usageTask = await svix.backgroundTask.get(usage.id);
  assert.equal(usageTask.status, "finished");
  assert.deepEqual(usageTask.data, {
    appStats: [{ appId: busy.id, appUid: "busy", messageDestinations: 3 }],
  });

  const aggregate = await svix.backgroundTask.get((await svix.statistics.aggregateEventTypes()).id);
  assert.deepEqual(aggregate.data, {
    event_types: [
      { appId: busy.id, explicitlySubscribedEventTypes: ["a.one", "b.two"], hasCatchAllEndpoint: true },
      { appId: quiet.id, explicitlySubscribedEventTypes: [], hasCatchAllEndpoint: true },
    ],
  });

  assert.deepEqual((await api(server, "GET", "/api/v1/stats/endpoint/count")).body, {
    active: 2,
    disabled: 1,
  });
  assert.deepEqual((await api(server, "GET", "/api/v1/app/stats/count-active")).body, { count: 1 });
  assert.equal(
    (await api(server, "GET", "/api/v1/app/stats/count-active?exclude_svix_play=true")).status,
    422,
  );
});
