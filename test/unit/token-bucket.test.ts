import assert from "node:assert/strict";
import { test } from "node:test";
import { createTokenBuckets } from "../../src/token-bucket.ts";

test("a bucket grants its burst at once, then refills at the rate", () => {
  const buckets = createTokenBuckets({ perSecond: 10, burst: 20 });
  for (let i = 0; i < 20; i++) assert.equal(buckets.take("a", 0), 0, `take ${i}`);
  assert.equal(buckets.take("a", 0), 100, "the 21st waits one token's time");
  assert.equal(buckets.take("a", 100), 0, "after 100 ms one token is back");
  assert.equal(buckets.take("a", 100), 100);
});

test("keys are independent and refill never exceeds the burst", () => {
  const buckets = createTokenBuckets({ perSecond: 1, burst: 2 });
  assert.equal(buckets.take("a", 0, 2), 0);
  assert.equal(buckets.take("b", 0, 2), 0, "b has its own bucket");
  assert.equal(buckets.take("a", 1_000_000, 3), 1000, "a long pause refills to the burst only");
});
