/** SIGTERM: the server stops claiming, lets the attempt in flight finish, records it, and exits cleanly. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import { startServer, stopAllServers } from "../support/server.ts";

after(stopAllServers);

test("an attempt in flight at SIGTERM completes and is recorded; nothing is left 'sending'", async (t) => {
  const server = await startServer();
  const receiver = await startReceiver(() => ({ status: 200, delayMs: 1_500 }));
  t.after(() => receiver.close());
  const app = await server.svix.application.create({ name: "graceful" });
  await server.svix.endpoint.create(app.id, { url: receiver.url });
  const message = await server.svix.message.create(app.id, { eventType: "slow", payload: {} });
  await receiver.waitFor(1);
  const stopping = Date.now();
  await server.stop("SIGTERM");
  const took = Date.now() - stopping;
  assert.equal(server.child.exitCode, 0, "clean exit");
  assert.ok(took >= 1_000, `waited for the attempt in flight (${took} ms)`);

  await server.restart();
  const destinations = await eventually(
    () => server.svix.messageAttempt.listAttemptedDestinations(app.id, message.id),
    (list) => list.data[0]?.status === 0,
    "the delivery recorded as a success",
  );
  assert.equal(destinations.data.length, 1);
  const attempts = await server.svix.messageAttempt.listByMsg(app.id, message.id);
  assert.equal(attempts.data.length, 1, "recorded once, not retried after the restart");
  assert.equal(receiver.requests.length, 1);
});
