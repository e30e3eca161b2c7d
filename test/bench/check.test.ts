import assert from "node:assert/strict";
import { test } from "node:test";
import { check } from "../../bench/lib/results.ts";

const goal = { value: 2, direction: ">=" as const, on: "ratio" as const };
const baseline = { value: 2_603, label: "BullMQ + Redis delivered/s" };

test("a target check judges measured ÷ baseline by default", () => {
  const c = check({ metric: "× BullMQ", measured: 5_232, unit: "msg/s", target: "≥ 2×", goal, baseline });
  assert.equal(c.ratio, 2.01);
  assert.equal(c.met, true);
});

test("a target check judges the ratio it is given (the median of per-round ratios), showing the same baseline", () => {
  const c = check({
    metric: "× BullMQ",
    measured: 5_232,
    unit: "msg/s",
    target: "≥ 2×",
    goal,
    baseline,
    ratio: 1.46,
  });
  assert.equal(c.ratio, 1.46);
  assert.equal(c.baseline, 2_603);
  assert.equal(c.met, false);
  assert.equal(c.attainment, 0.73);
});
