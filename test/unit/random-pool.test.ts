import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandomPool } from "../../src/random-pool.ts";

test("a random pool hands out each byte once, across refills", () => {
  const random = createRandomPool(64);
  const taken: string[] = [];
  // 12-byte takes from a 64-byte pool: five per fill, the last four bytes of each fill are skipped, not reused.
  for (let i = 0; i < 200; i++) {
    const bytes = random.take(12);
    assert.equal(bytes.length, 12);
    taken.push(bytes.toString("hex"));
  }
  assert.equal(new Set(taken).size, taken.length, "no repeated draw");
  assert.throws(() => random.take(65), RangeError);
});
