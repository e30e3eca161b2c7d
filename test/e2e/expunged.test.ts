/** A message whose payload is expunged while it waits for a retry is failed, not retried without content. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eventually } from "../support/poll.ts";
import { startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);

test("expunging a pending message fails its delivery at the next attempt", async (t) => {
  const server = await startServer({ OUTBOUND_RETRY_SCHEDULE: "500ms,500ms,500ms" });
  const receiver = await receiverForTest(t, () => ({ status: 500 }));
  const app = await server.svix.application.create({ name: "expunge" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
  const message = await server.svix.message.create(app.id, {
    eventType: "secret.leaked",
    payload: { ssn: "123" },
  });
  await receiver.waitFor(1);
  await server.svix.message.expungeContent(app.id, message.id);
  const destinations = await eventually(
    () => server.svix.messageAttempt.listAttemptedDestinations(app.id, message.id),
    (list) => list.data[0]?.status === 2,
    "the delivery to fail",
  );
  assert.equal(destinations.data[0]?.id, endpoint.id);
  assert.equal(receiver.requests.length, 1, "nothing more was sent");
  const attempts = await server.svix.messageAttempt.listByMsg(app.id, message.id);
  assert.match(attempts.data[0]?.response ?? "", /expunged/);
});
