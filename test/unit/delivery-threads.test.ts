import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { loadConfig } from "../../src/config.ts";
import { createDeliveryThreads, STABLE_UPTIME_MS } from "../../src/delivery/delivery-threads.ts";
import { newWriteGateMemory } from "../../src/store/sqlite/write-gate.ts";

/**
 * One thread of test/fixtures/crashing-delivery-thread.mjs, restarted after 1 ms (doubling): it reports one batch
 * right after "ready" (`onStart`) and crashes on the first notify. Log lines go to `logged`.
 */
function crashingThreads(logged: string[], onStart: () => void, now?: () => number) {
  return createDeliveryThreads({
    config: loadConfig({ DATABASE_URL: "/tmp/unused.db" }, 2),
    count: 1,
    key: new Uint8Array(32),
    writeGate: newWriteGateMemory(),
    version: "test",
    logger: pino({ level: "error" }, { write: (line: string) => logged.push(line) }),
    relaySender: { send: () => Promise.reject(new Error("no relays here")), close: async () => {} },
    hooks: { onEndpointDisabled: () => {}, onOutcomesRecorded: onStart },
    restartAfterMs: 1,
    ...(now ? { now } : {}),
    entry: new URL("../fixtures/crashing-delivery-thread.mjs", import.meta.url),
    store: { releaseDeliveries: async () => {} },
  });
}

test("a delivery thread that crashes is logged and started again; stop ends it for good", async () => {
  const starts: number[] = [];
  const logged: string[] = [];
  let restarted: () => void = () => {};
  const secondStart = new Promise<void>((resolve) => {
    restarted = resolve;
  });
  const delivery = crashingThreads(logged, () => {
    starts.push(starts.length + 1);
    if (starts.length === 2) restarted();
  });
  await delivery.start();
  delivery.notify();
  await secondStart;
  assert.deepEqual(starts, [1, 2], "started once more after the crash");
  assert.ok(
    logged.some(
      (line) => line.includes("delivery thread crashed") && line.includes("a bug in the delivery thread"),
    ),
    "the crash is logged with its error",
  );
  await delivery.stop(0);
});

test("the restart delay keeps doubling while a thread crashes soon after starting, and resets once one stayed up", async () => {
  let clock = 0;
  const logged: string[] = [];
  let started: () => void = () => {};
  const nextStart = () =>
    new Promise<void>((resolve) => {
      started = resolve;
    });
  const delivery = crashingThreads(
    logged,
    () => started(),
    () => clock,
  );
  let start = nextStart();
  await delivery.start();
  await start;
  // Three crashes right after "ready", then one after the thread had been up for STABLE_UPTIME_MS.
  for (const uptime of [0, 0, 0, STABLE_UPTIME_MS]) {
    clock += uptime;
    start = nextStart();
    delivery.notify();
    await start;
  }
  await delivery.stop(0);
  const delays = logged
    .map((line) => JSON.parse(line) as { msg: string; restartInMs?: number })
    .filter((entry) => entry.msg === "delivery thread exited; starting another")
    .map((entry) => entry.restartInMs);
  assert.deepEqual(delays, [1, 2, 4, 1], "1, 2, 4 ms while it crash-loops; 1 ms again after a minute up");
});
