/**
 * The task runner's claims, in-process on one real SQLite file with an injected clock: two runners (two processes'
 * views of the database) never both run a task; a task held by a process that stopped renewing its heartbeat is
 * taken over one lease later; a clean stop gives the claim back at once.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import pino from "pino";
import { createTaskRunner, type TaskRunner } from "../../src/domain/background-tasks.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import type { BackgroundTaskRow } from "../../src/store/types.ts";
import { inProcessContext } from "../support/in-process.ts";
import { applicationRow, endpointRow, messageRow } from "../support/rows.ts";

const T0 = 1_800_000_000_000;
const LEASE = 30_000;
const MESSAGES = 450; // three steps of 200

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Process {
  store: Store;
  runner: TaskRunner;
  /** Lines this process logged. */
  logs: string[];
}

/** A database with one endpoint, MESSAGES messages it never got, and a running replay-missing task for them. */
async function setUp(clock: { now: number }) {
  const dir = mkdtempSync(path.join(tmpdir(), "outbound-claims-"));
  dirs.push(dir);
  const file = path.join(dir, "outbound.db");
  const open: Process[] = [];
  const processOn = (owner: string): Process => {
    const store = createSqliteStore(file);
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const ctx = inProcessContext(dir, store, {
      logger: pino({ level: "info" }, sink),
      now: () => clock.now,
    });
    const proc = { store, runner: createTaskRunner(ctx, { owner, leaseMs: LEASE }), logs };
    open.push(proc);
    return proc;
  };
  const first = processOn("setup");
  const app = applicationRow(T0);
  await first.store.insertApplication(app);
  const endpoint = endpointRow({ id: "ep_claims", appId: app.id, createdAt: T0, updatedAt: T0 });
  await first.store.insertEndpoint(endpoint);
  for (let i = 0; i < MESSAGES; i++) await first.store.insertMessage(messageRow(app.id, T0 + i), []);
  const task: BackgroundTaskRow = {
    id: "rtsk_claims",
    appId: app.id,
    endpointId: endpoint.id,
    task: "endpoint.replay",
    status: "running",
    params: { since: T0, until: T0 + MESSAGES },
    data: {},
    cursor: null,
    createdAt: T0,
    updatedAt: T0,
  };
  await first.store.insertBackgroundTask(task);
  const pending = async () => (await first.store.endpointStats(endpoint.id, null, null)).pending;
  const close = async () => {
    for (const p of open) {
      await p.runner.stop();
      await p.store.close();
    }
  };
  return { processOn, task, store: first.store, pending, close };
}

const resumed = (p: Process) => p.logs.filter((line) => line.includes("resuming a background task")).length;

test("two processes looking for abandoned tasks at once: exactly one takes the task and queues each message once", async () => {
  const clock = { now: T0 + 1_000 };
  const db = await setUp(clock);
  try {
    const a = db.processOn("a");
    const b = db.processOn("b");
    const taken = await Promise.all([a.runner.resumeAbandoned(), b.runner.resumeAbandoned()]);
    assert.deepEqual(taken.sort(), [0, 1]);
    await Promise.all([a.runner.idle(), b.runner.idle()]);
    assert.equal(resumed(a) + resumed(b), 1);
    const task = await db.store.getBackgroundTask(db.task.id);
    assert.equal(task?.status, "finished");
    assert.deepEqual(task?.data, { messagesSeen: MESSAGES, messagesQueued: MESSAGES });
    assert.equal(await db.pending(), MESSAGES);
  } finally {
    await db.close();
  }
});

test("a task whose holder stopped renewing is left alone for a lease, then taken over and finished", async () => {
  const clock = { now: T0 + 1_000 };
  const db = await setUp(clock);
  try {
    // The state a process leaves when it dies after its first step: progress saved, heartbeat at that moment.
    const dead = await db.store.claimBackgroundTask(db.task.id, "dead", clock.now, clock.now - LEASE);
    assert.ok(dead);
    const firstStep = { ...db.task, data: { messagesSeen: 200, messagesQueued: 0 }, updatedAt: clock.now };
    const walked = await db.store.listReplayCandidates(
      firstStep.appId!,
      firstStep.endpointId!,
      { since: T0, until: T0 + MESSAGES, afterId: null },
      200,
    );
    assert.ok(
      await db.store.updateBackgroundTask({ ...firstStep, cursor: walked.at(-1)!.message.id }, "dead"),
    );

    const survivor = db.processOn("survivor");
    clock.now += LEASE;
    assert.equal(await survivor.runner.resumeAbandoned(), 0, "a lease old to the millisecond is still held");
    clock.now += 1;
    assert.equal(await survivor.runner.resumeAbandoned(), 1);
    await survivor.runner.idle();
    const task = await db.store.getBackgroundTask(db.task.id);
    assert.equal(task?.status, "finished");
    assert.deepEqual(task?.data, { messagesSeen: MESSAGES, messagesQueued: MESSAGES - 200 });
    assert.equal(await db.pending(), MESSAGES - 200, "the survivor continued after the dead process's step");
  } finally {
    await db.close();
  }
});

test("a clean stop ends the task after its step and gives the claim back: the next process continues at once", async () => {
  const clock = { now: T0 + 1_000 };
  const db = await setUp(clock);
  try {
    const stopping = db.processOn("stopping");
    stopping.runner.start(db.task);
    await stopping.runner.stop();
    const halfway = await db.store.getBackgroundTask(db.task.id);
    assert.equal(halfway?.status, "running");
    assert.deepEqual(halfway?.data, { messagesSeen: 200, messagesQueued: 200 });

    const next = db.processOn("next");
    assert.equal(await next.runner.resumeAbandoned(), 1, "taken without waiting for a lease");
    await next.runner.idle();
    const task = await db.store.getBackgroundTask(db.task.id);
    assert.deepEqual(
      [task?.status, task?.data],
      ["finished", { messagesSeen: MESSAGES, messagesQueued: MESSAGES }],
    );
    assert.equal(await db.pending(), MESSAGES);
  } finally {
    await db.close();
  }
});
