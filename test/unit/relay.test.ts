import assert from "node:assert/strict";
import { test } from "node:test";
import { parseServerSentEvents } from "../../src/cli/listen-command.ts";
import type { HttpSender, SendResult } from "../../src/delivery/http-sender.ts";
import { createRelayHub, isRelayUrl, RELAY_HOST, type RelayRequest } from "../../src/delivery/relay-hub.ts";

test("parseServerSentEvents: complete events only, comments skipped, multi-line data joined", () => {
  const cases: Array<[string, Array<{ event: string; data: string }>, string]> = [
    ['event: ready\ndata: {"a":1}\n\n', [{ event: "ready", data: '{"a":1}' }], ""],
    [
      ": keep-alive\n\nevent: delivery\ndata: x\n\nevent: deliv",
      [{ event: "delivery", data: "x" }],
      "event: deliv",
    ],
    ["data: one\ndata: two\n\n", [{ event: "message", data: "one\ntwo" }], ""],
    ["event: ready\n", [], "event: ready\n"],
  ];
  for (const [input, events, rest] of cases) assert.deepEqual(parseServerSentEvents(input), { events, rest });
});

const unreachable: HttpSender = {
  send: async () => {
    throw new Error("the HTTP sender must not be used for relay URLs");
  },
  close: async () => {},
};
const request = (url: string) => ({
  url,
  method: "POST" as const,
  headers: { "webhook-id": "msg_1" },
  body: "{}",
});

test("relay hub: a delivery goes down the open relay and its answer becomes the attempt's result", async () => {
  let clock = 1_000;
  const hub = createRelayHub({ timeoutMs: 60_000, now: () => clock });
  const relay = hub.create();
  assert.equal(new URL(relay.url).hostname, RELAY_HOST);
  const pushed: RelayRequest[] = [];
  hub.open(relay.token, (r) => pushed.push(r));
  const sender = hub.wrap(unreachable);
  const result = sender.send(request(relay.url));
  assert.equal(pushed.length, 1);
  assert.deepEqual(
    { ...pushed[0], id: "" },
    { id: "", method: "POST", query: "", headers: { "webhook-id": "msg_1" }, body: "{}" },
  );
  clock += 25;
  assert.equal(hub.answer(pushed[0]!.id, { status: 201, body: "thanks" }), true);
  assert.deepEqual(await result, {
    statusCode: 201,
    responseText: "thanks",
    retryAfter: undefined,
    durationMs: 25,
    failure: undefined,
  } satisfies SendResult);
  assert.equal(hub.answer(pushed[0]!.id, { status: 200, body: "" }), false, "answered once only");

  // The CLI reports the local receiver's headers too; they are kept like a direct attempt's.
  const withHeaders = sender.send(request(relay.url));
  const headers: Array<[string, string]> = [
    ["X-Receiver", "local"],
    ["set-cookie", "sid=1; Path=/"],
  ];
  assert.equal(hub.answer(pushed[1]!.id, { status: 200, body: "", headers }), true);
  assert.deepEqual((await withHeaders).responseHeaders, [
    ["x-receiver", "local"],
    ["set-cookie", "sid=(redacted); Path=/"],
  ]);
});

test("relay hub: no listener, a listener that leaves, a receiver that was unreachable, shutdown", async () => {
  const hub = createRelayHub({ timeoutMs: 60_000 });
  const sender = hub.wrap(unreachable);
  const nobody = await sender.send(request(hub.create().url));
  assert.equal(nobody.statusCode, 0);
  assert.equal(nobody.failure, "network");

  const relay = hub.create();
  const pushed: RelayRequest[] = [];
  const close = hub.open(relay.token, (r) => pushed.push(r));
  const left = sender.send(request(relay.url));
  close();
  assert.deepEqual([(await left).statusCode, (await left).failure], [0, "network"]);

  hub.open(relay.token, (r) => pushed.push(r));
  const down = sender.send(request(relay.url));
  hub.answer(pushed.at(-1)!.id, {
    status: 0,
    body: "could not reach http://localhost:3000/hook: ECONNREFUSED",
  });
  assert.deepEqual(
    [(await down).failure, (await down).responseText],
    ["network", "could not reach http://localhost:3000/hook: ECONNREFUSED"],
  );

  const stop = new AbortController();
  const interrupted = sender.send(request(relay.url), stop.signal);
  stop.abort();
  assert.equal((await interrupted).failure, "interrupted");
});

test("relay hub: other URLs go to the HTTP sender", async () => {
  const hub = createRelayHub({ timeoutMs: 1_000 });
  const seen: string[] = [];
  const http: HttpSender = {
    send: async (r) => {
      seen.push(r.url);
      return { statusCode: 204, responseText: "", retryAfter: undefined, durationMs: 1, failure: undefined };
    },
    close: async () => {},
  };
  await hub.wrap(http).send(request("https://example.com/relay.outbound.invalid/x"));
  assert.deepEqual(seen, ["https://example.com/relay.outbound.invalid/x"]);
});

test("isRelayUrl: the URL parser decides (case, percent-encoding, ports), and asking twice gives the same answer", () => {
  for (const url of [
    `https://${RELAY_HOST}/ep_1`,
    `https://RELAY.OUTBOUND.INVALID/ep_1`,
    `https://relay.outbound.invalid:8443/ep_1?x=1`,
  ]) {
    assert.equal(isRelayUrl(url), true, url);
    assert.equal(isRelayUrl(url), true, `${url} (cached)`);
  }
  for (const url of ["https://example.com/relay.outbound.invalid", `https://${RELAY_HOST}.example.com/`]) {
    assert.equal(isRelayUrl(url), false, url);
    assert.equal(isRelayUrl(url), false, `${url} (cached)`);
  }
});
