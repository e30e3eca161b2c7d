import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeClaims,
  decodeOutcomes,
  encodeClaims,
  encodeOutcomes,
} from "../../src/delivery/thread-codec.ts";
import type { ClaimedDelivery, DeliveryOutcome } from "../../src/store/types.ts";
import { app, endpoint, message, T0 } from "../conformance/fixtures.ts";

const a = app();
const plain = endpoint(a.id, T0);
const detailed = endpoint(a.id, T0 + 1, {
  eventTypes: ["user.created"],
  channels: ["eu"],
  headers: { "x-team": "ops" },
  metadata: { owner: "billing" },
  throttleRate: 5,
  health: { failingSince: T0, consecutiveFailures: 2, circuitOpenUntil: null },
});

function claim(
  ep: typeof plain,
  at: number,
  overrides: Partial<ClaimedDelivery["message"]> = {},
): ClaimedDelivery {
  const m = { ...message(a.id, at), ...overrides };
  return {
    delivery: {
      msgId: m.id,
      endpointId: ep.id,
      appId: a.id,
      status: 3,
      attempts: 0,
      dueAt: at + 60_000,
      triggerType: 0,
      createdAt: at,
      updatedAt: at,
    },
    message: m,
    endpoint: ep,
    sendAt: at,
  };
}

test("claims cross to the delivery thread unchanged, each endpoint row once per batch", () => {
  const claims = [
    claim(plain, T0),
    claim(detailed, T0 + 1, { channels: ["eu", "us"], tags: ["vip"], eventId: "evt-1", deliverAt: T0 + 5 }),
    claim(plain, T0 + 2, { payload: '{"emoji":"☃","nested":{"a":[1,2,3]}}' }),
  ];
  const encoded = encodeClaims(claims);
  assert.equal(encoded.endpoints.length, 2, "two distinct endpoints");
  // What structured clone would deliver: the decoded copy must equal the original in every field.
  assert.deepEqual(decodeClaims(structuredClone(encoded)), claims);
  assert.ok(
    encoded.rows.every((row) => row.every((value) => value === null || typeof value !== "object")),
    "rows are flat tuples of primitives",
  );
});

test("outcome summaries keep everything but the request and response texts", () => {
  const c = claim(detailed, T0);
  const outcomes: DeliveryOutcome[] = [
    {
      attempt: {
        id: "atmpt_1",
        msgId: c.message.id,
        appId: a.id,
        endpointId: detailed.id,
        url: detailed.url,
        status: 0,
        responseStatusCode: 200,
        response: "a long response body",
        durationMs: 12,
        triggerType: 0,
        createdAt: T0 + 3,
        request: '{"method":"POST"}',
        responseHeaders: [["content-type", "text/plain"]],
      },
      status: 0,
      dueAt: null,
      endpointEffect: "success",
      attemptNumber: 1,
    },
    {
      attempt: {
        id: "atmpt_2",
        msgId: c.message.id,
        appId: a.id,
        endpointId: plain.id,
        url: plain.url,
        status: 2,
        responseStatusCode: 0,
        response: "connection refused",
        durationMs: 1,
        triggerType: 1,
        createdAt: T0 + 4,
        request: null,
        responseHeaders: null,
      },
      status: 1,
      dueAt: T0 + 5_000,
      endpointEffect: "failure",
    },
  ];
  const decoded = decodeOutcomes(structuredClone(encodeOutcomes(outcomes)));
  assert.deepEqual(
    decoded,
    outcomes.map((o) => ({ ...o, attempt: { ...o.attempt, response: "", request: null } })),
  );
  assert.equal("attemptNumber" in (decoded[1] ?? {}), false, "absent stays absent");
});
