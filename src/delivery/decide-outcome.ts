import type { ClaimedDelivery, DeliveryOutcome, MessageStatus } from "../store/types.ts";
import { STATUS_FAIL, STATUS_PENDING, STATUS_SUCCESS } from "../store/types.ts";
import type { SendResult } from "./http-sender.ts";
import { type AttemptVerdict, classifyResponse, nextRetryDelay } from "./retry-policy.ts";

export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 60 * 60 * 1000;

/** Pure: what an attempt's result means for the delivery and its endpoint. */
export function decideOutcome(
  claimed: ClaimedDelivery,
  result: SendResult,
  retryScheduleMs: number[],
  now: number,
): {
  verdict: AttemptVerdict;
  status: MessageStatus;
  dueAt: number | null;
  endpointEffect: DeliveryOutcome["endpointEffect"];
} {
  if (result.failure === "interrupted") {
    // Cut short by our own shutdown: not the receiver's failure, so no retry step and no circuit-breaker count.
    return { verdict: { kind: "failure" }, status: STATUS_PENDING, dueAt: now, endpointEffect: "none" };
  }
  const verdict: AttemptVerdict =
    result.failure === "timeout"
      ? { kind: "throttled", retryAfterMs: null }
      : result.failure !== undefined
        ? { kind: "failure" }
        : classifyResponse(result.statusCode, result.retryAfter, now);
  if (verdict.kind === "success")
    return { verdict, status: STATUS_SUCCESS, dueAt: null, endpointEffect: "success" };
  if (verdict.kind === "disable")
    return { verdict, status: STATUS_FAIL, dueAt: null, endpointEffect: "disable" };
  const delay = nextRetryDelay(retryScheduleMs, claimed.delivery.attempts + 1, verdict);
  const failingSince = claimed.endpoint.health.failingSince;
  const endpointEffect =
    failingSince !== null && now - failingSince >= DISABLE_AFTER_FAILING_MS ? "disable" : "failure";
  if (delay === null || endpointEffect === "disable") {
    return { verdict, status: STATUS_FAIL, dueAt: null, endpointEffect };
  }
  return { verdict, status: STATUS_PENDING, dueAt: now + delay, endpointEffect };
}
