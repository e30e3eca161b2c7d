import assert from "node:assert/strict";
import { test } from "node:test";
import { idFloor, newId } from "../../src/ids.ts";

const SHAPE = /^msg_[0-9A-HJKMNP-TV-Z]{26}$/;

test("ids of one millisecond sort in creation order", () => {
  const ms = Date.now() + 1_000_000;
  const ids = Array.from({ length: 1_000 }, () => newId("msg", ms));
  for (const id of ids) assert.match(id, SHAPE);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids[0]?.startsWith(idFloor("msg", ms).slice(0, 14)));
});

test("ids of successive milliseconds draw fresh randomness, also across pool refills", () => {
  const start = Date.now() + 2_000_000;
  // 1,000 fresh milliseconds use 16 pooled bytes each: several refills of the 4 KiB pool.
  const randomParts = Array.from({ length: 1_000 }, (_, i) => newId("msg", start + i).slice(14));
  assert.equal(new Set(randomParts).size, randomParts.length);
  // Every digit of the alphabet turns up in every position: no position is stuck or biased to a few values.
  for (let position = 0; position < 16; position++) {
    const digits = new Set(randomParts.map((part) => part[position]));
    assert.equal(digits.size, 32, `position ${position}`);
  }
});
