/**
 * API fuzzing against the real server: ≥ 10,000 generated requests (fast-check) across the routes of docs/api.md
 * with hostile bodies, query strings, path ids and headers. The server must never answer 5xx (or drop the
 * connection), and every 4xx must be one of the two documented error shapes:
 * `{code, detail}` or `{detail: [{loc, msg, type}]}`.
 *
 * Requests are generated in seeded batches and sent 16 at a time; failures are collected and the first 10 are
 * reported with the request that caused them (the seed reproduces the run: FUZZ_SEED=<n>).
 */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import fc from "fast-check";
import { type HostileReceiver, startHostileReceiver } from "../support/hostile-receiver.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

const TOTAL_REQUESTS = 10_000;
const BATCH = 1_000;
/** OUTBOUND_MAX_MESSAGE_BYTES's default, which the server below keeps: its body limit. */
const SERVER_BODY_LIMIT = 1024 * 1024;
const CONCURRENCY = 16;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** A string `"\u0000HUGE:<n>"` inside a generated body becomes `n` characters at send time (kept lazy). */
const HUGE_MARK = "\u0000HUGE:";

let server: TestServer;
let receiver: HostileReceiver;
const fixture = { app: "", appUid: "fuzz-app", ep: "", epUid: "fuzz-ep", msg: "", eventId: "fuzz-msg-1" };

before(async () => {
  [server, receiver] = await Promise.all([
    startServer({ OUTBOUND_RETRY_SCHEDULE: "100ms", OUTBOUND_REQUEST_TIMEOUT: "1s" }),
    startHostileReceiver(),
  ]);
  await server.svix.eventType.create({ name: "fuzz.event", description: "fuzz" });
  const app = await server.svix.application.create({ name: "fuzz", uid: fixture.appUid });
  const ep = await server.svix.endpoint.create(app.id, { url: receiver.url("/ok"), uid: fixture.epUid });
  const msg = await server.svix.message.create(app.id, {
    eventType: "fuzz.event",
    eventId: fixture.eventId,
    payload: { hello: "world" },
  });
  Object.assign(fixture, { app: app.id, ep: ep.id, msg: msg.id });
});
after(async () => {
  await receiver.close();
  await stopAllServers();
});
afterEach(reportServerLogsOnFailure);

// ---- the requests ---------------------------------------------------------------------------------------------

type Body =
  | { kind: "none" }
  | { kind: "json"; value: unknown; contentType: string | null }
  | { kind: "raw"; text: string; contentType: string | null };

interface FuzzRequest {
  route: string;
  method: "GET" | "POST" | "PUT" | "PATCH";
  /** Path with `{app}`, `{ep}`, `{msg}` already substituted (raw: may hold odd percent sequences). */
  path: string;
  query: string;
  headers: Record<string, string>;
  body: Body;
}

const idLike = fc.stringMatching(/^[a-zA-Z0-9\-_.]{1,24}$/);
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "a\r\nb", "../..", "%00", "😀", "null", "__proto__"),
);
const hugeString = fc.integer({ min: 10_000, max: 400_000 }).map((n) => `${HUGE_MARK}${n}`);
const badId = fc.oneof(
  anyString,
  fc.constantFrom("has space", "semi;colon", "slash/x", "ünïcödé", "a".repeat(257), "tab\tx", "*", "a,b"),
);

/** Nested arrays/objects `depth` levels deep. */
function nest(depth: number, leaf: unknown, objects: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = objects ? { a: value } : [value];
  return value;
}
const deep = fc
  .tuple(fc.integer({ min: 2, max: 400 }), fc.jsonValue({ maxDepth: 1 }), fc.boolean())
  .map(([depth, leaf, objects]) => nest(depth, leaf, objects));

const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(anyString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  anyString,
  hugeString,
  deep,
);

/** Receiver-local or blocked-by-policy URLs; anything else generated elsewhere is rewritten before sending. */
const SAFE_HOSTS = new Set([
  "127.0.0.1",
  "[::1]",
  "10.0.0.1",
  "192.168.1.1",
  "169.254.169.254",
  "100.64.0.1",
  "0.0.0.0",
  "224.0.0.1",
  "[::ffff:a00:1]",
  "[fd00::1]",
  "[64:ff9b::a00:1]",
]);
const url = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(receiver.url("/ok")),
    fc.constantFrom(
      "http://10.0.0.1/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://0x0a000001/",
      "http://012.0.0.1/",
      "http://[::ffff:10.0.0.1]/",
      "http://[fd00::1]/",
      "http://192.168.1.1:8080/x",
      "http://100.64.0.1/",
      "http://[64:ff9b::a00:1]/",
      "http://0.0.0.0/",
      "ftp://127.0.0.1/x",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "gopher://127.0.0.1:70/",
      "not a url",
      "http://",
      "http:///path",
      "//127.0.0.1/x",
      "",
    ),
    fc.integer({ min: 1, max: 70_000 }).map((n) => `${receiver.url("/ok")}?${"q".repeat(n)}`),
    anyString,
  );

const secret = fc.oneof(
  fc.uint8Array({ minLength: 24, maxLength: 24 }).map((b) => `whsec_${Buffer.from(b).toString("base64")}`),
  anyString,
  fc.constantFrom("whsec_", "whsec_!!!!", `whsec_${"A".repeat(200)}`),
);
const isoDate = fc
  .date({ noInvalidDate: true, min: new Date(-1e14), max: new Date(1e14) })
  .map((d) => d.toISOString());
const dateLike = fc.oneof(
  isoDate,
  fc.constantFrom("not-a-date", "2024-13-45T00:00:00Z", "2024-01-01", "0", "-1", "9999-99-99T99:99:99Z"),
  fc.integer(),
);
const delivery = fc.oneof(
  fc.record(
    {
      method: fc.oneof(fc.constantFrom("POST", "PUT", "PATCH", "GET", "DELETE", "get"), wrongType),
      bodyEncoding: fc.oneof(fc.constantFrom("json", "form", "xml"), wrongType),
      signature: fc.oneof(
        fc.record(
          {
            scheme: fc.constantFrom("standard", "hmac-sha256-hex", "hmac-sha256-base64", "none", "md5"),
            header: fc.oneof(fc.constantFrom("x-sig", "bad header", ""), anyString),
            prefix: anyString,
          },
          { requiredKeys: [] },
        ),
        wrongType,
      ),
      credentials: fc.oneof(
        fc.record({ type: fc.constant("basic"), username: anyString, password: anyString }),
        fc.record({ type: fc.constant("bearer"), token: anyString }),
        fc.record({ type: fc.constant("header"), name: anyString, value: anyString }),
        fc.record({ type: anyString }),
        wrongType,
      ),
      mapping: fc.oneof(
        fc.record({
          fields: fc.array(
            fc.record(
              { to: anyString, from: fc.option(anyString, { nil: undefined }) },
              { requiredKeys: [] },
            ),
            { maxLength: 4 },
          ),
        }),
        wrongType,
      ),
      filter: fc.oneof(
        fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        deep.map((d) => ({ $and: [{ a: d }] })),
        fc
          .integer({ min: 1, max: 60 })
          .map((depth) => nest(depth, { "data.x": { $gt: 1 } }, false))
          .map((n) => ({ $or: [{ $and: n }] })),
        wrongType,
      ),
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
  wrongType,
);

/** A field is either a plausible value, a wrong one, or missing. */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: wrongType });
const object = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(Object.fromEntries(Object.entries(fields).map(([name, arb]) => [name, field(arb)])), {
    requiredKeys: [],
  });

const stringMap = fc.dictionary(anyString, anyString, { maxKeys: 4 });
const eventTypeList = fc.array(fc.oneof(idLike, fc.constant("fuzz.event"), badId), { maxLength: 4 });
const channelList = fc.array(fc.oneof(idLike, badId), { maxLength: 12 });
const headerMap = fc.oneof(
  fc.dictionary(fc.oneof(fc.stringMatching(/^[a-zA-Z0-9-]{1,20}$/), anyString), anyString, { maxKeys: 4 }),
  fc.constantFrom(
    { "Content-Length": "1" },
    { "webhook-signature": "v1,forged" },
    { "x-a\r\nb": "v" },
    { "x-ok": "a\r\nInjected: 1" },
    { host: "evil.example" },
    { "": "empty" },
  ),
);

const appBody = () => object({ name: anyString, uid: fc.oneof(idLike, badId), metadata: stringMap });
const endpointBody = () =>
  object({
    url: url(),
    description: anyString,
    uid: fc.oneof(idLike, badId),
    eventTypes: eventTypeList,
    filterTypes: eventTypeList,
    channels: channelList,
    metadata: stringMap,
    headers: headerMap,
    secret,
    disabled: fc.boolean(),
    rateLimit: fc.integer({ min: -10, max: 70_000 }),
    version: fc.integer(),
    delivery,
  });
const messageBody = () =>
  object({
    eventType: fc.oneof(fc.constant("fuzz.event"), idLike, badId),
    payload: fc.oneof(
      fc.dictionary(anyString, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
      deep.map((d) => ({ d })),
      hugeString.map((h) => ({ h })),
    ),
    eventId: fc.oneof(idLike, badId, fc.constant(fixture.eventId)),
    channels: channelList,
    payloadRetentionPeriod: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double()),
    application: fc.oneof(
      fc.record({ name: anyString, uid: fc.oneof(idLike, badId) }, { requiredKeys: [] }),
      wrongType,
    ),
  });
const eventTypeBody = () =>
  object({
    name: fc.oneof(idLike, badId),
    description: anyString,
    archived: fc.boolean(),
    deprecated: fc.boolean(),
    schemas: fc.oneof(fc.dictionary(anyString, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 2 }), deep),
    featureFlag: fc.oneof(idLike, badId),
  });
const recoverBody = () => object({ since: dateLike, until: dateLike });
const headersBody = () => object({ headers: headerMap });
const resendBody = () => fc.constant({});

interface RouteSpec {
  name: string;
  method: FuzzRequest["method"];
  template: string;
  body: (() => fc.Arbitrary<unknown>) | null;
  queryKeys: string[];
}

const LIST_KEYS = ["limit", "iterator", "order"];
const MSG_KEYS = [...LIST_KEYS, "before", "after", "event_types", "channel", "with_content"];
const ROUTES: RouteSpec[] = [
  { name: "create app", method: "POST", template: "/app", body: appBody, queryKeys: ["get_if_exists"] },
  {
    name: "create endpoint",
    method: "POST",
    template: "/app/{app}/endpoint",
    body: endpointBody,
    queryKeys: [],
  },
  {
    name: "create message",
    method: "POST",
    template: "/app/{app}/msg",
    body: messageBody,
    queryKeys: ["with_content"],
  },
  {
    name: "patch endpoint",
    method: "PATCH",
    template: "/app/{app}/endpoint/{ep}",
    body: endpointBody,
    queryKeys: [],
  },
  { name: "list apps", method: "GET", template: "/app", body: null, queryKeys: LIST_KEYS },
  {
    name: "list endpoints",
    method: "GET",
    template: "/app/{app}/endpoint",
    body: null,
    queryKeys: LIST_KEYS,
  },
  { name: "list messages", method: "GET", template: "/app/{app}/msg", body: null, queryKeys: MSG_KEYS },
  {
    name: "list event types",
    method: "GET",
    template: "/event-type",
    body: null,
    queryKeys: [...LIST_KEYS, "include_archived", "with_content"],
  },
  {
    name: "attempts by endpoint",
    method: "GET",
    template: "/app/{app}/attempt/endpoint/{ep}",
    body: null,
    queryKeys: [...MSG_KEYS, "status", "status_code_class"],
  },
  {
    name: "attempts by message",
    method: "GET",
    template: "/app/{app}/attempt/msg/{msg}",
    body: null,
    queryKeys: [...MSG_KEYS, "status", "status_code_class", "endpoint_id"],
  },
  {
    name: "message destinations",
    method: "GET",
    template: "/app/{app}/msg/{msg}/endpoint",
    body: null,
    queryKeys: LIST_KEYS,
  },
  {
    name: "endpoint messages",
    method: "GET",
    template: "/app/{app}/endpoint/{ep}/msg",
    body: null,
    queryKeys: [...MSG_KEYS, "status"],
  },
  {
    name: "resend",
    method: "POST",
    template: "/app/{app}/msg/{msg}/endpoint/{ep}/resend",
    body: resendBody,
    queryKeys: [],
  },
  {
    name: "recover",
    method: "POST",
    template: "/app/{app}/endpoint/{ep}/recover",
    body: recoverBody,
    queryKeys: [],
  },
  {
    name: "put headers",
    method: "PUT",
    template: "/app/{app}/endpoint/{ep}/headers",
    body: headersBody,
    queryKeys: [],
  },
  { name: "create event type", method: "POST", template: "/event-type", body: eventTypeBody, queryKeys: [] },
];

const queryValue = fc.oneof(
  fc.constantFrom("-1", "abc", "0", "251", "1e3", "", "50", " 5", "0x10", "99999999999999999999999", "NaN"),
  fc.constantFrom("not-a-date", "2024-13-45T00:00:00Z", "true", "false", "maybe", "ascending", "sideways"),
  fc.constantFrom("a,b", ",,,", "bad char!", "a b", "x".repeat(400), "9", "-", "-garbage", "%"),
  anyString,
  isoDate,
);
const rawQueryJunk = fc.constantFrom(
  "",
  "",
  "",
  "&%zz=1",
  "&a=%",
  "&&&",
  "&=x",
  "&limit",
  "&iterator=%E0%A4%A",
);

function query(keys: string[]): fc.Arbitrary<string> {
  const allKeys = [...keys, "limit", "unknown_param"];
  return fc
    .tuple(fc.array(fc.tuple(fc.constantFrom(...allKeys), queryValue), { maxLength: 4 }), rawQueryJunk)
    .map(([pairs, junk]) => {
      const params = new URLSearchParams();
      for (const [key, value] of pairs) params.append(key, value);
      const text = params.toString() + junk;
      return text === "" ? "" : `?${text}`;
    });
}

/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD, as the WHATWG URL does). */
function encodeSegment(text: string): string {
  return [...Buffer.from(text, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
}

/** A path id: mostly a real id or uid (so deeper validation runs), otherwise something hostile. */
function pathId(valid: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: anyString.map(encodeSegment) },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 2_000 }).map((n) => "a".repeat(n)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "..",
        ".",
        "%00",
        "%2e%2e",
        "%2F",
        "%",
        "%zz",
        "%C0%AE",
        "%FF",
        "%E2%82",
        "a%00b",
        encodeURIComponent("ünïcödé😀"),
        "%ED%A0%80",
        "app_00000000000000000000000000",
        "msg_%27%20OR%201=1",
      ),
    },
  );
}

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      null,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=latin1",
      "application/jsonx",
      "application/xml",
      "",
      "*/*",
    ),
  },
);
const invalidJson = fc.oneof(
  fc.constantFrom(
    "{",
    '{"a":',
    "[1,2",
    "nul",
    "'single'",
    "{a:1}",
    '{"__proto__": {"polluted": 1}}',
    '{"constructor": {"prototype": {"polluted": 1}}}',
    '{"name": "x",}',
    "\u0000",
    "1e99999",
    "",
    " ",
    `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
  ),
  fc.string({ maxLength: 60 }),
);

function body(route: RouteSpec): fc.Arbitrary<Body> {
  if (route.body === null) return fc.constant<Body>({ kind: "none" });
  return fc
    .oneof(
      { weight: 10, arbitrary: fc.tuple(route.body(), contentType) },
      { weight: 2, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 4 }), contentType) },
      { weight: 1, arbitrary: fc.tuple(deep, contentType) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          hugeString.map((h) => ({ name: h, description: h, url: h })),
          contentType,
        ),
      },
      {
        weight: 2,
        arbitrary: fc.tuple(invalidJson, contentType).map(([text, type]) => ({ raw: text, type })),
      },
      { weight: 1, arbitrary: fc.constant(null) },
    )
    .map((generated): Body => {
      if (generated === null) return { kind: "none" };
      if (!Array.isArray(generated)) return { kind: "raw", text: generated.raw, contentType: generated.type };
      return { kind: "json", value: generated[0], contentType: generated[1] };
    });
}

/** Characters a client can put in a header value (fetch refuses control characters before sending). */
const headerChar = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constant("\t") },
);

function request(portalTokens: string[]): fc.Arbitrary<FuzzRequest> {
  const apps = [fixture.app, fixture.appUid];
  const eps = [fixture.ep, fixture.epUid];
  const msgs = [fixture.msg, fixture.eventId];
  const idempotencyKey = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom("", " ", "k1", "k2", "\t", "a".repeat(5_000), "é", "ÿ\u00a0x", "null"),
        fc.string({ unit: headerChar, maxLength: 64 }),
      ),
    },
  );
  const authorization = fc.oneof(
    { weight: 20, arbitrary: fc.constant(`Bearer ${server.token}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        `Basic ${Buffer.from("a:b").toString("base64")}`,
        `bearer ${server.token}`,
        `Bearer ${"x".repeat(4_000)}`,
        ...portalTokens.map((token) => `Bearer ${token}`),
      ),
    },
  );
  return fc.constantFrom(...ROUTES).chain((route) =>
    fc
      .record({
        app: pathId(apps),
        ep: pathId(eps),
        msg: pathId(msgs),
        query: query(route.queryKeys),
        body: body(route),
        idempotencyKey,
        authorization,
      })
      .map((parts): FuzzRequest => {
        const headers: Record<string, string> = {};
        if (parts.authorization !== undefined) headers.authorization = parts.authorization;
        if (parts.idempotencyKey !== undefined) headers["idempotency-key"] = parts.idempotencyKey;
        if (parts.body.kind !== "none" && parts.body.contentType !== null) {
          headers["content-type"] = parts.body.contentType;
        }
        const path = `/api/v1${route.template}`
          .replace("{app}", parts.app)
          .replace("{ep}", parts.ep)
          .replace("{msg}", parts.msg);
        return {
          route: route.name,
          method: route.method,
          path,
          query: parts.query,
          headers,
          body: parts.body,
        };
      }),
  );
}

// ---- sending and judging -----------------------------------------------------------------------------------

/** Never let a generated endpoint URL point anywhere but loopback (or a literal the server refuses anyway). */
function confineUrl(value: unknown): unknown {
  if (typeof value !== "string") return value;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return value;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return value;
  if (SAFE_HOSTS.has(parsed.hostname) || /^127\./.test(parsed.hostname)) return value;
  parsed.hostname = "127.0.0.1";
  parsed.port = String(receiver.port);
  return parsed.toString();
}

function serialize(req: FuzzRequest): string | undefined {
  if (req.body.kind === "none") return undefined;
  if (req.body.kind === "raw") return req.body.text;
  const confined =
    req.body.value !== null && typeof req.body.value === "object" && !Array.isArray(req.body.value)
      ? { ...req.body.value, ...("url" in req.body.value ? { url: confineUrl(req.body.value.url) } : {}) }
      : req.body.value;
  return JSON.stringify(confined, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(HUGE_MARK)
      ? "x".repeat(Number(value.slice(HUGE_MARK.length)))
      : value,
  );
}

function problemShapeError(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "body is not JSON";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "body is not an object";
  const { code, detail } = parsed as { code?: unknown; detail?: unknown };
  if (typeof code === "string" && code !== "" && typeof detail === "string") return null;
  if (Array.isArray(detail) && detail.length > 0) {
    for (const issue of detail as unknown[]) {
      if (issue === null || typeof issue !== "object") return "validation issue is not an object";
      const { loc, msg, type } = issue as { loc?: unknown; msg?: unknown; type?: unknown };
      if (!Array.isArray(loc) || !loc.every((part) => typeof part === "string")) {
        return "validation issue loc is not a string[]";
      }
      if (typeof msg !== "string" || msg === "") return "validation issue msg is empty";
      if (typeof type !== "string") return "validation issue type is not a string";
    }
    return null;
  }
  return "neither {code, detail} nor {detail: [{loc, msg, type}]}";
}

interface Outcome {
  status: number | "network-error" | "client-refused" | "closed-while-sending";
  problem: string | null;
  responseText: string;
}

async function send(req: FuzzRequest): Promise<Outcome> {
  let init: RequestInit;
  try {
    init = {
      method: req.method,
      headers: new Headers(req.headers),
      body: serialize(req),
      signal: AbortSignal.timeout(20_000),
    };
  } catch (error) {
    return { status: "client-refused", problem: null, responseText: String(error) };
  }
  let response: Response;
  try {
    response = await fetch(`${server.url}${req.path}${req.query}`, init);
  } catch (error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const message = `${(error as Error).message}${cause instanceof Error ? `: ${cause.message}` : ""}`;
    // fetch itself refuses some URLs/headers before sending anything: that is not the server's doing.
    const refusedByClient =
      cause instanceof Error && (cause as Error & { code?: unknown }).code === "UND_ERR_INVALID_ARG";
    if (refusedByClient || (error instanceof TypeError && !/fetch failed/.test(error.message))) {
      return { status: "client-refused", problem: null, responseText: message };
    }
    // A body over the server's limit is answered 413 from its Content-Length before it is read, and the connection
    // closed (RFC 9112 §9.6): a client still writing it may see EPIPE instead of the answer. That race is the
    // client's, not a server failure; any other request must get an answer.
    if (typeof init.body === "string" && Buffer.byteLength(init.body) > SERVER_BODY_LIMIT) {
      return { status: "closed-while-sending", problem: null, responseText: message };
    }
    return {
      status: "network-error",
      problem: "the request failed without a response",
      responseText: message,
    };
  }
  const text = await response.text();
  if (response.status >= 500) return { status: response.status, problem: "5xx response", responseText: text };
  if (response.status >= 400) {
    return { status: response.status, problem: problemShapeError(text), responseText: text };
  }
  return { status: response.status, problem: null, responseText: text };
}

function describeRequest(req: FuzzRequest): string {
  const text = serialize(req) ?? "";
  const shortHeaders = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [
      k,
      k === "authorization" ? v.replace(server.token, "<admin>").slice(0, 60) : v.slice(0, 80),
    ]),
  );
  return (
    `${req.method} ${`${req.path}${req.query}`.slice(0, 300)} [${req.route}] headers=${JSON.stringify(shortHeaders)} ` +
    `body(${text.length} chars)=${JSON.stringify(text.slice(0, 300))}`
  );
}

test(`fuzz: ${TOTAL_REQUESTS} hostile requests, no 5xx, every 4xx in a documented error shape`, async (t) => {
  const portal = await server.svix.authentication.appPortalAccess(fixture.app, {});
  const arbitrary = request([portal.token]);
  const failures: Array<{ req: FuzzRequest; outcome: Outcome }> = [];
  const statuses = new Map<string, number>();
  const byRoute = new Map<string, number>();
  let refused = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = Date.now() + 90_000;

  for (let batch = 0; sent < TOTAL_REQUESTS && Date.now() < deadline; batch++) {
    const requests = fc.sample(arbitrary, { seed: SEED + batch, numRuns: BATCH });
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < requests.length; i = next++) {
          const req = requests[i];
          if (!req) continue;
          const outcome = await send(req);
          if (outcome.status === "client-refused") {
            refused++;
            continue;
          }
          sent++;
          const key = String(outcome.status);
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          byRoute.set(req.route, (byRoute.get(req.route) ?? 0) + 1);
          if (outcome.problem !== null) failures.push({ req, outcome });
        }
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(
    `seed ${SEED}: ${sent} requests answered in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s), ` +
      `${refused} refused by the client before sending`,
  );
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  t.diagnostic(`routes: ${JSON.stringify(Object.fromEntries(byRoute))}`);

  const health = await fetch(`${server.url}/api/v1/health`);
  assert.equal(health.status, 204, "the server is healthy after the fuzzing");
  assert.ok(sent >= TOTAL_REQUESTS, `only ${sent} requests were answered before the time limit`);
  const kinds = new Map<string, { count: number; example: string }>();
  const show = ({ req, outcome }: { req: FuzzRequest; outcome: Outcome }) =>
    `${describeRequest(req)}\n    → ${outcome.status} ${outcome.problem}: ${outcome.responseText.slice(0, 300)}`;
  for (const failure of failures) {
    const { outcome } = failure;
    const code = /"code":"([^"]+)"/.exec(outcome.responseText)?.[1] ?? "";
    const kind = `${outcome.status} ${code}: ${outcome.problem}`;
    const seen = kinds.get(kind);
    if (seen) seen.count++;
    else kinds.set(kind, { count: 1, example: show(failure) });
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} bad answers (seed ${SEED}).\nBy kind, with one example each:\n` +
      [...kinds].map(([kind, { count, example }]) => `[${count}×] ${kind}\n  ${example}`).join("\n") +
      "\nFirst 10:\n" +
      failures
        .slice(0, 10)
        .map((failure, i) => `#${i + 1} ${show(failure)}`)
        .join("\n"),
  );
});

// ---- the fuzzer's findings, pinned as plain probes (the random run hits some of them rarely) ------------------

async function probe(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  return { status: response.status, text: await response.text() };
}

test("a repeated endpoint_id query parameter on attempts-by-message is a 4xx, not a 500", async () => {
  const { status, text } = await probe(
    `/api/v1/app/${fixture.app}/attempt/msg/${fixture.msg}?endpoint_id=${fixture.ep}&endpoint_id=other`,
  );
  assert.ok(status >= 400 && status < 500, `answered ${status}: ${text}`);
  assert.equal(problemShapeError(text), null, text);
});

for (const [what, path] of [
  ["a malformed percent-encoding in a path id", "/api/v1/app/%zz/msg"],
  ["a truncated UTF-8 sequence in a path id", "/api/v1/app/%E2%82/endpoint"],
  ["a path id longer than the router's limit", `/api/v1/app/${"a".repeat(600)}/msg`],
] as const) {
  test(`${what} answers a documented error shape`, async () => {
    const { status, text } = await probe(path);
    assert.ok(status >= 400 && status < 500, `answered ${status}: ${text}`);
    assert.equal(problemShapeError(text), null, `answered ${status} ${text.slice(0, 200)}`);
  });
}
