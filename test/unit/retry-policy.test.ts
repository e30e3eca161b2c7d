import assert from "node:assert/strict";
import { test } from "node:test";
import { decideOutcome } from "../../src/delivery/decide-outcome.ts";
import {
  applyJitter,
  classifyResponse,
  nextRetryDelay,
  parseRetryAfter,
  THROTTLE_FLOOR_MS,
} from "../../src/delivery/retry-policy.ts";
import { parseDuration, parseRetrySchedule } from "../../src/duration.ts";
import type { ClaimedDelivery } from "../../src/store/types.ts";
import { endpointRow } from "../support/rows.ts";

const SCHEDULE = parseRetrySchedule("5s,5m,30m,2h,5h,10h,10h");
const mid = () => 0.5; // jitter factor exactly 1.0

test("parseDuration understands ms, s, m, h, d and bare milliseconds", () => {
  const cases: Array<[string, number]> = [
    ["250ms", 250],
    ["5s", 5000],
    ["1.5s", 1500],
    ["5m", 300_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["750", 750],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  for (const bad of ["", "5x", "-1s", "s", "1 2s"])
    assert.throws(() => parseDuration(bad), /invalid duration/, bad);
});

test("parseRetrySchedule reads the default Svix schedule", () => {
  assert.deepEqual(SCHEDULE, [5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  assert.deepEqual(parseRetrySchedule(" 5s , 5m ,30m "), [5000, 300_000, 1_800_000]);
  assert.throws(() => parseRetrySchedule(""), /at least one/);
  assert.throws(() => parseRetrySchedule("5s,,nope"), /invalid duration/);
});

test("classifyResponse maps statuses to verdicts", () => {
  const cases: Array<[number, string]> = [
    [200, "success"],
    [204, "success"],
    [299, "success"],
    [301, "failure"],
    [302, "failure"],
    [400, "failure"],
    [404, "failure"],
    [410, "disable"],
    [429, "throttled"],
    [500, "failure"],
    [502, "throttled"],
    [503, "throttled"],
    [504, "throttled"],
  ];
  for (const [status, kind] of cases)
    assert.equal(classifyResponse(status, undefined).kind, kind, String(status));
});

test("parseRetryAfter accepts seconds and HTTP dates, ignores junk", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("120", now), 120_000);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now), 60_000);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), null);
  assert.equal(parseRetryAfter("-5", now), null);
  assert.equal(parseRetryAfter(undefined, now), null);
});

test("jitter stays within ±20 %", () => {
  assert.equal(
    applyJitter(1000, () => 0),
    800,
  );
  assert.equal(
    applyJitter(1000, () => 0.5),
    1000,
  );
  assert.equal(
    applyJitter(1000, () => 0.999999),
    1200,
  );
});

test("nextRetryDelay follows the schedule and stops after the last step", () => {
  const failure = { kind: "failure" } as const;
  SCHEDULE.forEach((step, index) => {
    assert.equal(nextRetryDelay(SCHEDULE, index + 1, failure, mid), step);
  });
  assert.equal(nextRetryDelay(SCHEDULE, SCHEDULE.length + 1, failure, mid), null);
  assert.equal(nextRetryDelay(SCHEDULE, 1, { kind: "success" }, mid), null);
  assert.equal(nextRetryDelay(SCHEDULE, 1, { kind: "disable" }, mid), null);
});

test("throttled attempts wait for Retry-After (clamped) and at least the floor", () => {
  const throttled = (retryAfterMs: number | null) => ({ kind: "throttled", retryAfterMs }) as const;
  assert.equal(nextRetryDelay(SCHEDULE, 1, throttled(null), mid), THROTTLE_FLOOR_MS);
  assert.equal(nextRetryDelay(SCHEDULE, 1, throttled(120_000), mid), 120_000);
  assert.equal(nextRetryDelay(SCHEDULE, 1, throttled(10 ** 12), mid), 36_000_000);
  // A short (test) schedule lowers the floor and the ceiling with it.
  const short = [100, 100];
  assert.equal(nextRetryDelay(short, 1, throttled(null), mid), 100);
  assert.equal(nextRetryDelay(short, 1, throttled(1000), mid), 1000);
  assert.equal(nextRetryDelay(short, 1, throttled(10 ** 12), mid), 3_600_000);
  assert.equal(nextRetryDelay([100, 5000], 1, throttled(1000), mid), 5000);
});

function claimed(attempts: number, failingSince: number | null): ClaimedDelivery {
  return {
    delivery: {
      msgId: "msg_1",
      endpointId: "ep_1",
      appId: "app_1",
      status: 3,
      attempts,
      dueAt: 0,
      triggerType: 0,
      createdAt: 0,
      updatedAt: 0,
    },
    message: {
      id: "msg_1",
      appId: "app_1",
      eventType: "a",
      eventId: null,
      channels: null,
      payload: "{}",
      tags: null,
      deliverAt: null,
      createdAt: 0,
      expiresAt: 0,
    },
    endpoint: endpointRow({
      health: { failingSince, consecutiveFailures: 0, circuitOpenUntil: null },
    }),
    sendAt: 0,
  };
}

const response = (statusCode: number, failure?: "timeout" | "network" | "interrupted") => ({
  statusCode,
  responseText: "",
  retryAfter: undefined,
  durationMs: 1,
  failure,
});

test("decideOutcome: success, retry, exhaustion, 410, timeout and the 5-day rule", () => {
  const now = 10 * 24 * 3600_000;
  const short = [100, 100];
  assert.deepEqual(decideOutcome(claimed(0, null), response(200), short, now).status, 0);
  const retry = decideOutcome(claimed(0, null), response(500), short, now);
  assert.equal(retry.status, 1);
  assert.ok(retry.dueAt !== null && retry.dueAt >= now + 80 && retry.dueAt <= now + 120);
  assert.equal(decideOutcome(claimed(2, null), response(500), short, now).status, 2);
  const gone = decideOutcome(claimed(0, null), response(410), short, now);
  assert.equal(gone.status, 2);
  assert.equal(gone.endpointEffect, "disable");
  assert.equal(decideOutcome(claimed(0, null), response(0, "timeout"), short, now).verdict.kind, "throttled");
  assert.equal(decideOutcome(claimed(0, null), response(0, "network"), short, now).status, 1);
  const stale = decideOutcome(claimed(0, now - 5 * 24 * 3600_000), response(500), short, now);
  assert.equal(stale.endpointEffect, "disable");
  assert.equal(stale.status, 2);
  assert.equal(
    decideOutcome(claimed(0, now - 3600_000), response(500), short, now).endpointEffect,
    "failure",
  );
  // Cut short by shutdown, even on the last retry of an endpoint failing for 5 days: pending, due now, no effect.
  const interrupted = decideOutcome(
    claimed(2, now - 5 * 24 * 3600_000),
    response(0, "interrupted"),
    short,
    now,
  );
  assert.deepEqual([interrupted.status, interrupted.dueAt, interrupted.endpointEffect], [1, now, "none"]);
});
