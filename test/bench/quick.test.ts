/**
 * `npm run bench -- --smoke` (sizes ÷ 100, about 30 s) completes and writes a result file per scenario. Timings are
 * not asserted here: benchmarks are scripts, and this only proves every scenario still runs end to end.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

const RESULTS = path.resolve("bench/results");
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
  const started = Date.now();
  const run = spawnSync(path.resolve("node_modules/.bin/node"), ["bench/run.ts", "--smoke"], {
    encoding: "utf8",
    timeout: 280_000,
    env: { PATH: process.env.PATH },
  });
  assert.equal(
    run.status,
    0,
    `bench --smoke failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`,
  );
  for (const name of SCENARIOS) {
    const file = path.join(RESULTS, `${name}.json`);
    assert.ok(fs.existsSync(file), `${name}.json written`);
    assert.ok(fs.statSync(file).mtimeMs >= started - 1000, `${name}.json is from this run`);
    const result = JSON.parse(fs.readFileSync(file, "utf8")) as {
      scenario: string;
      quick: boolean;
      metrics: unknown[];
    };
    assert.equal(result.scenario, name);
    assert.equal(result.quick, true);
    assert.ok(result.metrics.length > 0);
  }
  // The peers scenario ran its floor, the in-memory queue, and Outbound beside it (their ratio is reported).
  const peers = JSON.parse(fs.readFileSync(path.join(RESULTS, "peers.json"), "utf8")) as {
    metrics: Array<{ name: string }>;
  };
  const names = peers.metrics.map((m) => m.name);
  assert.ok(names.includes("in-memory queue (no disk): delivered/s"), names.join(", "));
  assert.ok(names.includes("Outbound (SQLite): × in-memory queue"), names.join(", "));
  // The ingest scenario measured its floor too.
  const ingest = JSON.parse(fs.readFileSync(path.join(RESULTS, "ingest.json"), "utf8")) as {
    metrics: Array<{ name: string; value: number }>;
  };
  const floor = ingest.metrics.find((m) => m.name === "in-memory queue accepted msg/s");
  assert.ok(floor && floor.value > 0, JSON.stringify(ingest.metrics));
  // hol drained the nine fast endpoints alone too, and said what the hung one costs them.
  const hol = JSON.parse(fs.readFileSync(path.join(RESULTS, "hol.json"), "utf8")) as {
    metrics: Array<{ name: string; value: number; unit: string }>;
  };
  const alone = hol.metrics.find((m) => m.name === "nine fast alone: deliveries/s");
  assert.ok(alone, JSON.stringify(hol.metrics));
  // Every drain has a rate, even one whose tiny backlog the fill server delivered nearly whole (the smoke run).
  for (const m of hol.metrics.filter((m) => m.unit === "deliv/s" || m.unit === "×"))
    assert.ok(Number.isFinite(m.value) && m.value > 0, `${m.name}: ${m.value}`);
  assert.ok(hol.metrics.some((m) => m.name === "one hung ÷ nine fast alone"));
});
