import assert from "node:assert/strict";
import { test } from "node:test";
import { attemptEventFor } from "../../src/domain/operational-events.ts";
import type { DeliveryOutcome, MessageStatus } from "../../src/store/types.ts";

function outcome(
  attemptStatus: MessageStatus,
  status: MessageStatus,
  attemptNumber: number,
): DeliveryOutcome {
  return {
    attempt: {
      id: "atmpt_1",
      msgId: "msg_1",
      appId: "app_1",
      endpointId: "ep_1",
      url: "https://example.com",
      status: attemptStatus,
      responseStatusCode: attemptStatus === 0 ? 200 : 500,
      response: "",
      durationMs: 1,
      triggerType: 0,
      createdAt: 0,
      request: null,
      responseHeaders: null,
    },
    status,
    dueAt: status === 1 ? 1 : null,
    endpointEffect: attemptStatus === 0 ? "success" : "failure",
    attemptNumber,
  };
}

const cases: Array<[string, DeliveryOutcome, string | null]> = [
  ["first success", outcome(0, 0, 1), null],
  ["success on the 4th attempt (no failing event went out)", outcome(0, 0, 4), null],
  ["success on the 5th attempt, after failing", outcome(0, 0, 5), "message.attempt.recovered"],
  ["1st failure, retry planned", outcome(2, 1, 1), null],
  ["3rd failure, retry planned", outcome(2, 1, 3), null],
  ["4th failure, retry planned", outcome(2, 1, 4), "message.attempt.failing"],
  ["5th failure, retry planned", outcome(2, 1, 5), null],
  ["last failure", outcome(2, 2, 8), "message.attempt.exhausted"],
  ["4th failure is also the last", outcome(2, 2, 4), "message.attempt.exhausted"],
  ["410 on the first attempt", outcome(2, 2, 1), "message.attempt.exhausted"],
];

for (const [what, input, expected] of cases) {
  test(`operational attempt event: ${what} -> ${expected ?? "none"}`, () => {
    assert.equal(attemptEventFor(input), expected);
  });
}
