/** `npm start` and `npm test` stop with a clear message on Node < 24 instead of ERR_UNKNOWN_FILE_EXTENSION ".ts". */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { nodeVersionProblem } from "../../scripts/require-node-24.mjs";

test("Node versions below 24 are refused with a message that says what to do", () => {
  const cases: Array<[string, boolean]> = [
    ["18.19.0", false],
    ["20.20.2", false],
    ["v22.12.0", false],
    ["24.0.0", true],
    ["24.21.0", true],
    ["26.1.0", true],
  ];
  for (const [version, accepted] of cases) {
    const problem = nodeVersionProblem(version);
    assert.equal(problem === null, accepted, version);
    if (problem) assert.match(problem, /^Outbound needs Node 24 or later; this is Node .*npm ci/);
  }
});

test("the check passes on the Node that runs the tests", () => {
  const result = spawnSync(process.execPath, ["scripts/require-node-24.mjs"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "");
});
