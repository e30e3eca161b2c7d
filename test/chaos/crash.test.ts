/**
 * Crash safety: messages stream to 5 endpoints while the server is SIGKILLed at random moments and restarted.
 * Every message must reach every endpoint at least once, every request must carry a valid signature, duplicates
 * are counted, and the database must pass an integrity check afterwards.
 *
 * Size: CHAOS_MESSAGES (default 1,500 in `npm test`; `npm run test:chaos` runs 10,000) and CHAOS_KILLS (default 5).
 * crash.postgres.test.ts runs the same test on a fresh PostgreSQL database.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import postgres from "postgres";
import { Webhook } from "standardwebhooks";
import { sleep } from "../support/poll.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { startServer, stopAllServers, type TestServer } from "../support/server.ts";

const MESSAGES = Number(process.env.CHAOS_MESSAGES ?? 1500);
const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const ENDPOINTS = 5;
const SEND_CONCURRENCY = 16;

after(stopAllServers);

/** Sends one message, retrying through crashes; a 409 on the eventId means an earlier try was committed. */
async function sendDurably(server: TestServer, appId: string, i: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await server.svix.message.create(
        appId,
        { eventType: "chaos.tick", eventId: `evt-${i}`, payload: { i } },
        { idempotencyKey: `chaos-${i}` },
      );
      return;
    } catch (error) {
      if ((error as { code?: number }).code === 409) return;
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

test(`${MESSAGES} messages × ${ENDPOINTS} endpoints survive ${KILLS} SIGKILLs`, {
  timeout: 600_000,
}, async (t) => {
  // A short lease: claims held by a killed process come back within seconds, not the default 45 s.
  const server = await startServer({
    OUTBOUND_RETRY_SCHEDULE: "200ms,500ms,1s,1s,1s,1s,1s,1s",
    OUTBOUND_REQUEST_TIMEOUT: "2s",
    OUTBOUND_LEASE: "3s",
    // The default on a multi-core machine, set so a single-core one tests the same path.
    OUTBOUND_WORKER_THREADS: "1",
  });
  const receivers: Receiver[] = [];
  for (let i = 0; i < ENDPOINTS; i++) receivers.push(await startReceiver());
  t.after(() => Promise.all(receivers.map((r) => r.close())));
  const app = await server.svix.application.create({ name: "chaos" });
  const secrets: string[] = [];
  for (const receiver of receivers) {
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url });
    secrets.push((await server.svix.endpoint.getSecret(app.id, endpoint.id)).key);
  }

  let next = 0;
  const senders = Array.from({ length: SEND_CONCURRENCY }, async () => {
    while (next < MESSAGES) await sendDurably(server, app.id, next++);
  });
  const sending = Promise.all(senders);

  // Kill at random moments spread over the run, while sending and while delivering.
  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(300 + Math.random() * 900);
    await server.stop("SIGKILL");
    await server.restart();
  }
  await sending;

  const expected = MESSAGES;
  const deadline = Date.now() + 180_000;
  for (const receiver of receivers) {
    await receiver.waitUntil(
      (requests) =>
        new Set(requests.map((r) => r.headers["webhook-id"])).size >= expected || Date.now() > deadline,
      `${expected} distinct messages`,
      Math.max(1_000, deadline - Date.now()),
    );
  }

  let total = 0;
  let duplicates = 0;
  receivers.forEach((receiver, index) => {
    const verifier = new Webhook(secrets[index]!);
    const seen = new Set<string>();
    for (const request of receiver.requests) {
      verifier.verify(request.body, request.headers); // throws if unsigned or forged
      const id = request.headers["webhook-id"]!;
      if (seen.has(id)) duplicates++;
      seen.add(id);
    }
    total += receiver.requests.length;
    assert.equal(seen.size, expected, `endpoint ${index} got every message`);
  });
  const rate = (duplicates / total) * 100;
  t.diagnostic(
    `${total} requests for ${expected * ENDPOINTS} deliveries: ${duplicates} duplicates (${rate.toFixed(2)} %)`,
  );
  assert.ok(rate < 5, `duplicates stay rare (${rate.toFixed(2)} %)`);

  await server.stop("SIGTERM");
  if (server.databaseUrl.startsWith("postgres")) {
    const sql = postgres(server.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`SELECT count(*) AS n FROM messages`;
      assert.equal(Number(row?.n), expected, "each message stored once (eventId + idempotency key)");
    } finally {
      await sql.end();
    }
    return;
  }
  const db = new DatabaseSync(server.databaseUrl);
  try {
    assert.equal(db.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
    const messages = Number(db.prepare("SELECT count(*) AS n FROM messages").get()?.n);
    assert.equal(messages, expected, "each message stored once (eventId + idempotency key)");
  } finally {
    db.close();
  }
});
