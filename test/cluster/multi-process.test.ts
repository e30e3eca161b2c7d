/**
 * Horizontal scale-out on PostgreSQL: 1 API process and 3 worker processes share one database. 5,000 messages are
 * routed to 10 endpoints (by channel, 500 each); midway one worker is SIGKILLed and a replacement started. Every
 * message must arrive at least once, nothing may stay pending once the short lease has run out, duplicates stay at
 * or under 2 % of the messages, and no endpoint ever sees more than OUTBOUND_ENDPOINT_CONCURRENCY (4) requests at
 * once across the whole cluster (each receiver counts its requests in progress).
 */
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import postgres from "postgres";
import { type ConcurrencyReceiver, startConcurrencyReceiver } from "../support/concurrency-receiver.ts";
import { eventually } from "../support/poll.ts";
import { skipPostgres } from "../support/postgres.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

const MESSAGES = 5_000;
const ENDPOINTS = 10;
const CAP = 4;
const SEND_CONCURRENCY = 32;
const ENV = {
  OUTBOUND_ENDPOINT_CONCURRENCY: String(CAP),
  OUTBOUND_REQUEST_TIMEOUT: "2s",
  OUTBOUND_LEASE: "3s",
  OUTBOUND_RETRY_SCHEDULE: "200ms,200ms,200ms,200ms,200ms",
};

after(stopAllServers);
afterEach(reportServerLogsOnFailure);

test("1 API + 3 workers on PostgreSQL: a SIGKILLed worker loses nothing; caps hold cluster-wide", {
  skip: skipPostgres && "OUTBOUND_TEST_SKIP_POSTGRES=1",
  timeout: 180_000,
}, async (t) => {
  const api = await startServer(ENV, { store: "postgres", role: "api" });
  const join = () =>
    startServer({ ...ENV, OUTBOUND_API_TOKEN: api.token }, { role: "worker", databaseUrl: api.databaseUrl });
  const workers: TestServer[] = [await join(), await join(), await join()];

  const receivers: ConcurrencyReceiver[] = [];
  for (let i = 0; i < ENDPOINTS; i++) receivers.push(await startConcurrencyReceiver(5));
  t.after(() => Promise.all(receivers.map((r) => r.close())));
  const app = await api.svix.application.create({ name: "cluster" });
  for (const [i, receiver] of receivers.entries())
    await api.svix.endpoint.create(app.id, { url: receiver.url, channels: [`c${i}`] });

  let next = 0;
  const senders = Array.from({ length: SEND_CONCURRENCY }, async () => {
    while (next < MESSAGES) {
      const i = next++;
      await api.svix.message.create(app.id, {
        eventType: "cluster.tick",
        channels: [`c${i % ENDPOINTS}`],
        payload: { i },
      });
    }
  });
  const received = () => receivers.reduce((sum, r) => sum + r.ids.length, 0);

  // Midway (some deliveries done, many still to go), one worker dies without a word; a replacement joins.
  await eventually(
    async () => received(),
    (n) => n >= MESSAGES / 3,
    "a third delivered",
    60_000,
  );
  const sql = postgres(api.databaseUrl, { max: 1, onnotice: () => {} });
  t.after(() => sql.end());
  const claimsOf = async (worker: TestServer) =>
    Number(
      (
        await sql`SELECT count(*) AS n FROM deliveries
          WHERE status = 3 AND lease_owner LIKE ${`%:${worker.child.pid}:%`}`
      )[0]?.n,
    );
  // Freeze a worker that holds claims (so it cannot finish them), count them, then kill it: those claims must
  // come back through the lease, not be lost.
  let victim = -1;
  let orphans = 0;
  for (let tries = 0; victim < 0; tries++) {
    assert.ok(tries < 500, "some worker holds claims while messages are still arriving");
    const index = Math.floor(Math.random() * workers.length);
    const worker = workers[index]!;
    worker.child.kill("SIGSTOP");
    orphans = await claimsOf(worker);
    if (orphans > 0) {
      victim = index;
      await worker.stop("SIGKILL");
    } else worker.child.kill("SIGCONT");
  }
  workers[victim] = await join();
  await Promise.all(senders);

  const distinct = () => receivers.reduce((sum, r) => sum + new Set(r.ids).size, 0);
  await eventually(
    async () => distinct(),
    (n) => n === MESSAGES,
    `${MESSAGES} distinct messages`,
    90_000,
  );
  await eventually(
    async () => Number((await sql`SELECT count(*) AS n FROM deliveries WHERE status IN (1, 3)`)[0]?.n),
    (n) => n === 0,
    "no delivery pending or sending",
    30_000,
  );

  for (const [i, receiver] of receivers.entries()) {
    assert.equal(new Set(receiver.ids).size, MESSAGES / ENDPOINTS, `endpoint ${i} got each of its messages`);
    assert.ok(
      receiver.maxConcurrent <= CAP,
      `endpoint ${i} saw ${receiver.maxConcurrent} at once (cap ${CAP})`,
    );
  }
  const duplicates = received() - MESSAGES;
  t.diagnostic(
    `${orphans} claims orphaned by the kill; ` +
      `${received()} requests for ${MESSAGES} messages: ${duplicates} duplicates; most at once per endpoint: ` +
      receivers.map((r) => r.maxConcurrent).join(","),
  );
  assert.ok(duplicates <= MESSAGES * 0.02, `duplicates ${duplicates} ≤ 2 % of ${MESSAGES}`);
  assert.ok(
    receivers.some((r) => r.maxConcurrent === CAP),
    "the cap was actually reached (the test has teeth)",
  );
});
