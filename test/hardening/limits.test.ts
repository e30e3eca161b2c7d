/**
 * Request limits of the API: oversized bodies, headers and URLs, absurd nesting and identifiers outside Svix's
 * `^[a-zA-Z0-9\-_.]+$` must be refused with a 4xx (never a crash), and the server must stay healthy afterwards.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { beforeTests, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();
let appId: string;

beforeTests(async () => {
  appId = (await server.svix.application.create({ name: "limits", uid: "limits-app" })).id;
});

interface RawResponse {
  status: number;
  body: string;
}

/**
 * Sends one request over a plain socket (so nothing on the client side trims or refuses it) and reads the answer
 * until the server closes the connection.
 */
async function rawRequest(head: string, body = ""): Promise<RawResponse> {
  // A server refusing an oversized head answers and closes while part of the request is still unread, so the
  // kernel may reset the connection and drop the answer before the client reads it: try a few times.
  let last: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await rawRequestOnce(head, body);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

function rawRequestOnce(head: string, body = ""): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no complete answer within 10 s"));
    }, 10_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {}); // a reset after the answer is fine; a missing answer fails below
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      if (status === 0) {
        reject(new Error(`no HTTP answer, got ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const split = text.indexOf("\r\n\r\n");
      resolve({ status, body: split < 0 ? "" : text.slice(split + 4) });
    });
    socket.write(`${head}\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`);
    socket.end(body);
  });
}

const auth = () => `authorization: Bearer ${server.token}`;

async function assertHealthy(): Promise<void> {
  assert.equal(server.child.exitCode, null, "the server process is still running");
  const response = await fetch(`${server.url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 204, "GET /api/v1/health answers 204");
  // And it still does real work.
  const app = await server.svix.application.get(appId);
  assert.equal(app.id, appId);
}

async function postJson(path: string, body: string, method = "POST") {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

test("a message body over 1 MiB is refused with 413 and a JSON error", async () => {
  const payload = { blob: "x".repeat(1024 * 1024 + 10) };
  const { status, json, text } = await postJson(
    `/api/v1/app/${appId}/msg`,
    JSON.stringify({ eventType: "limits.big", payload }),
  );
  assert.equal(status, 413, text.slice(0, 300));
  const error = json as { code?: unknown; detail?: unknown } | undefined;
  assert.equal(error?.code, "payload_too_large", text.slice(0, 300));
  assert.equal(typeof error?.detail, "string");
  await assertHealthy();
});

test("a body just under 1 MiB is still accepted (the limit is the limit, not lower)", async () => {
  const envelope = JSON.stringify({ eventType: "limits.big", payload: { blob: "" } });
  const blob = "x".repeat(1024 * 1024 - envelope.length - 64);
  const { status, text } = await postJson(
    `/api/v1/app/${appId}/msg`,
    JSON.stringify({ eventType: "limits.big", payload: { blob } }),
  );
  assert.equal(status, 202, text.slice(0, 300));
});

test("200 headers of 100 bytes (20 KB in all) are refused with 431 or 400", async (t) => {
  const headers = Array.from({ length: 200 }, (_, i) => `x-filler-${i}: ${"v".repeat(88)}`).join("\r\n");
  const { status, body } = await rawRequest(`GET /api/v1/app HTTP/1.1\r\n${auth()}\r\n${headers}`);
  t.diagnostic(`answered ${status} ${body.slice(0, 200)}`);
  assert.ok(status === 431 || status === 400, `answered ${status}: ${body.slice(0, 200)}`);
  await assertHealthy();
});

test("one 80 KB header is refused with 431 or 400", async (t) => {
  const { status, body } = await rawRequest(
    `GET /api/v1/app HTTP/1.1\r\n${auth()}\r\nx-big: ${"b".repeat(80_000)}`,
  );
  t.diagnostic(`answered ${status} ${body.slice(0, 200)}`);
  assert.ok(status === 431 || status === 400, `answered ${status}: ${body.slice(0, 200)}`);
  await assertHealthy();
});

test("a 100 KB URL is refused with 414 or another 4xx", async (t) => {
  const { status, body } = await rawRequest(
    `GET /api/v1/app/${appId}/msg?channel=${"c".repeat(100_000)} HTTP/1.1\r\n${auth()}`,
  );
  t.diagnostic(`answered ${status} ${body.slice(0, 200)}`);
  assert.ok(status >= 400 && status < 500, `answered ${status}: ${body.slice(0, 200)}`);
  await assertHealthy();
});

for (const [shape, open, close] of [
  ["arrays", "[", "]"],
  ["objects", '{"a":', "}"],
] as const) {
  test(`a payload nested 10,000 levels deep (${shape}) is refused with 422 or 400`, async () => {
    const deep = `${open.repeat(10_000)}1${close.repeat(10_000)}`;
    const { status, text } = await postJson(
      `/api/v1/app/${appId}/msg`,
      `{"eventType":"limits.deep","payload":{"d":${deep}}}`,
    );
    assert.ok(status === 422 || status === 400, `answered ${status}: ${text.slice(0, 300)}`);
    await assertHealthy();
  });
}

// ---- identifiers -----------------------------------------------------------------------------------------------

const BAD_IDS = ["has space", "semi;colon", "ünïcödé", "star*", "slash/x", "comma,x", "tab\tx", "quote'x"];

/** The 422 names the field: one issue's `loc` ends with `field` (or its index below it). */
function assertNamesField(result: { status: number; json: unknown; text: string }, loc: string[]): void {
  assert.equal(
    result.status,
    422,
    `expected 422 naming ${loc.join(".")}, got ${result.status}: ${result.text}`,
  );
  const issues = (result.json as { detail?: Array<{ loc?: unknown; msg?: unknown }> }).detail;
  assert.ok(Array.isArray(issues) && issues.length > 0, result.text);
  assert.ok(
    issues.some(
      (issue) =>
        Array.isArray(issue.loc) &&
        loc.every((part, i) => Array.isArray(issue.loc) && issue.loc[i] === part) &&
        typeof issue.msg === "string" &&
        issue.msg !== "",
    ),
    `no issue at ${JSON.stringify(loc)}: ${result.text}`,
  );
}

for (const bad of BAD_IDS) {
  test(`identifier ${JSON.stringify(bad)} is refused with 422 naming the field, in bodies`, async () => {
    const post = (path: string, body: unknown) => postJson(path, JSON.stringify(body));
    assertNamesField(await post("/api/v1/event-type", { name: bad, description: "x" }), ["body", "name"]);
    assertNamesField(await post("/api/v1/app", { name: "x", uid: bad }), ["body", "uid"]);
    const endpoint = { url: "http://127.0.0.1:9/hook" };
    assertNamesField(await post(`/api/v1/app/${appId}/endpoint`, { ...endpoint, uid: bad }), ["body", "uid"]);
    assertNamesField(await post(`/api/v1/app/${appId}/endpoint`, { ...endpoint, channels: ["ok", bad] }), [
      "body",
      "channels",
      "1",
    ]);
    assertNamesField(await post(`/api/v1/app/${appId}/endpoint`, { ...endpoint, filterTypes: [bad] }), [
      "body",
      "filterTypes",
      "0",
    ]);
    const message = { eventType: "limits.ok", payload: {} };
    assertNamesField(await post(`/api/v1/app/${appId}/msg`, { ...message, eventType: bad }), [
      "body",
      "eventType",
    ]);
    assertNamesField(await post(`/api/v1/app/${appId}/msg`, { ...message, eventId: bad }), [
      "body",
      "eventId",
    ]);
    assertNamesField(await post(`/api/v1/app/${appId}/msg`, { ...message, channels: [bad] }), [
      "body",
      "channels",
      "0",
    ]);
    assertNamesField(
      await post(`/api/v1/app/${appId}/msg`, { ...message, application: { name: "n", uid: bad } }),
      ["body", "application", "uid"],
    );
  });
}

/**
 * The same identifiers taken from the path where the API creates something named after it: PUT creates a missing
 * event type / application / endpoint with the path key as its name or uid, and a message with `application`
 * creates the application with the path key as uid (docs/api.md). Those must be validated like the body fields.
 */
for (const bad of ["has space", "semi;colon", "ünïcödé"]) {
  const key = encodeURIComponent(bad);
  test(`identifier ${JSON.stringify(bad)} taken from the path is refused with 422 naming the field`, async () => {
    const created: string[] = [];
    const check = async (what: string, result: Awaited<ReturnType<typeof postJson>>, loc: string[]) => {
      if (result.status < 300) created.push(`${what} → ${result.status} ${result.text.slice(0, 160)}`);
      else assertNamesField(result, loc);
    };
    await check(
      "PUT /event-type/{name}",
      await postJson(`/api/v1/event-type/${key}`, JSON.stringify({ description: "x" }), "PUT"),
      ["path", "event_type_name"],
    );
    await check(
      "PUT /app/{uid}",
      await postJson(`/api/v1/app/${key}`, JSON.stringify({ name: "x" }), "PUT"),
      ["path", "app_id"],
    );
    await check(
      "PUT /app/{app}/endpoint/{uid}",
      await postJson(
        `/api/v1/app/${appId}/endpoint/${key}`,
        JSON.stringify({ url: "http://127.0.0.1:9/hook" }),
        "PUT",
      ),
      ["path", "endpoint_id"],
    );
    await check(
      "POST /app/{uid}/msg with application",
      await postJson(
        `/api/v1/app/${key}/msg`,
        JSON.stringify({ eventType: "limits.ok", payload: {}, application: { name: "n" } }),
      ),
      ["path", "app_id"],
    );
    assert.equal(
      created.length,
      0,
      `created with an invalid identifier ${JSON.stringify(bad)}:\n${created.join("\n")}`,
    );
  });
}

test("too long identifiers are refused with 422 naming the field", async () => {
  const long = "a".repeat(257);
  assertNamesField(await postJson("/api/v1/event-type", JSON.stringify({ name: long, description: "x" })), [
    "body",
    "name",
  ]);
  assertNamesField(await postJson("/api/v1/app", JSON.stringify({ name: "x", uid: long })), ["body", "uid"]);
  assertNamesField(
    await postJson(
      `/api/v1/app/${appId}/msg`,
      JSON.stringify({ eventType: "limits.ok", payload: {}, channels: ["c".repeat(129)] }),
    ),
    ["body", "channels", "0"],
  );
  await assertHealthy();
});
