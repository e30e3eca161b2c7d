/**
 * `npm run bench [-- <scenario> …] [--quick | --smoke]`: runs the benchmark scenarios against the real server,
 * prints a table per scenario and writes bench/results/<scenario>.json. `--quick` shrinks every size 10×;
 * `--smoke` 100× (what `npm test` runs: it proves every scenario still completes, its numbers mean nothing).
 */

import { tmpdir } from "node:os";
import path from "node:path";
import type { BenchContext } from "./lib/context.ts";
import { describeMachine, machineInfo } from "./lib/machine.ts";
import { checkRows, printScenario, type ScenarioResult, unmetSummary, writeResult } from "./lib/results.ts";
import { renderTable } from "./lib/table.ts";
import { withTimeout } from "./lib/wait.ts";
import { baselineOnce } from "./scenarios/baseline.ts";
import { NOT_AVAILABLE, SCENARIOS } from "./scenarios/index.ts";

const USAGE = `Usage: npm run bench [-- [--quick] [scenario …]]

Scenarios: ${SCENARIOS.map((s) => s.name).join(", ")} (default: all)
Not available yet: ${NOT_AVAILABLE.map((s) => s.name).join(", ")}
  --quick   shrink every size 10× (about a minute)
  --smoke   shrink every size 100× (about 30 s; what npm test runs, numbers not meaningful)
`;

/** Hard cap per scenario so a stuck run still ends (the launcher kills its server on exit). */
const SCENARIO_TIMEOUT_MS = { quick: 60_000, full: 15 * 60_000 };

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const smoke = argv.includes("--smoke");
  const quick = smoke || argv.includes("--quick");
  const divisor = smoke ? 100 : quick ? 10 : 1;
  const names = argv.filter((a) => !a.startsWith("--"));
  // The smoke run starts some twenty server and peer processes whose start (mostly compiling the same modules) is
  // most of its time: let them share V8's compile cache. Only with --smoke, so the quick and full runs start
  // their servers exactly as users do (startup is not measured, but a cache can also hold warmed-up functions).
  if (smoke) process.env.NODE_COMPILE_CACHE ??= path.join(tmpdir(), "outbound-bench-compile-cache");
  const unknown = names.filter(
    (n) => !SCENARIOS.some((s) => s.name === n) && !NOT_AVAILABLE.some((s) => s.name === n),
  );
  if (unknown.length > 0) {
    process.stderr.write(`Unknown scenario(s): ${unknown.join(", ")}\n\n${USAGE}`);
    return 2;
  }
  const selected = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  const skipped = names.length === 0 ? NOT_AVAILABLE : NOT_AVAILABLE.filter((s) => names.includes(s.name));

  const machine = machineInfo();
  const runStarted = performance.now();
  const ctx: BenchContext = {
    quick,
    smoke,
    machine,
    size: (full, min = 1) => Math.max(min, Math.round(full / divisor)),
    baseline: () => baselineOnce(ctx),
    log: (message) =>
      process.stderr.write(`[bench ${((performance.now() - runStarted) / 1000).toFixed(1)}s] ${message}\n`),
  };
  process.stdout.write(
    `Outbound benchmarks${quick ? ` (--${smoke ? "smoke" : "quick"}: sizes ÷ ${divisor})` : ""}\n${describeMachine(machine)}\n`,
  );

  const results: ScenarioResult[] = [];
  const failures: string[] = [];
  for (const scenario of selected) {
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    ctx.log(`${scenario.name}: starting`);
    try {
      const body = await withTimeout(
        scenario.run(ctx),
        quick ? SCENARIO_TIMEOUT_MS.quick : SCENARIO_TIMEOUT_MS.full,
        `scenario ${scenario.name}`,
      );
      const result: ScenarioResult = {
        scenario: scenario.name,
        title: scenario.title,
        quick,
        startedAt,
        durationS: (performance.now() - t0) / 1000,
        machine,
        ...body,
      };
      printScenario(result);
      writeResult(result);
      results.push(result);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push(scenario.name);
      process.stderr.write(`\nscenario ${scenario.name} failed: ${message}\n`);
    }
  }

  process.stdout.write("\n=== summary ===\n");
  const rows = results.flatMap((r) => checkRows(r.checks).map((row) => [r.scenario, ...row]));
  for (const s of skipped) rows.push([s.name, s.reason, "", "", "", "not available yet"]);
  for (const name of failures) rows.push([name, "FAILED (see above)", "", "", "", ""]);
  process.stdout.write(
    `${renderTable(["scenario", "target check", "measured", "baseline (same run)", "ratio", "target", "met"], rows)}\n`,
  );
  for (const line of unmetSummary(results, quick)) process.stdout.write(`${line}\n`);
  process.stdout.write(`total ${((performance.now() - runStarted) / 1000).toFixed(1)} s\n`);
  return failures.length > 0 ? 1 : 0;
}

// On Ctrl-C or SIGTERM exit through process.exit, so the launcher's exit hook kills the servers and removes
// their data directories (a signal's default action would skip it).
process.once("SIGINT", () => {
  process.stderr.write("\ninterrupted\n");
  process.exit(130);
});
process.once("SIGTERM", () => process.exit(143));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
