import assert from "node:assert/strict";
import { test } from "node:test";
import { createTelemetry, deliveryOutcome, statusClass } from "../../src/observability/metrics.ts";
import { formatLogLine } from "../../src/observability/pretty-log.ts";
import type { DeliveryOutcome } from "../../src/store/types.ts";

test("statusClass", () => {
  const cases: Array<[number, string]> = [
    [0, "none"],
    [99, "none"],
    [100, "1xx"],
    [200, "2xx"],
    [204, "2xx"],
    [302, "3xx"],
    [410, "4xx"],
    [429, "4xx"],
    [503, "5xx"],
    [599, "5xx"],
    [600, "none"],
  ];
  for (const [code, expected] of cases) assert.equal(statusClass(code), expected, String(code));
});

test("deliveryOutcome follows the delivery's new status", () => {
  assert.equal(deliveryOutcome(0), "success");
  assert.equal(deliveryOutcome(1), "retry");
  assert.equal(deliveryOutcome(2), "failed");
  assert.equal(deliveryOutcome(3), "retry");
});

function outcome(status: 0 | 1 | 2, code: number, durationMs: number, effect = "none"): DeliveryOutcome {
  return {
    attempt: {
      id: "atmpt_1",
      msgId: "msg_1",
      appId: "app_1",
      endpointId: "ep_1",
      url: "https://example.com",
      status: status === 0 ? 0 : 2,
      responseStatusCode: code,
      response: "",
      durationMs,
      triggerType: 0,
      createdAt: 0,
      request: null,
      responseHeaders: null,
    },
    status,
    dueAt: null,
    endpointEffect: effect as DeliveryOutcome["endpointEffect"],
  };
}

test("telemetry counts outcomes, responses and scrape-time gauges", async () => {
  const telemetry = createTelemetry({ now: () => 1_000_000, workerInProcess: true, defaultMetrics: false });
  assert.equal(telemetry.lastOutcomeAt(), null);
  telemetry.recordOutcomes(
    [outcome(0, 200, 40), outcome(1, 503, 1200), outcome(2, 0, 15_000), outcome(2, 410, 3, "disable")],
    2_000_000,
  );
  telemetry.recordResponse("POST", "/api/v1/app/:app_id/msg", 202, false);
  telemetry.recordResponse("POST", "/api/v1/app/:app_id/msg", 202, true); // an idempotent replay
  telemetry.recordResponse("GET", undefined, 404, false);
  telemetry.observeStats(
    {
      queue: { pending: 7, sending: 2, due: 3, oldestDueAt: 1_000_000 - 4_500 },
      endpoints: { total: 5, disabled: 1, failing: 2, circuitOpen: 1 },
      database: { sizeBytes: 4096 },
    },
    1_000_000,
  );
  const text = await telemetry.registry.metrics();
  const expected = [
    'outbound_delivery_attempts_total{outcome="success",status_class="2xx"} 1',
    'outbound_delivery_attempts_total{outcome="retry",status_class="5xx"} 1',
    'outbound_delivery_attempts_total{outcome="failed",status_class="none"} 1',
    'outbound_delivery_attempts_total{outcome="failed",status_class="4xx"} 1',
    'outbound_delivery_attempt_duration_seconds_bucket{le="0.05",status_class="2xx"} 1',
    'outbound_delivery_attempt_duration_seconds_bucket{le="1",status_class="5xx"} 0',
    'outbound_delivery_attempt_duration_seconds_bucket{le="2.5",status_class="5xx"} 1',
    "outbound_endpoints_disabled_total 1",
    "outbound_messages_created_total 1",
    'outbound_http_requests_total{method="GET",route="unmatched",status_class="4xx"} 1',
    'outbound_queue_depth{state="pending"} 7',
    'outbound_queue_depth{state="sending"} 2',
    "outbound_queue_due 3",
    "outbound_queue_oldest_due_age_seconds 4.5",
    'outbound_endpoints{state="circuit_open"} 1',
    "outbound_database_size_bytes 4096",
    "outbound_worker_last_outcome_timestamp_seconds 2000",
  ];
  for (const line of expected) assert.ok(text.includes(`${line}\n`), `missing ${line} in\n${text}`);
  assert.equal(telemetry.lastOutcomeAt(), 2_000_000);
});

test("formatLogLine: pino JSON becomes one readable line; other text passes through", () => {
  const time = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const cases: Array<{ line: string; color: boolean; expected: string }> = [
    {
      line: JSON.stringify({
        level: 30,
        time,
        pid: 1,
        hostname: "h",
        service: "outbound",
        msg: "Outbound is listening",
        url: "http://localhost:8071",
      }),
      color: false,
      expected: "03:04:05.678 INFO  Outbound is listening url=http://localhost:8071",
    },
    {
      line: JSON.stringify({
        level: 40,
        time,
        msg: "endpoint disabled",
        appId: "app_1",
        statusCode: 410,
        note: "two words",
      }),
      color: false,
      expected: '03:04:05.678 WARN  endpoint disabled appId=app_1 statusCode=410 note="two words"',
    },
    {
      line: JSON.stringify({
        level: 50,
        time,
        msg: "boom",
        err: { type: "Error", message: "x", stack: "Error: x\n    at f" },
      }),
      color: false,
      expected: "03:04:05.678 ERROR boom\nError: x\n    at f",
    },
    {
      line: JSON.stringify({ level: 30, time, msg: "hi" }),
      color: true,
      expected: "\x1b[2m03:04:05.678\x1b[0m \x1b[32mINFO \x1b[0m hi",
    },
    { line: "Outbound generated an API token", color: false, expected: "Outbound generated an API token" },
    { line: '{"not":"pino"}', color: false, expected: '{"not":"pino"}' },
  ];
  for (const c of cases) assert.equal(formatLogLine(c.line, c.color), c.expected);
});
