import assert from "node:assert/strict";
import { test } from "node:test";
import { createAuthFailureTracker } from "../../src/api/auth-failures.ts";

test("repeated failures from one address are reported once per window, at the threshold", () => {
  const tracker = createAuthFailureTracker({ threshold: 3, windowMs: 1000 });
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((t) => tracker.record("10.0.0.1", t)),
    [false, false, true, false, false],
  );
  assert.equal(tracker.record("10.0.0.2", 5), false, "another address counts on its own");
  assert.deepEqual(
    [1000, 1001, 1002].map((t) => tracker.record("10.0.0.1", t)),
    [false, false, true],
    "a new window reports again",
  );
});
