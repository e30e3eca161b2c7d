/**
 * Hostile receivers, through the real server: every misbehaviour of `test/support/hostile-receiver.ts` must end in
 * a recorded attempt with the outcome docs/delivery.md promises, within the request timeout, without the worker's
 * memory growing with the receiver's body, and without one hung endpoint slowing the others down.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, type TestContext, test } from "node:test";
import type { MessageAttemptOut, Svix } from "svix";
import {
  type HostilePath,
  type HostileReceiver,
  HUGE_BYTES,
  startHostileReceiver,
} from "../support/hostile-receiver.ts";
import { eventually } from "../support/poll.ts";
import { startReceiver } from "../support/receiver.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";
import { selfSignedCert } from "../support/tls.ts";

const SUCCESS = 0;
const PENDING = 1;
const FAIL = 2;

const TIMEOUT_MS = 2_000;
const SERVER_ENV = { OUTBOUND_REQUEST_TIMEOUT: "2s", OUTBOUND_RETRY_SCHEDULE: "300ms,300ms" };

let server: TestServer;
let hostile: HostileReceiver;

before(async () => {
  [server, hostile] = await Promise.all([startServer(SERVER_ENV), startHostileReceiver()]);
});
after(async () => {
  await hostile.close();
  await stopAllServers();
});
afterEach(reportServerLogsOnFailure);

interface Delivery {
  appId: string;
  endpointId: string;
  msgId: string;
}

/** A fresh app whose one endpoint points at `url`, and one message to it. */
async function deliverTo(svix: Svix, url: string, name: string): Promise<Delivery> {
  const app = await svix.application.create({ name });
  const endpoint = await svix.endpoint.create(app.id, { url });
  const message = await svix.message.create(app.id, { eventType: "hostile.test", payload: { name } });
  return { appId: app.id, endpointId: endpoint.id, msgId: message.id };
}

/** The endpoint's attempts, oldest first. */
async function attemptsOf(svix: Svix, d: Delivery): Promise<MessageAttemptOut[]> {
  const page = await svix.messageAttempt.listByEndpoint(d.appId, d.endpointId, { limit: 100 });
  return [...page.data].sort(
    (a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.id.localeCompare(b.id),
  );
}

async function waitForAttempts(
  svix: Svix,
  d: Delivery,
  count: number,
  timeoutMs = 15_000,
): Promise<MessageAttemptOut[]> {
  return eventually(
    () => attemptsOf(svix, d),
    (list) => list.length >= count,
    `${count} recorded attempt(s)`,
    timeoutMs,
  );
}

function describeAttempt(a: MessageAttemptOut): string {
  return JSON.stringify({
    status: a.status,
    code: a.responseStatusCode,
    ms: a.responseDurationMs,
    response: a.response.slice(0, 200),
  });
}

function vmRssBytes(pid: number | undefined): number {
  assert.ok(pid, "the server process has a pid");
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  assert.ok(match?.[1], "VmRSS is readable");
  return Number(match[1]) * 1024;
}

async function health(target: TestServer): Promise<number> {
  const response = await fetch(`${target.url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

// The rows are independent (one app each, their own paths), so they run concurrently; the throughput test below
// runs alone.
describe("hostile receivers, one behaviour each", { concurrency: true }, () => {
  // ---- timeouts ------------------------------------------------------------------------------------------------

  for (const behaviour of ["/hang", "/slow-headers", "/slow-body"] as const) {
    test(`${behaviour}: the attempt times out after ~2 s with no status code and is retried`, async (t) => {
      const d = await deliverTo(server.svix, hostile.url(behaviour), behaviour);
      const attempts = await waitForAttempts(server.svix, d, 2, 20_000);
      const [first, second] = attempts;
      assert.ok(first && second);
      t.diagnostic(`${behaviour}: first attempt ${describeAttempt(first)}`);
      assert.equal(first.status, FAIL, describeAttempt(first));
      assert.equal(first.responseStatusCode, 0, `no HTTP response is recorded: ${describeAttempt(first)}`);
      // The recorded reason says the timeout ended it; the lower bound says it waited for it. (No upper bound: on
      // a loaded machine the timer may fire late, which is not what this test is about.)
      assert.match(first.response, /timed out/i, "the recorded failure says it timed out");
      assert.ok(
        first.responseDurationMs >= 1_500,
        `duration ${first.responseDurationMs} ms waited for the ${TIMEOUT_MS} ms timeout`,
      );
      assert.equal(second.status, FAIL);
      assert.ok(
        second.timestamp.getTime() - first.timestamp.getTime() >= 1_500,
        "the retry is a second full attempt",
      );
      assert.ok(hostile.hits(behaviour) >= 2, `the receiver saw the retry (${hostile.hits(behaviour)} hits)`);
    });
  }

  // ---- broken connections --------------------------------------------------------------------------------------

  for (const behaviour of ["/reset", "/close-mid-body", "/garbage"] as const) {
    test(`${behaviour}: a network failure is recorded and retried, the server stays healthy`, async (t) => {
      const d = await deliverTo(server.svix, hostile.url(behaviour), behaviour);
      const attempts = await waitForAttempts(server.svix, d, 2);
      const [first, second] = attempts;
      assert.ok(first && second);
      t.diagnostic(`${behaviour}: first attempt ${describeAttempt(first)}`);
      assert.equal(first.status, FAIL, describeAttempt(first));
      assert.equal(first.responseStatusCode, 0, `no usable HTTP response: ${describeAttempt(first)}`);
      assert.ok(first.response.length > 0, "the network error is described");
      assert.doesNotMatch(first.response, /undefined|\[object/, "the description is readable");
      // Fails fast: the broken connection itself is the recorded reason, not the request timeout it would
      // otherwise have waited for.
      assert.doesNotMatch(
        first.response,
        /timed out/i,
        `fails on the broken connection: ${describeAttempt(first)}`,
      );
      assert.equal(second.status, FAIL);
      assert.ok(hostile.hits(behaviour) >= 2);
      assert.equal(await health(server), 204);
    });
  }

  // ---- huge and endless bodies ---------------------------------------------------------------------------------

  for (const behaviour of ["/huge", "/endless"] as const) {
    test(`${behaviour}: success, at most 20 KiB read, quickly and without memory growth`, async (t) => {
      const rssBefore = vmRssBytes(server.child.pid);
      const streamedBefore = hostile.bytesStreamed();
      const d = await deliverTo(server.svix, hostile.url(behaviour), behaviour);
      const [first] = await waitForAttempts(server.svix, d, 1);
      assert.ok(first);
      const rssAfter = vmRssBytes(server.child.pid);
      // Once the server has closed the connection the receiver cannot send more, so the count below is final.
      await eventually(
        async () => hostile.streamsOpen(),
        (open) => open === 0,
        "the server to close the /huge and /endless connections",
      );
      const streamed = hostile.bytesStreamed() - streamedBefore;
      t.diagnostic(
        `${behaviour}: ${describeAttempt(first)}, response ${first.response.length} chars, ` +
          `RSS ${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssAfter / 2 ** 20).toFixed(1)} MiB, ` +
          `receiver streamed ${(streamed / 2 ** 20).toFixed(1)} MiB`,
      );
      assert.equal(first.status, SUCCESS, describeAttempt(first));
      assert.equal(first.responseStatusCode, 200);
      assert.ok(first.response.length > 0, "the start of the body is recorded");
      assert.ok(first.response.length <= 20_480, `response is ${first.response.length} chars`);
      // A success (not a timeout failure) with ~20 KiB read shows the body was cut short instead of read to the end
      // or until the timeout; no stopwatch needed.
      assert.ok(
        rssAfter - rssBefore < 150 * 2 ** 20,
        `RSS grew by ${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB`,
      );
      assert.ok(
        streamed < HUGE_BYTES / 10,
        `the server stopped reading: ${streamed} bytes left the receiver (of an endless/1 GB body)`,
      );
      // A success is final: once the delivery says so, no retry can follow.
      const destinations = await server.svix.messageAttempt.listAttemptedDestinations(d.appId, d.msgId);
      assert.equal(destinations.data[0]?.status, SUCCESS);
      assert.equal(destinations.data[0]?.nextAttempt ?? null, null, "no next attempt is planned");
      assert.equal(hostile.hits(behaviour), 1, "a success is not retried");
    });
  }

  // ---- redirects -----------------------------------------------------------------------------------------------

  for (const code of [301, 302, 307] as const) {
    test(`/redirect-${code}: recorded as a ${code} failure, never followed`, async () => {
      const okBefore = hostile.hits("/ok");
      const behaviour: HostilePath = `/redirect-${code}`;
      const d = await deliverTo(server.svix, hostile.url(behaviour), behaviour);
      const attempts = await waitForAttempts(server.svix, d, 2);
      const [first, second] = attempts;
      assert.ok(first && second);
      assert.equal(first.status, FAIL, describeAttempt(first));
      assert.equal(first.responseStatusCode, code);
      assert.equal(second.responseStatusCode, code, "retried on the schedule");
      // Following the Location would have happened inside an attempt, before it was recorded.
      assert.equal(hostile.hits("/ok") - okBefore, 0, "the Location was never requested");
    });
  }

  // ---- status codes with consequences --------------------------------------------------------------------------

  const disabledLogLines = (endpointId: string) =>
    server
      .logs()
      .split("\n")
      .filter((l) => l.includes('"event":"endpoint.disabled"') && l.includes(endpointId));

  test("/gone: 410 disables the endpoint at once and logs endpoint.disabled", async () => {
    const d = await deliverTo(server.svix, hostile.url("/gone"), "gone");
    const endpoint = await eventually(
      () => server.svix.endpoint.get(d.appId, d.endpointId),
      (ep) => ep.disabled === true,
      "the endpoint to be disabled",
    );
    assert.equal(endpoint.disabled, true);
    const [first] = await waitForAttempts(server.svix, d, 1);
    assert.ok(first);
    assert.equal(first.status, FAIL);
    assert.equal(first.responseStatusCode, 410);
    const line = await eventually(
      async () =>
        server
          .logs()
          .split("\n")
          .find((l) => l.includes('"event":"endpoint.disabled"') && l.includes(d.endpointId)),
      (found) => found !== undefined,
      "an endpoint.disabled log line for this endpoint",
      5_000,
    );
    assert.ok(line);
    const parsed = JSON.parse(line) as { level: number; appId: string; endpointId: string };
    assert.equal(parsed.level, 40, "logged at warn");
    assert.equal(parsed.appId, d.appId);
    // A failed (final) delivery with no next attempt planned cannot be retried; no waiting needed to show it.
    const destinations = await server.svix.messageAttempt.listAttemptedDestinations(d.appId, d.msgId);
    assert.equal(destinations.data[0]?.status, FAIL);
    assert.equal(destinations.data[0]?.nextAttempt ?? null, null, "no next attempt is planned");
    assert.equal((await attemptsOf(server.svix, d)).length, 1, "no retry after 410");
  });

  test("410 answered to several deliveries in flight disables the endpoint once: one endpoint.disabled event", async () => {
    // docs/operations.md: endpoint.disabled is logged (as the operational event, for now) when an endpoint is disabled.
    // Three messages are in flight together (the 410 comes after 500 ms); the endpoint is disabled once.
    const app = await server.svix.application.create({ name: "gone-concurrent" });
    const endpoint = await server.svix.endpoint.create(app.id, { url: hostile.url("/gone-slow") });
    for (let i = 0; i < 3; i++) {
      await server.svix.message.create(app.id, { eventType: "hostile.test", payload: { i } });
    }
    await hostile.waitForHits("/gone-slow", 3);
    const d = { appId: app.id, endpointId: endpoint.id, msgId: "" };
    const attempts = await waitForAttempts(server.svix, d, 3);
    assert.deepEqual(
      attempts.map((a) => a.responseStatusCode),
      [410, 410, 410],
    );
    assert.equal((await server.svix.endpoint.get(app.id, endpoint.id)).disabled, true);
    // Barrier instead of a sleep: the log line is written as the outcomes commit, and the log is one ordered
    // stream, so once a later endpoint's endpoint.disabled line is there, any second line for this one would be too.
    const later = await deliverTo(server.svix, hostile.url("/gone"), "gone-barrier");
    await eventually(
      async () => disabledLogLines(later.endpointId).length,
      (n) => n > 0,
      "the barrier endpoint's endpoint.disabled log line",
    );
    const events = disabledLogLines(endpoint.id);
    assert.equal(events.length, 1, `endpoint.disabled logged ${events.length} times:\n${events.join("\n")}`);
  });

  test("/429-seconds: Retry-After: 1 delays the retry by at least ~1 s", async (t) => {
    const d = await deliverTo(server.svix, hostile.url("/429-seconds"), "429");
    const [first, second] = await hostile.waitForHits("/429-seconds", 2, 15_000);
    assert.ok(first !== undefined && second !== undefined);
    t.diagnostic(`429: retry came ${second - first} ms later (schedule step 300 ms)`);
    assert.ok(second - first >= 900, `retry after ${second - first} ms`);
    const [attempt] = await waitForAttempts(server.svix, d, 1);
    assert.equal(attempt?.responseStatusCode, 429);
    assert.equal(attempt?.status, FAIL);
  });

  test("/503-date: an HTTP-date Retry-After ~2 s ahead delays the retry by at least ~1.5 s", async (t) => {
    await deliverTo(server.svix, hostile.url("/503-date"), "503-date");
    const [first, second] = await hostile.waitForHits("/503-date", 2, 15_000);
    assert.ok(first !== undefined && second !== undefined);
    t.diagnostic(`503-date: retry came ${second - first} ms later (schedule step 300 ms)`);
    // "Not absurdly later" (not clamped to the 1 h maximum) is shown by the retry arriving at all within the wait
    // above; a tighter stopwatch bound would only measure the machine's load.
    assert.ok(second - first >= 1_500, `retry after ${second - first} ms`);
  });

  test("/503-absurd: Retry-After: 999999999 is clamped to about an hour, the delivery stays pending", async (t) => {
    const d = await deliverTo(server.svix, hostile.url("/503-absurd"), "503-absurd");
    await hostile.waitForHits("/503-absurd", 1);
    // The plan proves the silence: once the first attempt is recorded, the next one is planned about an hour ahead.
    await waitForAttempts(server.svix, d, 1);
    const destinations = await server.svix.messageAttempt.listAttemptedDestinations(d.appId, d.msgId);
    const destination = destinations.data.find((x) => x.id === d.endpointId);
    assert.ok(destination, "the endpoint is listed");
    assert.equal(hostile.hits("/503-absurd"), 1, "no second attempt");
    assert.equal(destination.status, PENDING);
    const next = destination.nextAttempt?.getTime();
    assert.ok(next !== undefined, "a next attempt is planned");
    const ahead = next - Date.now();
    t.diagnostic(`503-absurd: next attempt in ${(ahead / 60_000).toFixed(1)} min`);
    assert.ok(ahead > 50 * 60_000, `next attempt ${ahead} ms ahead is far`);
    assert.ok(ahead <= 61 * 60_000, `but clamped to max(1 h, longest step): ${ahead} ms`);
  });

  // ---- TLS -----------------------------------------------------------------------------------------------------

  async function tlsReceiver(t: TestContext, files: { keyFile: string; certFile: string }) {
    const receiver = await startHostileReceiver({
      tls: { key: fs.readFileSync(files.keyFile), cert: fs.readFileSync(files.certFile) },
    });
    t.after(() => receiver.close());
    return receiver;
  }

  test("TLS: a self-signed receiver fails until its certificate is trusted with OUTBOUND_CA_FILE", async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), "outbound-tls-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const configured = selfSignedCert(dir, "configured-ca");
    const receiver = await tlsReceiver(t, configured);

    // Not trusted by the main server: the handshake fails, no request is made, the failure is retried.
    const untrusted = await deliverTo(server.svix, receiver.url("/ok"), "tls-untrusted");
    const [refused] = await waitForAttempts(server.svix, untrusted, 2);
    assert.ok(refused);
    t.diagnostic(`untrusted: ${describeAttempt(refused)}`);
    assert.equal(refused.status, FAIL);
    assert.equal(refused.responseStatusCode, 0);
    assert.match(refused.response, /cert|self.signed|verify/i, "the failure names the certificate problem");
    assert.equal(receiver.hits("/ok"), 0, "no request went through an untrusted connection");

    const trusting = await startServer({ ...SERVER_ENV, OUTBOUND_CA_FILE: configured.certFile });
    const trusted = await deliverTo(trusting.svix, receiver.url("/ok"), "tls-trusted");
    const [accepted] = await waitForAttempts(trusting.svix, trusted, 1);
    assert.ok(accepted);
    t.diagnostic(`trusted: ${describeAttempt(accepted)}`);
    assert.equal(accepted.status, SUCCESS, describeAttempt(accepted));
    assert.equal(accepted.responseStatusCode, 200);
    assert.equal(receiver.hits("/ok"), 1);
    await trusting.stop();
  });

  test("TLS: OUTBOUND_CA_FILE adds to the default trust store instead of replacing it", async (t) => {
    // docs/operations.md: "extra PEM CA certificates trusted". If the file replaced Node's default store, every
    // public https endpoint would fail once it is set. The default store is stood in for by NODE_EXTRA_CA_CERTS
    // (part of Node's default trust store), so no traffic leaves the machine.
    const dir = await mkdtemp(path.join(tmpdir(), "outbound-tls-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const defaultCa = selfSignedCert(dir, "default-store-ca");
    const extraCa = selfSignedCert(dir, "extra-ca");
    const [byDefault, byExtra] = await Promise.all([tlsReceiver(t, defaultCa), tlsReceiver(t, extraCa)]);

    const both = await startServer({
      ...SERVER_ENV,
      NODE_EXTRA_CA_CERTS: defaultCa.certFile,
      OUTBOUND_CA_FILE: extraCa.certFile,
    });
    const toExtra = await deliverTo(both.svix, byExtra.url("/ok"), "tls-extra");
    const toDefault = await deliverTo(both.svix, byDefault.url("/ok"), "tls-default");
    const [extraAttempt] = await waitForAttempts(both.svix, toExtra, 1);
    const [defaultAttempt] = await waitForAttempts(both.svix, toDefault, 1);
    assert.ok(extraAttempt && defaultAttempt);
    t.diagnostic(`OUTBOUND_CA_FILE receiver: ${describeAttempt(extraAttempt)}`);
    t.diagnostic(`default-store receiver: ${describeAttempt(defaultAttempt)}`);
    assert.equal(extraAttempt.status, SUCCESS, "the OUTBOUND_CA_FILE certificate is trusted");
    assert.equal(
      defaultAttempt.status,
      SUCCESS,
      `a certificate from the default trust store is still trusted: ${describeAttempt(defaultAttempt)}`,
    );
    await both.stop();
  });

  test("a TLS handshake that never completes times out like a hung request", async (t) => {
    // An https URL on the plain-TCP receiver: the ClientHello is read and never answered.
    const d = await deliverTo(server.svix, hostile.url("/hang").replace("http:", "https:"), "tls-hang");
    const [first] = await waitForAttempts(server.svix, d, 1);
    assert.ok(first);
    t.diagnostic(`TLS handshake hang: ${describeAttempt(first)}`);
    assert.equal(first.status, FAIL);
    assert.equal(first.responseStatusCode, 0);
    assert.match(first.response, /timed out/i, "the recorded failure says it timed out");
    assert.ok(
      first.responseDurationMs >= 1_500,
      `duration ${first.responseDurationMs} ms waited for the ${TIMEOUT_MS} ms timeout`,
    );
  });
});

test("eight hung endpoints on one host do not starve another endpoint on the same host", async (t) => {
  // Per-endpoint caps (8 in flight) protect endpoints from each other, but the sender's connection pool is per
  // origin: 8 hung endpoints × 8 attempts must not take every connection to a host that other endpoints share
  // (e.g. a SaaS receiver with one path per customer).
  // The request timeout is far longer than the test's waits, so no hung connection is freed during the test: a
  // healthy delivery that needed one could not arrive at all (no stopwatch needed to tell "prompt" from "waited").
  const patient = await startServer({ ...SERVER_ENV, OUTBOUND_REQUEST_TIMEOUT: "10m" });
  const shared = await startHostileReceiver();
  t.after(() => shared.close());
  const app = await patient.svix.application.create({ name: "shared-host" });
  for (let i = 0; i < 8; i++)
    await patient.svix.endpoint.create(app.id, { url: `${shared.url("/hang")}?n=${i}` });
  for (let i = 0; i < 8; i++) {
    await patient.svix.message.create(app.id, { eventType: "hostile.test", payload: { fill: i } });
  }
  await shared.waitForHits("/hang", 64, 15_000);
  const healthy = await patient.svix.endpoint.create(app.id, { url: shared.url("/ok") });
  for (let i = 0; i < 5; i++) {
    await patient.svix.message.create(app.id, { eventType: "hostile.test", payload: { n: i } });
  }
  const d = { appId: app.id, endpointId: healthy.id, msgId: "" };
  const attempts = await waitForAttempts(patient.svix, d, 5, 15_000);
  t.diagnostic(`shared-host endpoint: ${attempts.map(describeAttempt).join(", ").slice(0, 600)}`);
  assert.deepEqual(
    attempts.slice(0, 5).map((a) => [a.status, a.responseStatusCode]),
    Array.from({ length: 5 }, () => [SUCCESS, 200]),
    "every delivery to the healthy endpoint succeeds at its first attempt",
  );
  assert.equal(shared.hits("/hang"), 64, "the hung endpoints held their 8 attempts each, no more");
  assert.ok(
    shared.openSockets() >= 64,
    `the 64 hung requests were still open while the healthy endpoint was served (${shared.openSockets()} sockets)`,
  );
  await patient.stop();
});

test("one hung endpoint does not hold back nine fast ones", async (t) => {
  // Proven by state, not a stopwatch: with a request timeout far longer than the test, the hung endpoint's 8
  // attempts stay open the whole time, and every delivery to the 9 fast endpoints still arrives meanwhile. (The
  // throughput ratio with and without a hung endpoint is the `hol` benchmark: `npm run bench -- hol`.)
  const isolated = await startServer({
    ...SERVER_ENV,
    OUTBOUND_REQUEST_TIMEOUT: "10m",
    OUTBOUND_SHUTDOWN_GRACE: "100ms",
  });
  const hung = await startHostileReceiver();
  const fast = await startReceiver();
  t.after(async () => {
    await hung.close();
    await fast.close();
  });
  const app = await isolated.svix.application.create({ name: "isolation" });
  await isolated.svix.endpoint.create(app.id, { url: hung.url("/hang") });
  for (let i = 0; i < 9; i++) await isolated.svix.endpoint.create(app.id, { url: `${fast.url}?n=${i}` });
  const messages = 100;
  for (let i = 0; i < messages; i++) {
    await isolated.svix.message.create(app.id, { eventType: "hostile.test", payload: { i } });
  }
  await fast.waitFor(messages * 9, 60_000);
  assert.equal(hung.hits("/hang"), 8, "the hung endpoint holds exactly its cap of 8 attempts");
  assert.ok(hung.openSockets() >= 8, `its 8 requests were still open (${hung.openSockets()} sockets)`);
  await isolated.stop();
});
