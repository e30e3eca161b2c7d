/**
 * `POST /api/v1/app/:app_id/msg` is served before Fastify for the common request (src/api/message-route-early.ts).
 * Two in-process APIs, one with the early path and one without, get the same raw HTTP requests in the same order;
 * their answers (status line, headers in order, body), access-log lines, error log lines and metrics must be the
 * same, apart from what differs between any two requests (dates, ids, timestamps, request ids, durations). A
 * counter on Fastify's onResponse hook proves which requests the early path took.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { after, before, test } from "node:test";
import pino from "pino";
import { fastifyClosing } from "../../src/api/message-route-early.ts";
import { TooManyRequestsError } from "../../src/domain/errors.ts";
import { buildInProcessApi, IN_PROCESS_TOKEN } from "../support/in-process.ts";

type Api = ReturnType<typeof buildInProcessApi>;

interface Side {
  api: Api;
  port: number;
  logLines: string[];
  /** POST requests that Fastify answered (matched to a route or not). */
  throughFastify: number;
}

async function startSide(early: boolean): Promise<Side> {
  const logLines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logLines.push(line) });
  const api = buildInProcessApi({ logger }, { earlyMessageCreate: early });
  const side: Side = { api, port: 0, logLines, throughFastify: 0 };
  api.app.addHook("onResponse", (request, _reply, done) => {
    if (request.method === "POST") side.throughFastify++;
    done();
  });
  await api.app.listen({ port: 0, host: "127.0.0.1" });
  side.port = (api.app.server.address() as AddressInfo).port;
  return side;
}

/** One request on a fresh keep-alive connection; the answer as it came off the wire. */
function exchange(port: number, head: string, body: Buffer | string = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end));
      if (length && Buffer.byteLength(text.slice(end + 4), "latin1") >= Number(length[1])) done();
    });
    socket.on("end", done);
    socket.on("error", reject);
    socket.write(head);
    socket.end(body);
  });
}

/** What differs between any two requests, whichever path served them. */
function normalise(text: string): string {
  return text
    .replace(/\r\nDate: [^\r]*/g, "\r\nDate: (date)")
    .replace(/msg_[A-Za-z0-9]+/g, "msg_(id)")
    .replace(/app_[A-Za-z0-9]+/g, "app_(id)")
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "(time)")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "(uuid)");
}

interface Case {
  name: string;
  path?: string;
  headers?: Record<string, string>;
  body: Buffer | string;
  early: boolean;
}

function requestHead(port: number, c: Case, body: Buffer): string {
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    authorization: `Bearer ${IN_PROCESS_TOKEN}`,
    "content-type": "application/json",
    "content-length": String(body.length),
    ...c.headers,
  };
  const lines = Object.entries(headers)
    .filter(([, value]) => value !== "")
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return `POST ${c.path ?? "/api/v1/app/early-app/msg"} HTTP/1.1\r\n${lines.join("")}\r\n`;
}

let early: Side;
let plain: Side;

before(async () => {
  [early, plain] = await Promise.all([startSide(true), startSide(false)]);
  for (const side of [early, plain]) {
    const body = JSON.stringify({ name: "early", uid: "early-app" });
    const answer = await exchange(
      side.port,
      requestHead(side.port, { name: "app", path: "/api/v1/app", body, early: false }, Buffer.from(body)),
      body,
    );
    assert.match(answer, /^HTTP\/1\.1 201 /);
  }
});
after(async () => {
  await Promise.all([early.api.close(), plain.api.close()]);
});

/** Sends `c` to both APIs (early first) and checks that the answers and log lines match. */
async function compare(c: Case): Promise<string> {
  const body = Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body);
  const beforeFastify = early.throughFastify;
  const logsBefore = [early.logLines.length, plain.logLines.length];
  const answers: string[] = [];
  for (const side of [early, plain]) {
    answers.push(normalise(await exchange(side.port, requestHead(side.port, c, body), body)));
  }
  assert.equal(answers[0], answers[1], `${c.name}: the same answer`);
  assert.equal(
    early.throughFastify - beforeFastify,
    c.early ? 0 : 1,
    `${c.name}: early path taken: ${c.early}`,
  );
  // The access-log line comes when the answer has finished: give both a turn.
  await new Promise((resolve) => setImmediate(resolve));
  const newLines = (side: Side, from: number) =>
    side.logLines.slice(from).map((line) => {
      const { time: _t, pid: _p, hostname: _h, ms, reqId, err, ...rest } = JSON.parse(line);
      return {
        ...rest,
        ms: typeof ms,
        reqId: typeof reqId,
        err: err === undefined ? undefined : { type: err.type, message: err.message },
      };
    });
  assert.deepEqual(
    newLines(early, logsBefore[0] ?? 0),
    newLines(plain, logsBefore[1] ?? 0),
    `${c.name}: logs`,
  );
  return answers[0] ?? "";
}

const message = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ eventType: "user.created", payload: { id: 1, name: "Ada" }, ...extra });

test("the common request is served early, with the same 202 as Fastify's route", async () => {
  const answer = await compare({ name: "plain message", body: message(), early: true });
  assert.match(answer, /^HTTP\/1\.1 202 Accepted\r\ncontent-type: application\/json; charset=utf-8\r\n/);
  await compare({
    name: "charset",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: message(),
    early: true,
  });
  await compare({
    name: "every common field",
    body: message({ eventId: "evt-1", channels: ["a", "b"], tags: ["t/1"], payloadRetentionPeriod: 30 }),
    early: true,
  });
  await compare({
    name: "unicode payload",
    body: message({ payload: { text: "žluťoučký 🐎" } }),
    early: true,
  });
});

test("client errors answer as Fastify's error handler does, connection handling included", async () => {
  const cases: Case[] = [
    { name: "malformed JSON", body: '{"eventType":', early: true },
    { name: "not UTF-8", body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), early: true },
    { name: "too deep", body: `{"eventType":"a","payload":${"[".repeat(70)}${"]".repeat(70)}}`, early: true },
    { name: "empty body", body: "", early: true },
    { name: "an array", body: "[1,2]", early: true },
    { name: "no event type", body: JSON.stringify({ payload: {} }), early: true },
    { name: "unknown field", body: message({ colour: "red" }), early: true },
    { name: "payload not an object", body: message({ payload: [1] }), early: true },
    { name: "unknown application", path: "/api/v1/app/nobody/msg", body: message(), early: true },
    { name: "duplicate eventId", body: message({ eventId: "evt-1" }), early: true },
    {
      name: "application created on first message",
      path: "/api/v1/app/made-here/msg",
      body: message({ application: { name: "made here" } }),
      early: true,
    },
    {
      name: "application id too long to be a uid",
      path: `/api/v1/app/${"a".repeat(300)}/msg`,
      body: message({ application: { name: "too long" } }),
      early: true,
    },
  ];
  for (const c of cases) await compare(c);
  assert.match(await compare(cases[0] as Case), /\r\nconnection: close\r\n/);
});

test("what the early path does not take goes through Fastify, unchanged", async () => {
  const cases: Case[] = [
    { name: "query", path: "/api/v1/app/early-app/msg?with_content=false", body: message(), early: false },
    { name: "unknown query", path: "/api/v1/app/early-app/msg?x=1", body: message(), early: false },
    { name: "no token", headers: { authorization: "" }, body: message(), early: false },
    { name: "wrong token", headers: { authorization: "Bearer nope" }, body: message(), early: false },
    { name: "text/plain", headers: { "content-type": "text/plain" }, body: message(), early: false },
    {
      name: "upper-case type",
      headers: { "content-type": "Application/JSON" },
      body: message(),
      early: false,
    },
    { name: "percent-encoded id", path: "/api/v1/app/early%2Dapp/msg", body: message(), early: false },
    { name: "trailing slash", path: "/api/v1/app/early-app/msg/", body: message(), early: false },
    {
      name: "over the body limit",
      body: message({ payload: { big: "x".repeat(early.api.ctx.config.maxMessageBytes) } }),
      early: false,
    },
  ];
  for (const c of cases) await compare(c);
  const chunked = `{"eventType":"user.created","payload":{}}`;
  const head = (port: number) =>
    `POST /api/v1/app/early-app/msg HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${IN_PROCESS_TOKEN}\r\n` +
    "content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
  const body = `${chunked.length.toString(16)}\r\n${chunked}\r\n0\r\n\r\n`;
  const before = early.throughFastify;
  const answers = [
    normalise(await exchange(early.port, head(early.port), body)),
    normalise(await exchange(plain.port, head(plain.port), body)),
  ];
  assert.equal(answers[0], answers[1], "chunked body");
  assert.equal(early.throughFastify - before, 1, "a chunked body goes to Fastify");
});

test("idempotency keys: reserved, replayed, refused and stored alike", async () => {
  const key = (k: string) => ({ "idempotency-key": k });
  const first = await compare({ name: "a new key", headers: key("k-1"), body: message(), early: true });
  const again = await compare({
    name: "the same key again",
    headers: key("k-1"),
    body: message(),
    early: true,
  });
  assert.match(again, /\r\nidempotent-replayed: true\r\n/);
  assert.equal(again.replace("idempotent-replayed: true\r\n", ""), first, "the first answer, replayed");
  const other = await compare({
    name: "another body",
    headers: key("k-1"),
    body: message({ eventId: "e" }),
    early: true,
  });
  assert.match(other, /^HTTP\/1\.1 409 /);
  for (const c of [
    {
      name: "an error answer is stored",
      path: "/api/v1/app/nobody/msg",
      headers: key("k-2"),
      body: message(),
    },
    { name: "and replayed", path: "/api/v1/app/nobody/msg", headers: key("k-2"), body: message() },
    { name: "a blank key is no key", headers: key(" "), body: message(), early: true },
    { name: "a key on a body that cannot be parsed", headers: key("k-3"), body: "{", early: true },
    { name: "then on one that can", headers: key("k-3"), body: message(), early: true },
  ]) {
    await compare({ early: true, ...c });
  }
});

test("a key whose answer cannot be stored: that failure answered as our error handler does, never with the store's message", async () => {
  const stores = [early, plain].map((side) => side.api.ctx.store);
  const quotas = [early, plain].map((side) => side.api.ctx.quotas);
  let failure: () => Error = () => new Error("the disk is full");
  for (const side of [early, plain]) {
    side.api.ctx.store = new Proxy(side.api.ctx.store, {
      get: (target, name, receiver) =>
        name === "completeIdempotency"
          ? () => Promise.reject(failure())
          : Reflect.get(target, name, receiver),
    });
  }
  const key = (k: string) => ({ "idempotency-key": k });
  const nobody = "/api/v1/app/nobody/msg";
  await compare({ name: "after a 202", headers: key("k-4"), body: message(), early: true });
  const notFound = await compare({
    name: "after a 404",
    path: nobody,
    headers: key("k-5"),
    body: message(),
    early: true,
  });
  assert.match(notFound, /^HTTP\/1\.1 500 /);
  assert.match(notFound, /"code":"internal_error"/);
  assert.doesNotMatch(notFound, /disk is full/, "the store's message stays in the log");
  failure = () => Object.assign(new Error("busy"), { code: "SQLITE_BUSY", statusCode: 503 });
  await compare({
    name: "an error with a status",
    path: nobody,
    headers: key("k-6"),
    body: message(),
    early: true,
  });
  for (const side of [early, plain]) {
    side.api.ctx.quotas = {
      ...side.api.ctx.quotas,
      takeMessage: () => {
        throw new TooManyRequestsError("Too many messages for this application", 2);
      },
    };
  }
  const limited = await compare({ name: "after a 429", headers: key("k-7"), body: message(), early: true });
  assert.match(limited, /\r\nretry-after: 2\r\n/);
  for (const [i, side] of [early, plain].entries()) {
    side.api.ctx.store = stores[i] as typeof side.api.ctx.store;
    side.api.ctx.quotas = quotas[i] as typeof side.api.ctx.quotas;
  }
});

test("a rate limit and an error of ours answer alike, the error logged alike", async () => {
  const quotas = [early, plain].map((side) => side.api.ctx.quotas);
  for (const side of [early, plain]) {
    side.api.ctx.quotas = {
      ...side.api.ctx.quotas,
      takeMessage: () => {
        throw new TooManyRequestsError("Too many messages for this application", 2.5);
      },
    };
  }
  assert.match(
    await compare({ name: "rate limited", body: message(), early: true }),
    /\r\nretry-after: 3\r\n/,
  );
  for (const side of [early, plain]) {
    side.api.ctx.quotas = {
      ...side.api.ctx.quotas,
      takeMessage: () => {
        throw new Error("the disk is on fire");
      },
    };
  }
  assert.match(await compare({ name: "internal error", body: message(), early: true }), /^HTTP\/1\.1 500 /);
  for (const [i, side] of [early, plain].entries())
    side.api.ctx.quotas = quotas[i] as typeof side.api.ctx.quotas;
});

test("metrics count the early path's answers like Fastify's", async () => {
  const rendered = await Promise.all(
    [early, plain].map(async (side) =>
      (await side.api.ctx.telemetry.registry.metrics())
        .split("\n")
        .filter(
          (line) => (line.includes("msg") || line.includes("messages_created")) && !line.startsWith("#"),
        )
        .join("\n"),
    ),
  );
  assert.ok((rendered[0] ?? "").includes('status_class="2xx"'));
  assert.equal(rendered[0], rendered[1]);
});

test("the early path reads Fastify's closing flag, so a closing server answers 503 as before", async () => {
  const side = buildInProcessApi();
  await side.app.ready();
  const closing = fastifyClosing(side.app);
  assert.ok(closing, "Fastify's state is found: after an upgrade that renames it, the early path stays off");
  assert.equal(closing(), false);
  await side.close();
  assert.equal(closing(), true, "set when Fastify closes, with its router's own flag");
});
