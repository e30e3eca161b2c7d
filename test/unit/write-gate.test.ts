import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { newWriteGateMemory, writeGate } from "../../src/store/sqlite/write-gate.ts";

const ROUNDS = 2_000;

/** Increments a shared counter by read → pause → write: two threads lose updates unless the gate orders them. */
const incrementer = `
const { workerData, parentPort } = require("node:worker_threads");
const state = new Int32Array(workerData.gate);
const counter = new Int32Array(workerData.counter);
for (let i = 0; i < workerData.rounds; i++) {
  while (Atomics.compareExchange(state, 0, 0, 1) !== 0) Atomics.wait(state, 0, 1);
  const seen = Atomics.load(counter, 0);
  for (let spin = 0; spin < 200; spin++) Atomics.load(counter, 0);
  Atomics.store(counter, 0, seen + 1);
  Atomics.store(state, 0, 0);
  Atomics.notify(state, 0, 1);
}
parentPort.postMessage("done");
`;

test("the write gate lets one thread at a time in", async () => {
  const memory = newWriteGateMemory();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const other = new Worker(incrementer, {
    eval: true,
    workerData: { gate: memory, counter: counter.buffer, rounds: ROUNDS },
  });
  const done = new Promise((resolve, reject) => {
    other.once("message", resolve);
    other.once("error", reject);
  });
  const gate = writeGate(memory);
  for (let i = 0; i < ROUNDS; i++) {
    assert.equal(gate.enter(), true);
    const seen = Atomics.load(counter, 0);
    for (let spin = 0; spin < 200; spin++) Atomics.load(counter, 0);
    Atomics.store(counter, 0, seen + 1);
    gate.leave();
  }
  await done;
  await other.terminate();
  assert.equal(Atomics.load(counter, 0), 2 * ROUNDS, "no increment lost");
});

test("a gate held past its wait (a thread died in it) is given up, and SQLite's lock decides", () => {
  const memory = newWriteGateMemory();
  const holder = writeGate(memory);
  assert.equal(holder.enter(), true);
  let clock = 0;
  const waiter = writeGate(memory, () => {
    const at = clock;
    clock += 10_000;
    return at;
  });
  assert.equal(waiter.enter(), false, "gave up without waiting on the real clock");
  holder.leave();
  assert.equal(writeGate(memory).enter(), true, "free again once left");
});

test("enterAsync waits for its turn without blocking the event loop", async () => {
  const memory = newWriteGateMemory();
  const holder = writeGate(memory);
  assert.equal(holder.enter(), true);
  let entered: boolean | undefined;
  const waiting = writeGate(memory)
    .enterAsync()
    .then((value) => {
      entered = value;
    });
  // The loop keeps turning while the gate is held: these callbacks run, the waiter is still waiting.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(entered, undefined, "still waiting while the gate is held");
  holder.leave();
  await waiting;
  assert.equal(entered, true, "let in once the holder left");
});
