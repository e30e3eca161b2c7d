/**
 * Crash safety: SIGKILL the server while 1,000 messages are being delivered, restart it on the same data
 * directory, and check every accepted message still reaches the receiver (at least once).
 */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import { eventually, sleep } from "../support/poll.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

const MESSAGES = 1_000;
const PARALLEL = 20;
const KILL_AFTER_RECEIVED = 200;

test("a SIGKILL during delivery loses no message", { timeout: 120_000 }, async (t) => {
  // A short lease: the claims the killed process held come back within seconds.
  const server = await startServer({
    OUTBOUND_RETRY_SCHEDULE: "200ms,200ms,200ms,200ms,200ms",
    OUTBOUND_REQUEST_TIMEOUT: "2s",
    OUTBOUND_LEASE: "3s",
  });
  const receiver = await receiverForTest(t, () => ({ status: 200, delayMs: 20 }));
  const { svix } = server;
  const app = await svix.application.create({ name: "restart" });
  const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });

  // While the server is down, senders wait here and then retry with the same idempotency key.
  let serverUp: Promise<void> = Promise.resolve();
  let sentBeforeKill = 0;
  let receivedBeforeKill = 0;
  const accepted: string[] = [];
  let sendRetries = 0;

  const crash = (async () => {
    await receiver.waitFor(KILL_AFTER_RECEIVED, 60_000);
    let markUp = () => {};
    serverUp = new Promise((resolve) => {
      markUp = resolve;
    });
    sentBeforeKill = accepted.filter(Boolean).length;
    receivedBeforeKill = receiver.requests.length;
    await server.stop("SIGKILL");
    await server.restart();
    markUp();
  })();
  crash.catch(() => {}); // awaited below; this only keeps an early failure from being reported as unhandled

  const send = async (i: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const message = await svix.message.create(
          app.id,
          { eventType: "load.tick", payload: { i } },
          { idempotencyKey: `restart-${i}` },
        );
        accepted[i] = message.id;
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        sendRetries++;
        await serverUp;
        await sleep(50);
      }
    }
  };

  let next = 0;
  const workers = Array.from({ length: PARALLEL }, async () => {
    while (next < MESSAGES) {
      const i = next++;
      await send(i);
    }
  });
  await Promise.all(workers);
  await crash;

  const expected = new Set(accepted);
  assert.equal(expected.size, MESSAGES, "every message was accepted with its own id");

  const missing = () => {
    const received = new Set(receiver.messageIds());
    return [...expected].filter((id) => !received.has(id));
  };
  const report = () => {
    const ids = receiver.messageIds();
    const distinct = new Set(ids);
    t.diagnostic(
      `sent before kill: ${sentBeforeKill}, received before kill: ${receivedBeforeKill}, ` +
        `send retries after the kill: ${sendRetries}`,
    );
    t.diagnostic(
      `requests: ${ids.length}, distinct ids: ${distinct.size}, duplicates: ${ids.length - distinct.size}, ` +
        `ids not from an accepted create: ${[...distinct].filter((id) => !expected.has(id)).length}, ` +
        `missing: ${missing().length}`,
    );
  };
  try {
    await receiver.waitUntil(() => missing().length === 0, `all ${MESSAGES} message ids`, 60_000);
    // Deliveries that were in flight at the kill are sent again after the restart; wait until the server
    // itself considers every message delivered, so the duplicate count below is final.
    await eventually(
      () => svix.endpoint.getStats(app.id, endpoint.id),
      (stats) => stats.success === MESSAGES && stats.pending === 0 && stats.sending === 0,
      `the server to report all ${MESSAGES} messages delivered`,
      30_000,
      250,
    );
  } finally {
    report();
  }
  assert.deepEqual(missing(), []);
  assert.ok(receivedBeforeKill < MESSAGES, "the kill happened while deliveries were still pending");
});
