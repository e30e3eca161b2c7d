/**
 * Operator view of a running server: /metrics (Prometheus text, token-protected), /api/v1/health (204, or 503 once
 * the database file is gone) and /health/details, and LOG_FORMAT=pretty.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { renameSync } from "node:fs";
import { test } from "node:test";
import { api } from "../support/api.ts";
import { ensureEventType } from "../support/event-types.ts";
import { eventually } from "../support/poll.ts";
import { createGate, startReceiver } from "../support/receiver.ts";
import { startServer } from "../support/server.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const METRICS_TOKEN = `metrics_${randomBytes(12).toString("hex")}`;
const server = serverForTests({ OUTBOUND_METRICS_TOKEN: METRICS_TOKEN, OUTBOUND_RETRY_SCHEDULE: "1h" });

async function scrape(
  token: string | null = server.token,
): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

/** The value of one sample line (`name{labels}`), or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("/metrics answers the API token and OUTBOUND_METRICS_TOKEN, and nobody else", async () => {
  assert.equal((await scrape(null)).status, 401);
  assert.equal((await scrape("wrong-token-of-some-length")).status, 401);
  const app = await server.svix.application.create({ name: "metrics portal" });
  const access = await api<{ token: string }>(server, "POST", `/api/v1/auth/app-portal-access/${app.id}`, {});
  assert.equal((await scrape(access.body.token)).status, 401, "a portal token does not read metrics");
  const withApiToken = await scrape();
  assert.equal(withApiToken.status, 200);
  assert.match(withApiToken.type, /^text\/plain; version=0\.0\.4/);
  const withMetricsToken = await scrape(METRICS_TOKEN);
  assert.equal(withMetricsToken.status, 200);
  assert.match(withMetricsToken.text, /^# HELP nodejs_eventloop_lag_seconds /m);
  // The metrics token reads metrics only.
  const apiCall = await api({ url: server.url, token: METRICS_TOKEN }, "GET", "/api/v1/app");
  assert.equal(apiCall.status, 401);
});

test("deliveries, messages and the queue show up in /metrics", async () => {
  await ensureEventType(server.svix, "metrics.test");
  const gate = createGate();
  const ok = await startReceiver();
  const failing = await startReceiver(() => ({ status: 503 }));
  const held = await startReceiver(() => ({ until: gate.promise }));
  try {
    const before = await scrape();
    const count = (text: string, series: string) => sample(text, series) ?? 0;
    const app = await server.svix.application.create({ name: "metrics" });
    await server.svix.endpoint.create(app.id, { url: ok.url });
    await server.svix.endpoint.create(app.id, { url: failing.url });
    await server.svix.endpoint.create(app.id, { url: held.url });
    await server.svix.message.create(app.id, { eventType: "metrics.test", payload: { n: 1 } });
    await held.waitFor(1);
    await ok.waitFor(1);
    await failing.waitFor(1);

    const success = 'outbound_delivery_attempts_total{outcome="success",status_class="2xx"}';
    const retry = 'outbound_delivery_attempts_total{outcome="retry",status_class="5xx"}';
    const after = await eventually(
      () => scrape().then((r) => r.text),
      (text) =>
        count(text, success) > count(before.text, success) && count(text, retry) > count(before.text, retry),
      "the success and the retry counted",
    );
    assert.equal(
      count(after, "outbound_messages_created_total"),
      count(before.text, "outbound_messages_created_total") + 1,
    );
    assert.ok(count(after, 'outbound_delivery_attempt_duration_seconds_count{status_class="2xx"}') >= 1);
    // The held attempt is in flight; the 503 waits an hour for its retry (pending, not due).
    assert.equal(sample(after, 'outbound_queue_depth{state="sending"}'), 1);
    assert.ok((sample(after, 'outbound_queue_depth{state="pending"}') ?? 0) >= 1);
    assert.equal(sample(after, "outbound_queue_due"), 0);
    assert.equal(sample(after, 'outbound_endpoints{state="failing"}'), 1);
    assert.ok((sample(after, "outbound_database_size_bytes") ?? 0) > 0);
    assert.ok(
      count(
        after,
        'outbound_http_requests_total{method="POST",route="/api/v1/app/:app_id/msg",status_class="2xx"}',
      ) >= 1,
    );
  } finally {
    gate.open();
    await Promise.all([ok.close(), failing.close(), held.close()]);
  }
});

test("health: 204 while the database works; details for the operator token only", async () => {
  const health = await fetch(`${server.url}/api/v1/health`);
  assert.equal(health.status, 204);
  assert.equal((await fetch(`${server.url}/api/v1/health/details`)).status, 401);
  const details = await api<Record<string, Record<string, unknown>>>(server, "GET", "/api/v1/health/details");
  assert.equal(details.status, 200);
  assert.equal(details.body.status as unknown, "ok");
  assert.equal(details.body.database?.kind, "sqlite");
  assert.equal(details.body.database?.reachable, true);
  assert.equal(details.body.worker?.inProcess, true);
  assert.equal(typeof details.body.queue?.pending, "number");
  assert.equal(typeof details.body.endpoints?.total, "number");
  const app = await server.svix.application.create({ name: "portal" });
  const access = await api<{ token: string }>(server, "POST", `/api/v1/auth/app-portal-access/${app.id}`, {});
  const portal = await api({ url: server.url, token: access.body.token }, "GET", "/api/v1/health/details");
  assert.equal(portal.status, 403);
});

test("health answers 503 once the database file is removed from under the server", async () => {
  const own = await startServer();
  assert.equal((await fetch(`${own.url}/api/v1/health`)).status, 204);
  renameSync(own.databaseUrl, `${own.databaseUrl}.moved`);
  const health = await fetch(`${own.url}/api/v1/health`);
  assert.equal(health.status, 503);
  assert.deepEqual(await health.json(), { code: "unavailable", detail: "The database is unavailable" });
  const details = await api<{ status: string; database: { reachable: boolean; error: string } }>(
    own,
    "GET",
    "/api/v1/health/details",
  );
  assert.equal(details.status, 503);
  assert.equal(details.body.status, "unavailable");
  assert.equal(details.body.database.reachable, false);
  assert.match(details.body.database.error, /was removed while Outbound runs/);
  renameSync(`${own.databaseUrl}.moved`, own.databaseUrl);
  assert.equal((await fetch(`${own.url}/api/v1/health`)).status, 204, "healthy again once it is back");
});

test("LOG_FORMAT=pretty writes readable lines instead of JSON", async () => {
  const pretty = await startServer({ LOG_FORMAT: "pretty", LOG_LEVEL: "info" });
  const logs = pretty.logs();
  assert.match(logs, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}Outbound is listening url=http:\/\/127\.0\.0\.1:\d+ /m);
  assert.doesNotMatch(logs, /"level":30/);
});
