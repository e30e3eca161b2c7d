import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const RESULTS = path.resolve("bench/results");

/** A finished `node bench/run.ts …`: its output, and the result files it wrote. */
export interface BenchRun {
  stdout: string;
  stderr: string;
  /** bench/results/<scenario>.json, asserted to be from this run. */
  result<T>(scenario: string): T;
}

/**
 * Runs the benchmark suite as `npm run bench -- <args>` does (Node 24 from node_modules, only PATH and `env` from
 * the environment) and asserts it exited 0, with the end of its output in the message when it did not.
 */
export function runBench(args: readonly string[], env: Record<string, string>, timeoutMs: number): BenchRun {
  const started = Date.now();
  const run = spawnSync(path.resolve("node_modules/.bin/node"), ["bench/run.ts", ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
    env: { PATH: process.env.PATH, ...env },
  });
  assert.equal(
    run.status,
    0,
    `bench ${args.join(" ")} failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`,
  );
  return {
    stdout: run.stdout,
    stderr: run.stderr,
    result<T>(scenario: string): T {
      const file = path.join(RESULTS, `${scenario}.json`);
      assert.ok(fs.existsSync(file), `${scenario}.json written`);
      assert.ok(fs.statSync(file).mtimeMs >= started - 1000, `${scenario}.json is from this run`);
      return JSON.parse(fs.readFileSync(file, "utf8")) as T;
    },
  };
}
