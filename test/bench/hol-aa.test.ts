/**
 * hol's A/A knob (`BENCH_HOL_AA=1`, docs/benchmarks.md "hol's noise floor"): the "one hung" drain's tenth endpoint
 * answers like the others, so the target's ratio compares two identical drains. Smoke sizes: this proves the wiring
 * (what is drained and reported), not a number.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runBench } from "../support/bench-run.ts";

test("BENCH_HOL_AA=1 drains an answering tenth endpoint in place of the hung one and logs each round", {
  timeout: 150_000,
}, () => {
  const run = runBench(["hol", "--smoke"], { BENCH_HOL_AA: "1" }, 140_000);
  const hol = run.result<{
    config: Record<string, unknown>;
    metrics: Array<{ name: string; note?: string }>;
    notes: string[];
  }>("hol");
  assert.equal(hol.config.BENCH_HOL_AA, "1");
  const note = (name: string) => hol.metrics.find((m) => m.name === name)?.note ?? "";
  const allFast = /^(\d+) deliveries to 10 endpoints$/.exec(note("all fast: deliveries/s"));
  const twin = /^(\d+) deliveries to 10 endpoints, none hung/.exec(note("one hung: fast deliveries/s"));
  assert.ok(allFast && twin, JSON.stringify(hol.metrics));
  // Every delivery of the twin drain arrived, its tenth endpoint's too: as many as the all-fast drain's.
  assert.equal(twin[1], allFast[1]);
  assert.ok(
    hol.notes.some((n) => n.startsWith("BENCH_HOL_AA=1")),
    hol.notes.join("\n"),
  );
  assert.match(
    run.stderr,
    /hol: round 1: all fast \/ nine alone \/ one hung \d+ \/ \d+ \/ \d+ deliv\/s; one hung ÷ all fast \d/,
  );
});
