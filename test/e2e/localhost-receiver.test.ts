/** `http://localhost:<port>` endpoints work when only 127.0.0.0/8 is exempt and the receiver listens on IPv4 only. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { verifyRequest } from "../support/receiver.ts";
import { startServer, stopAllServers } from "../support/server.ts";
import { receiverForTest } from "../support/servers-for-tests.ts";

after(stopAllServers);

test("localhost resolves to an exempt loopback address and delivers", async (t) => {
  const server = await startServer({ OUTBOUND_ALLOWED_SUBNETS: "127.0.0.0/8" });
  const receiver = await receiverForTest(t);
  const app = await server.svix.application.create({ name: "localhost" });
  const url = receiver.url.replace("127.0.0.1", "localhost");
  const endpoint = await server.svix.endpoint.create(app.id, { url });
  const { key } = await server.svix.endpoint.getSecret(app.id, endpoint.id);
  await server.svix.message.create(app.id, { eventType: "ping", payload: { ok: true } });
  const [request] = await receiver.waitFor(1);
  assert.deepEqual(verifyRequest(request!, key), { ok: true });
});
