/**
 * `npm run bench -- --smoke` (sizes ÷ 100, about 30 s) completes and writes a result file per scenario. Timings are
 * not asserted here: benchmarks are scripts, and this only proves every scenario still runs end to end.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runBench } from "../support/bench-run.ts";

const SCENARIOS = [
  "baseline",
  "delivery",
  "ingest",
  "latency",
  "hol",
  "fanout",
  "backlog",
  "import",
  "peers",
  "scale",
];

test("the benchmark suite's smoke run completes and writes every result", { timeout: 300_000 }, () => {
  const run = runBench(["--smoke"], {}, 280_000);
  for (const name of SCENARIOS) {
    const result = run.result<{ scenario: string; quick: boolean; metrics: unknown[] }>(name);
    assert.equal(result.scenario, name);
    assert.equal(result.quick, true);
    assert.ok(result.metrics.length > 0);
  }
  // The peers scenario ran its floor, the in-memory queue, and Outbound beside it (their ratio is reported).
  const peers = run.result<{ metrics: Array<{ name: string }> }>("peers");
  const names = peers.metrics.map((m) => m.name);
  assert.ok(names.includes("in-memory queue (no disk): delivered/s"), names.join(", "));
  assert.ok(names.includes("Outbound (SQLite): × in-memory queue"), names.join(", "));
  // The ingest scenario measured its floor too.
  const ingest = run.result<{ metrics: Array<{ name: string; value: number }> }>("ingest");
  const floor = ingest.metrics.find((m) => m.name === "in-memory queue accepted msg/s");
  assert.ok(floor && floor.value > 0, JSON.stringify(ingest.metrics));
  // The fill server holds one attempt in flight: the backlog is left to the drain (with 256 slots it once delivered
  // a whole smoke-sized backlog at its shutdown, and the drain had nothing to time).
  const delivery = run.result<{ metrics: Array<{ name: string; value: number }> }>("delivery");
  const filled = delivery.metrics.find((m) => m.name === "delivered by the fill server");
  assert.ok(filled && filled.value <= 10, JSON.stringify(filled));
  // hol drained the nine fast endpoints alone too, and said what the hung one costs them.
  const hol = run.result<{ metrics: Array<{ name: string; value: number; unit: string }> }>("hol");
  const alone = hol.metrics.find((m) => m.name === "nine fast alone: deliveries/s");
  assert.ok(alone, JSON.stringify(hol.metrics));
  // Every drain has a rate, even one whose tiny backlog the fill server delivered nearly whole (the smoke run).
  for (const m of hol.metrics.filter((m) => m.unit === "deliv/s" || m.unit === "×"))
    assert.ok(Number.isFinite(m.value) && m.value > 0, `${m.name}: ${m.value}`);
  assert.ok(hol.metrics.some((m) => m.name === "one hung ÷ nine fast alone"));
});
