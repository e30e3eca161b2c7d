import assert from "node:assert/strict";
import { test } from "node:test";
import { createRateLimiter } from "../../src/delivery/rate-limiter.ts";

test("sends to a limited endpoint are spaced 1/rate apart; others are not affected", () => {
  const limiter = createRateLimiter();
  const now = 1000;
  assert.deepEqual(
    [0, 1, 2, 3].map(() => limiter.reserve("ep_a", 4, now)),
    [0, 250, 500, 750],
  );
  assert.equal(limiter.reserve("ep_b", 4, now), 0);
  assert.equal(limiter.reserve("ep_c", 0, now), 0, "0 means unlimited");
  assert.deepEqual(limiter.backlogged(now, 600), ["ep_a"]);
  assert.deepEqual(limiter.backlogged(now, 1000), []);
  // After a quiet period the endpoint starts fresh instead of owing a backlog.
  assert.equal(limiter.reserve("ep_a", 4, now + 5000), 0);
});
