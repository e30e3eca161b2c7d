import assert from "node:assert/strict";
import { test } from "node:test";
import { PEER_NAMES, selectPeers } from "../../bench/lib/peer-selection.ts";

test("BENCH_PEERS selects the peers scenario's senders", () => {
  const cases: Array<[string | undefined, boolean, string[]]> = [
    [undefined, false, [...PEER_NAMES]],
    ["", false, [...PEER_NAMES]],
    [undefined, true, ["bare", "memory", "outbound", "bullmq", "graphile"]],
    ["bare,outbound", false, ["bare", "outbound"]],
    [" outbound-0 , bare ,", false, ["outbound-0", "bare"]],
    ["outbound-0", true, ["outbound-0"]],
  ];
  for (const [value, smoke, expected] of cases) {
    assert.deepEqual([...selectPeers(value, smoke)], expected, `${value} (smoke: ${smoke})`);
  }
});

test("BENCH_PEERS with a name it does not know fails and lists the known ones", () => {
  assert.throws(
    () => selectPeers("bare,bullmqq", false),
    /unknown sender\(s\) bullmqq; known: bare, memory, outbound/,
  );
});
