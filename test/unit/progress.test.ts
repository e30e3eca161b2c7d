import assert from "node:assert/strict";
import { test } from "node:test";
import { createProgress, progressLine } from "../../src/cli/progress.ts";

test("progressLine: a bar with percentage when the total is known, the detail alone otherwise", () => {
  const cases: Array<[number, number | null, string]> = [
    [0, 100, `Uploading [${"-".repeat(30)}] 0% d`],
    [50, 100, `Uploading [${"#".repeat(15)}${"-".repeat(15)}] 50% d`],
    [999, 1000, `Uploading [${"#".repeat(30)}] 99% d`],
    [100, 100, `Uploading [${"#".repeat(30)}] 100% d`],
    [0, 0, `Uploading [${"#".repeat(30)}] 100% d`],
    [42, null, "Uploading d"],
  ];
  for (const [done, total, expected] of cases)
    assert.equal(progressLine("Uploading", done, total, "d"), expected);
});

/** Drives a progress with a scripted clock; returns what it wrote. */
function run(tty: boolean, steps: Array<[at: number, done: number]>): string[] {
  const written: string[] = [];
  let clock = 0;
  const progress = createProgress({
    tty,
    write: (text) => written.push(text),
    now: () => clock,
    everyMs: 1_000,
  });
  for (const [at, done] of steps) {
    clock = at;
    progress.update("Up", done, 10, `${done}/10`);
  }
  progress.finish();
  return written;
}

test("piped: plain lines at most every everyMs, and the final state once at the end", () => {
  const written = run(false, [
    [0, 1],
    [200, 2],
    [1_000, 3],
    [1_500, 4],
    [1_900, 9],
  ]);
  assert.deepEqual(
    written.map((text) => text.replace(/\[[#-]+\] /, "")),
    ["Up 10% 1/10\n", "Up 30% 3/10\n", "Up 90% 9/10\n"],
  );
  assert.ok(
    written.every((text) => !text.includes("\r")),
    "no carriage returns in a log",
  );
});

test("terminal: one live line redrawn in place, ended with a newline; the last state is drawn", () => {
  const written = run(true, [
    [0, 1],
    [10, 2],
    [100, 5],
    [110, 6],
  ]);
  assert.deepEqual(
    written.map((text) => text.replace(/\[[#-]+\] /, "")),
    ["\rUp 10% 1/10\x1b[K", "\rUp 50% 5/10\x1b[K", "\rUp 60% 6/10\x1b[K", "\n"],
  );
});
