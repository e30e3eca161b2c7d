import assert from "node:assert/strict";
import { ApiException } from "svix";

/**
 * Awaits `promise`, expecting the svix SDK to reject it with an `ApiException` whose HTTP status is one of
 * `statuses`; returns the exception so the test can look at its body.
 */
export async function rejectsWithStatus(
  promise: Promise<unknown>,
  statuses: number | number[],
): Promise<ApiException<unknown>> {
  const allowed = Array.isArray(statuses) ? statuses : [statuses];
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    assert.ok(
      error instanceof ApiException,
      `expected an ApiException with status ${allowed.join(" or ")}, got ${String(error)}`,
    );
    assert.ok(
      allowed.includes(error.code),
      `expected status ${allowed.join(" or ")}, got ${error.code}: ${JSON.stringify(error.body)}`,
    );
    return error;
  }
  assert.fail(
    `expected status ${allowed.join(" or ")}, but the call succeeded with ${JSON.stringify(outcome)}`,
  );
}
