import assert from "node:assert/strict";
import { test } from "node:test";
import { isoString } from "../../src/iso-time.ts";

const builtin = (ms: number) => new Date(ms).toISOString();

test("isoString matches toISOString at the edges of days, months, leap years and its year range", () => {
  const cases = [
    0,
    -1,
    1,
    Date.UTC(2024, 0, 5, 10),
    Date.UTC(2000, 1, 29),
    Date.UTC(1900, 1, 28, 23, 59, 59, 999),
    Date.UTC(2100, 2, 1),
    Date.UTC(0, 0, 1) - 1, // year -1: toISOString's six-digit form
    Date.UTC(0, 0, 1),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1, // year 10000: six digits again
    8.64e15,
    -8.64e15,
  ];
  for (const ms of cases) assert.equal(isoString(ms), builtin(ms), String(ms));
  for (let year = 0; year <= 10_000; year += 1) {
    for (const [month, day] of [
      [0, 1],
      [1, 29],
      [2, 1],
      [11, 31],
    ] as const) {
      const ms = Date.UTC(year, month, day);
      assert.equal(isoString(ms), builtin(ms));
      assert.equal(isoString(ms - 1), builtin(ms - 1));
    }
  }
});

test("isoString matches toISOString on spread-out times from year 0 to 9999", () => {
  // A fixed sequence (not Math.random) so a failure repeats.
  let seed = 12_345;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const lo = Date.UTC(0, 0, 1);
  const hi = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  for (let i = 0; i < 200_000; i++) {
    const ms = Math.floor(lo + next() * (hi - lo));
    assert.equal(isoString(ms), builtin(ms), String(ms));
  }
});
