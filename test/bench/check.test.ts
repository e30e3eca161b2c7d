import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { check, GAPS_EXPLAINED, unmetSummary } from "../../bench/lib/results.ts";

const goal = { value: 2, direction: ">=" as const, on: "ratio" as const };
const baseline = { value: 2_603, label: "BullMQ + Redis delivered/s" };
/** Outbound at 5,232 msg/s against BullMQ's 2,603: 2.01 × as a ratio of the two, 1.46 × as the rounds' median. */
const input = { metric: "× BullMQ", measured: 5_232, unit: "msg/s", target: "≥ 2×", goal, baseline };

test("a target check judges measured ÷ baseline by default", () => {
  const c = check(input);
  assert.equal(c.ratio, 2.01);
  assert.equal(c.met, true);
});

test("a target check judges the ratio it is given (the median of per-round ratios), showing the same baseline", () => {
  const c = check({ ...input, ratio: 1.46 });
  assert.equal(c.ratio, 1.46);
  assert.equal(c.baseline, 2_603);
  assert.equal(c.met, false);
  assert.equal(c.attainment, 0.73);
});

test("a full run that missed targets names each with what the run measured about it and what would close it; a met run or a quick one says nothing", () => {
  const why = ["the in-memory queue did 1.52 × BullMQ", "the 2 cores were 97 % busy"];
  const missed = check({ ...input, ratio: 1.46, why, closes: "more cores" });
  const met = check({ ...input, why: ["not printed"], closes: "not printed either" });
  const results = [
    { scenario: "peers", checks: [missed] },
    { scenario: "fanout", checks: [met] },
  ];
  const lines = unmetSummary(results, false);
  assert.deepEqual(lines.slice(0, -1), [
    "not met in this run:",
    "- peers: × BullMQ: 5,232 msg/s (1.460×), target ≥ 2×",
    "    why, measured in this run: the in-memory queue did 1.52 × BullMQ",
    "    why, measured in this run: the 2 cores were 97 % busy",
    "    what would close it: more cores",
  ]);
  assert.ok(lines.at(-1)?.endsWith(`${GAPS_EXPLAINED}.`), lines.at(-1));
  // A check with nothing to explain still names itself.
  assert.deepEqual(
    unmetSummary([{ scenario: "peers", checks: [check({ ...input, ratio: 1.46 })] }], false).length,
    3,
  );
  assert.deepEqual(unmetSummary(results, true), []);
  assert.deepEqual(unmetSummary([{ scenario: "fanout", checks: [met] }], false), []);
  // The place it points to exists.
  const docs = readFileSync(new URL("../../docs/benchmarks.md", import.meta.url), "utf8");
  assert.match(docs, /^### Where each target stands/m);
});
