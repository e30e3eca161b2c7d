import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CIRCUIT_THRESHOLD,
  circuitOpenUntil,
  circuitState,
  cooldownFor,
} from "../../src/delivery/circuit-breaker.ts";

test("the circuit opens at the threshold and the cooldown doubles up to 10 minutes", () => {
  const now = 1_000_000;
  const cooldown = cooldownFor([5_000, 300_000, 36_000_000]);
  const cases: Array<[number, number | null]> = [
    [1, null],
    [CIRCUIT_THRESHOLD - 1, null],
    [CIRCUIT_THRESHOLD, now + 5_000],
    [CIRCUIT_THRESHOLD + 1, now + 10_000],
    [CIRCUIT_THRESHOLD + 3, now + 40_000],
    [CIRCUIT_THRESHOLD + 20, now + 600_000],
  ];
  for (const [failures, until] of cases) {
    assert.equal(circuitOpenUntil(failures, now, cooldown), until, `${failures} failures`);
  }
});

test("a short retry schedule keeps the breaker's cooldown short", () => {
  assert.deepEqual(cooldownFor([100, 100]), { baseMs: 100, maxMs: 100 });
  assert.deepEqual(cooldownFor([100, 2_000]), { baseMs: 2_000, maxMs: 2_000 });
  assert.equal(circuitOpenUntil(9, 0, cooldownFor([100, 100])), 100);
});

test("circuit state is closed, open while cooling down, then half-open", () => {
  assert.equal(circuitState(0, null, 10), "closed");
  assert.equal(circuitState(CIRCUIT_THRESHOLD, 20, 10), "open");
  assert.equal(circuitState(CIRCUIT_THRESHOLD, 20, 20), "half-open");
  assert.equal(circuitState(CIRCUIT_THRESHOLD - 1, 20, 10), "closed");
});
