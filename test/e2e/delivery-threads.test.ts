/**
 * OUTBOUND_WORKER_THREADS: delivery in a thread of its own (the default where a second core exists) and on the API's
 * event loop (0) behave alike from outside: signed deliveries, outcomes counted in /metrics (recorded by the thread,
 * counted by the main thread), and an endpoint disabled by a 410 leaves routing at once.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, test } from "node:test";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import { reportServerLogsOnFailure, runOutbound, startServer, stopAllServers } from "../support/server.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

const MESSAGES = 40;

async function successes(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith('outbound_delivery_attempts_total{outcome="success"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

for (const threads of ["0", "1"]) {
  test(`OUTBOUND_WORKER_THREADS=${threads}: deliveries are signed, counted, and a 410 stops routing at once`, async (t) => {
    const server = await startServer({
      OUTBOUND_WORKER_THREADS: threads,
      OUTBOUND_RETRY_SCHEDULE: "1h",
      LOG_LEVEL: "info",
    });
    const startLine = new RegExp(`"deliveryThreads":${threads}\\b`);
    // The line follows the port opening, so it may land a moment after the server first answers.
    await eventually(
      async () => server.logs(),
      (logs) => startLine.test(logs),
      "the start-up line says where",
    );
    const receiver = await startReceiver();
    const gone = await startReceiver(() => ({ status: 410 }));
    t.after(() => Promise.all([receiver.close(), gone.close()]));
    const app = await server.svix.application.create({ name: `threads ${threads}` });
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
    const secret = (await server.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    for (let i = 0; i < MESSAGES; i++) {
      await server.svix.message.create(app.id, { eventType: "thread.test", payload: { i } });
    }
    await receiver.waitFor(MESSAGES);
    receiver.verify(secret);
    assert.equal(new Set(receiver.messageIds()).size, MESSAGES, "each message once");
    await eventually(
      () => successes(server.url, server.token),
      (count) => count === MESSAGES,
      "every outcome counted in /metrics",
    );

    // The 410 disables the endpoint in the delivery thread's transaction; the API's routing must drop it at once,
    // although it read (and cached) the endpoint list for the message just before.
    const doomed = await server.svix.endpoint.create(app.id, { url: gone.url });
    await server.svix.message.create(app.id, { eventType: "thread.test", payload: { last: false } });
    await eventually(
      () => server.svix.endpoint.get(app.id, doomed.id),
      (out) => out.disabled === true,
      "the endpoint disabled by its 410",
    );
    const after410 = await server.svix.message.create(app.id, {
      eventType: "thread.test",
      payload: { last: true },
    });
    const destinations = await server.svix.messageAttempt.listAttemptedDestinations(app.id, after410.id);
    assert.deepEqual(
      destinations.data.map((d) => d.id),
      [endpoint.id],
      "no delivery is made for the disabled endpoint",
    );
    assert.equal(gone.requests.length, 1);
  });
}

test("a delivery thread that cannot start stops the start with the one line that names the fix", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "outbound-threads-"));
  try {
    // The CA file is read where the HTTP sender is made: in the delivery thread.
    const exited = await runOutbound({
      DATABASE_URL: path.join(dir, "outbound.db"),
      PORT: "0",
      HOST: "127.0.0.1",
      OUTBOUND_WORKER_THREADS: "1",
      OUTBOUND_CA_FILE: path.join(dir, "missing.pem"),
    });
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /^OUTBOUND_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/m);
    assert.doesNotMatch(exited.stderr, /\n\s+at /, "no stack trace");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a delivery-only process delivers on its main thread unless OUTBOUND_WORKER_THREADS asks for threads", async () => {
  // It serves no API, so by default a thread would only add memory; an explicit setting still applies.
  for (const [env, threads] of [
    [{}, 0],
    [{ OUTBOUND_WORKER_THREADS: "1" }, 1],
  ] as const) {
    const worker = await startServer({ ...env, LOG_LEVEL: "info" }, { role: "worker" });
    const line = new RegExp(`"role":"worker","deliveryThreads":${threads}\\b`);
    await eventually(
      async () => worker.logs(),
      (logs) => line.test(logs),
      `a worker with ${threads} thread(s)`,
    );
    await worker.stop();
  }
});
