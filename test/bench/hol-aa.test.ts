/**
 * hol's A/A knob (`BENCH_HOL_AA=1`, docs/benchmarks.md "hol's noise floor"): the "one hung" drain's tenth endpoint
 * answers like the others, so the target's ratio compares two identical drains. Smoke sizes: this proves the wiring
 * (what is drained and reported), not a number.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

test("BENCH_HOL_AA=1 drains an answering tenth endpoint in place of the hung one and logs each round", {
  timeout: 150_000,
}, () => {
  const started = Date.now();
  const run = spawnSync(path.resolve("node_modules/.bin/node"), ["bench/run.ts", "hol", "--smoke"], {
    encoding: "utf8",
    timeout: 140_000,
    env: { PATH: process.env.PATH, BENCH_HOL_AA: "1" },
  });
  assert.equal(
    run.status,
    0,
    `bench hol --smoke failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`,
  );
  const file = path.resolve("bench/results/hol.json");
  assert.ok(fs.statSync(file).mtimeMs >= started - 1000, "hol.json is from this run");
  const hol = JSON.parse(fs.readFileSync(file, "utf8")) as {
    config: Record<string, unknown>;
    metrics: Array<{ name: string; note?: string }>;
    notes: string[];
  };
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
