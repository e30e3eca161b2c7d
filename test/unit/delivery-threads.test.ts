import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { loadConfig } from "../../src/config.ts";
import { createDeliveryThreads } from "../../src/delivery/delivery-threads.ts";
import { newWriteGateMemory } from "../../src/store/sqlite/write-gate.ts";

test("a delivery thread that crashes is logged and started again; stop ends it for good", async () => {
  const starts: number[] = [];
  const logged: string[] = [];
  let restarted: () => void = () => {};
  const secondStart = new Promise<void>((resolve) => {
    restarted = resolve;
  });
  const logger = pino({ level: "error" }, { write: (line: string) => logged.push(line) });
  const delivery = createDeliveryThreads({
    config: loadConfig({ DATABASE_URL: "/tmp/unused.db" }, 2),
    count: 1,
    key: new Uint8Array(32),
    writeGate: newWriteGateMemory(),
    version: "test",
    logger,
    relaySender: { send: () => Promise.reject(new Error("no relays here")), close: async () => {} },
    hooks: {
      onEndpointDisabled: () => {},
      onOutcomesRecorded: () => {
        starts.push(starts.length + 1);
        if (starts.length === 2) restarted();
      },
    },
    restartAfterMs: 1,
    entry: new URL("../fixtures/crashing-delivery-thread.mjs", import.meta.url),
    store: { releaseDeliveries: async () => {} },
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
