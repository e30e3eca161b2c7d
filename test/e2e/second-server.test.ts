/**
 * A second `outbound serve` on the same SQLite database must stop before it touches the store: it used to release
 * every claim of the running server at start-up, and the receiver got each in-flight message twice.
 */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import { eventually } from "../support/poll.ts";
import { createGate } from "../support/receiver.ts";
import {
  freePort,
  reportServerLogsOnFailure,
  runOutbound,
  startServer,
  stopAllServers,
} from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

test("a second server on the same database exits naming the first one; each message arrives once", async (t) => {
  const first = await startServer();
  const gate = createGate();
  const receiver = await receiverForTest(t, () => ({ until: gate.promise }));
  t.after(() => gate.open());
  const app = await first.svix.application.create({ name: "one owner" });
  const endpoint = await first.svix.endpoint.create(app.id, { url: receiver.url });
  const messages = [];
  for (let i = 0; i < 3; i++) {
    messages.push(await first.svix.message.create(app.id, { eventType: "slow.receiver", payload: { i } }));
  }
  // All three are in flight in the first server, held by the receiver.
  await receiver.waitFor(3);

  // Another port (the second server would otherwise run a worker of its own) and the same port.
  for (const port of [await freePort(), first.port]) {
    const second = await runOutbound({
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: first.databaseUrl,
      OUTBOUND_API_TOKEN: first.token,
      OUTBOUND_ALLOWED_SUBNETS: "127.0.0.0/8",
      LOG_LEVEL: "warn",
    });
    assert.equal(second.code, 1, `exit code; stderr: ${second.stderr}`);
    const lines = second.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `one line: ${second.stderr}`);
    assert.match(
      lines[0] ?? "",
      new RegExp(`^DATABASE_URL: .*outbound\\.db is already used by process ${first.child.pid} `),
    );
    assert.match(lines[0] ?? "", /Stop that process first, or give this one its own DATABASE_URL\.$/);
    assert.doesNotMatch(second.stdout, /obk_|token/i, "it printed no token and did not start");
  }

  gate.open();
  await eventually(
    () => first.svix.endpoint.getStats(app.id, endpoint.id),
    (stats) => stats.success === 3 && stats.pending === 0 && stats.sending === 0,
    "the first server to record three successes",
  );
  for (const message of messages) {
    const attempts = await first.svix.messageAttempt.listByMsg(app.id, message.id);
    assert.equal(attempts.data.length, 1, `${message.id} was attempted once`);
  }
  assert.equal(receiver.requests.length, 3, "the receiver got each message exactly once");
  assert.deepEqual(new Set(receiver.messageIds()), new Set(messages.map((m) => m.id)));
});

test("the lock dies with its process: a server killed with SIGKILL does not block the next start", async (t) => {
  const server = await startServer();
  const receiver = await receiverForTest(t);
  await server.stop("SIGKILL");
  await server.restart();
  const app = await server.svix.application.create({ name: "after a kill" });
  await server.svix.endpoint.create(app.id, { url: receiver.url });
  await server.svix.message.create(app.id, { eventType: "after.kill", payload: {} });
  await receiver.waitFor(1);
});
