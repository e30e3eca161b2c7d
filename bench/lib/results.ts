/** Scenario results: the shape every scenario returns, the console tables, and the JSON file per scenario. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MachineInfo } from "./machine.ts";
import { round } from "./stats.ts";
import { type Cell, renderTable } from "./table.ts";

export const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/** A target from the issue: `on` says whether the measured value or the ratio to the baseline is compared. */
export interface Goal {
  value: number;
  direction: ">=" | "<=";
  on: "measured" | "ratio";
}

/** One target from the issue, checked against what was measured. */
export interface Check {
  metric: string;
  measured: number;
  unit: string;
  /** The reference measured in the same run (bare HTTP ceiling, all-fast run, small backlog …). */
  baseline?: number;
  baselineLabel?: string;
  /** measured ÷ baseline. */
  ratio?: number;
  target: string;
  goal?: Goal;
  /** How far the target is reached: ≥ 1 means met (measured/goal for "≥" goals, goal/measured for "≤"). */
  attainment?: number;
  met: boolean;
  /** What this run measured that explains a miss (the cores' load, CPU per message, the floor beside it …). */
  why?: string[];
  /** What would close the gap, when it is missed. */
  closes?: string;
}

export interface Metric {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  quick: boolean;
  startedAt: string;
  durationS: number;
  machine: MachineInfo;
  config: Record<string, unknown>;
  metrics: Metric[];
  checks: Check[];
  notes: string[];
  /** Per-round values behind medians (e.g. peers' ratios per round), for charts; not printed. */
  series?: Record<string, number[]>;
}

export interface CheckInput {
  metric: string;
  measured: number;
  unit: string;
  target: string;
  goal?: Goal;
  baseline?: { value: number; label: string };
  /**
   * The ratio to judge and show, when it is not measured ÷ baseline: e.g. the median of per-round ratios, which a
   * noisy round cannot swing the way it swings the ratio of two medians.
   */
  ratio?: number;
  why?: string[];
  closes?: string;
}

export function check(input: CheckInput): Check {
  const { metric, measured, unit, target, goal, baseline, why, closes } = input;
  const out: Check = { metric, measured: round(measured), unit, target, met: true };
  if (why !== undefined && why.length > 0) out.why = why;
  if (closes !== undefined) out.closes = closes;
  let ratio: number | undefined;
  if (baseline && Number.isFinite(baseline.value) && baseline.value !== 0) {
    ratio = input.ratio ?? measured / baseline.value;
    out.baseline = round(baseline.value);
    out.baselineLabel = baseline.label;
    out.ratio = round(ratio);
  }
  if (goal) {
    const value = goal.on === "ratio" ? ratio : measured;
    out.goal = goal;
    if (value === undefined || !Number.isFinite(value)) {
      out.met = false;
    } else {
      out.met = goal.direction === ">=" ? value >= goal.value : value <= goal.value;
      out.attainment = round(goal.direction === ">=" ? value / goal.value : goal.value / value);
    }
  }
  return out;
}

export function printScenario(result: ScenarioResult): void {
  const lines: string[] = [];
  lines.push(`\n=== ${result.scenario}: ${result.title} (${result.durationS.toFixed(1)} s) ===`);
  const config = Object.entries(result.config)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
  if (config) lines.push(`config: ${config}`);
  lines.push(
    renderTable(
      ["metric", "value", "unit", "note"],
      result.metrics.map((m) => [m.name, round(m.value), m.unit, m.note ?? ""]),
    ),
  );
  if (result.checks.length > 0) {
    lines.push("");
    lines.push(
      renderTable(
        ["target check", "measured", "baseline (same run)", "ratio", "target", "met"],
        checkRows(result.checks),
      ),
    );
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Where the explanation of every target a run misses is kept: the runs, the profile, what would close it. */
export const GAPS_EXPLAINED = 'docs/benchmarks.md, "Where each target stands"';

/**
 * The lines a full run prints under its summary when targets were missed: each with what this run measured that
 * explains it and what would close it, then where the runs and profiles behind it are kept. None for --quick and
 * --smoke runs, whose sizes make their checks meaningless.
 */
export function unmetSummary(
  results: readonly Pick<ScenarioResult, "scenario" | "checks">[],
  quick: boolean,
): string[] {
  const unmet = results.flatMap((r) =>
    r.checks.filter((c) => !c.met).map((c) => ({ scenario: r.scenario, c })),
  );
  if (quick || unmet.length === 0) return [];
  const lines = ["not met in this run:"];
  for (const { scenario, c } of unmet) {
    const ratio = c.ratio === undefined ? "" : ` (${c.ratio.toFixed(3)}×)`;
    lines.push(
      `- ${scenario}: ${c.metric}: ${formatNumber(c.measured)} ${c.unit}${ratio}, target ${c.target}`,
    );
    for (const why of c.why ?? []) lines.push(`    why, measured in this run: ${why}`);
    if (c.closes !== undefined) lines.push(`    what would close it: ${c.closes}`);
  }
  lines.push(`The runs and profiles behind each explanation: ${GAPS_EXPLAINED}.`);
  return lines;
}

export function checkRows(checks: readonly Check[]): Cell[][] {
  return checks.map((c) => [
    c.metric,
    `${formatNumber(c.measured)} ${c.unit}`,
    c.baseline === undefined ? "" : `${formatNumber(c.baseline)} (${c.baselineLabel ?? ""})`,
    c.ratio === undefined ? "" : `${c.ratio.toFixed(3)}×`,
    c.target,
    c.met,
  ]);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString("en-US") : String(round(value));
}

export function writeResult(result: ScenarioResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.scenario}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
