import assert from "node:assert/strict";
import { test } from "node:test";
import { commonMessageIn, parseMessageIn } from "../../src/api/message-in.ts";
import { messageIn } from "../../src/api/schemas.ts";
import { parseInput } from "../../src/api/validation.ts";
import { ValidationError } from "../../src/domain/errors.ts";

/** What zod (parseInput) makes of a body: the parsed value, or the issues of its ValidationError. */
function viaZod(body: unknown): { value: unknown } | { issues: unknown } {
  try {
    return { value: parseInput(messageIn, body, "body") };
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return { issues: error.issues };
  }
}

function viaParseMessageIn(body: unknown): { value: unknown } | { issues: unknown } {
  try {
    return { value: parseMessageIn(body) };
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return { issues: error.issues };
  }
}

const id = (n: number, c = "a") => c.repeat(n);
const base = { eventType: "invoice.paid", payload: { id: "inv_1", amount: 4200 } };

/** Bodies the hand-written check takes: it must build exactly what zod builds (keys in the same order too). */
const COMMON: unknown[] = [
  base,
  { payload: { a: 1 }, eventType: "a" },
  { ...base, eventId: "evt-1_2.3" },
  { ...base, eventId: null },
  { ...base, eventId: id(256) },
  { ...base, channels: ["c1"] },
  { ...base, channels: ["a", "b", "c", "d", "e"] },
  { ...base, channels: [id(128)] },
  { ...base, channels: null },
  { ...base, tags: [] },
  { ...base, tags: ["t/1\\#x", "t2"] },
  { ...base, tags: null },
  { ...base, tags: ["dup", "dup"] },
  { ...base, tags: [id(128, "t")] },
  { ...base, payloadRetentionPeriod: 1 },
  { ...base, payloadRetentionPeriod: 90 },
  { ...base, payloadRetentionHours: 1 },
  { ...base, payloadRetentionHours: 2160 },
  { ...base, application: null, deliverAt: null },
  { tags: ["x"], channels: ["y"], payloadRetentionHours: 24, eventId: "e", payload: {}, eventType: "t" },
  { ...base, eventType: id(256, "E") },
  { ...base, payload: JSON.parse('{"__proto__":{"polluted":true},"a":[1,{"b":null}]}') },
  JSON.parse('{"eventType":"x","payload":{}}'),
];

/** Bodies zod must decide: refused ones (the error details must not change) and the rarer valid shapes. */
const DEFERRED: unknown[] = [
  undefined,
  null,
  "text",
  42,
  [],
  [base],
  {},
  { eventType: "a" },
  { payload: {} },
  { ...base, eventType: "" },
  { ...base, eventType: id(257) },
  { ...base, eventType: "has space" },
  { ...base, eventType: 7 },
  { ...base, eventType: null },
  { ...base, payload: null },
  { ...base, payload: [] },
  { ...base, payload: "x" },
  { ...base, eventId: "" },
  { ...base, eventId: id(257) },
  { ...base, eventId: "ü" },
  { ...base, eventId: 1 },
  { ...base, channels: [] },
  { ...base, channels: ["a", "b", "c", "d", "e", "f"] },
  { ...base, channels: [id(129)] },
  { ...base, channels: [""] },
  { ...base, channels: ["a b"] },
  { ...base, channels: [1] },
  { ...base, channels: "a" },
  { ...base, tags: ["a", "b", "c", "d", "e", "f"] },
  { ...base, tags: [""] },
  { ...base, tags: [id(129)] },
  { ...base, tags: ["a b"] },
  { ...base, tags: [null] },
  { ...base, tags: {} },
  { ...base, payloadRetentionPeriod: 0 },
  { ...base, payloadRetentionPeriod: 91 },
  { ...base, payloadRetentionPeriod: 1.5 },
  { ...base, payloadRetentionPeriod: "1" },
  { ...base, payloadRetentionPeriod: null },
  { ...base, payloadRetentionPeriod: 1e300 },
  { ...base, payloadRetentionHours: 0 },
  { ...base, payloadRetentionHours: 2161 },
  { ...base, payloadRetentionHours: null },
  { ...base, unknown: 1 },
  { ...base, eventtype: "x" },
  JSON.parse('{"eventType":"x","payload":{},"__proto__":{"a":1}}'),
  { ...base, application: { name: "Acme", uid: "acme" } },
  { ...base, application: { name: "Acme", extra: 1 } },
  { ...base, application: JSON.parse('{"name":"Acme","metadata":{"__proto__":"x"}}') },
  { ...base, application: "acme" },
  { ...base, deliverAt: "2030-01-01T00:00:00Z" },
  { ...base, deliverAt: "tomorrow" },
  { ...base, eventType: undefined },
  { ...base, eventId: undefined },
  Object.assign(Object.create(null), base),
  Object.assign(Object.create({ inherited: 1 }), base),
];

test("commonMessageIn builds exactly what zod builds, key order included", () => {
  for (const body of COMMON) {
    const fast = commonMessageIn(body);
    assert.notEqual(fast, undefined, `taken by hand: ${JSON.stringify(body)}`);
    const zod = parseInput(messageIn, body, "body");
    assert.deepStrictEqual(fast, zod, JSON.stringify(body));
    assert.deepEqual(Object.keys(fast ?? {}), Object.keys(zod), JSON.stringify(body));
    assert.equal(
      fast?.payload,
      (body as { payload: unknown }).payload,
      "the payload is passed through as parsed",
    );
  }
});

test("commonMessageIn leaves refused and rarer bodies to zod", () => {
  for (const body of DEFERRED) {
    assert.equal(commonMessageIn(body), undefined, JSON.stringify(body));
  }
});

test("parseMessageIn answers as parseInput(messageIn) does: same value or same error details", () => {
  for (const body of [...COMMON, ...DEFERRED]) {
    assert.deepStrictEqual(viaParseMessageIn(body), viaZod(body), JSON.stringify(body));
  }
});

test("arrays are copies, as zod makes them", () => {
  const body = { ...base, channels: ["a"], tags: ["t"] };
  const parsed = parseMessageIn(body);
  assert.notEqual(parsed.channels, body.channels);
  assert.notEqual(parsed.tags, body.tags);
});

test("random bodies: parseMessageIn never disagrees with zod", () => {
  const pick = <T>(items: readonly T[], r: number): T => items[Math.floor(r * items.length)] as T;
  const values = [
    undefined,
    null,
    0,
    1,
    90,
    91,
    2160,
    2161,
    1.5,
    -1,
    "",
    "a",
    "a.b",
    "a b",
    "t/#",
    id(128),
    id(129),
    id(256),
    id(257),
    [],
    ["a"],
    ["a", "b", "c", "d", "e", "f"],
    [""],
    [1],
    {},
    { x: 1 },
    { name: "n" },
    true,
    "2030-01-01T00:00:00Z",
  ];
  const keys = [
    "eventType",
    "payload",
    "eventId",
    "channels",
    "tags",
    "payloadRetentionPeriod",
    "payloadRetentionHours",
    "application",
    "deliverAt",
    "other",
  ];
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 5_000; i++) {
    const body: Record<string, unknown> = { eventType: "e", payload: {} };
    const changes = 1 + Math.floor(random() * 3);
    for (let j = 0; j < changes; j++) {
      const key = pick(keys, random());
      const value = pick(values, random());
      if (value === undefined && random() < 0.5) delete body[key];
      else body[key] = value;
    }
    const json = JSON.parse(JSON.stringify(body)) as unknown;
    assert.deepStrictEqual(viaParseMessageIn(json), viaZod(json), JSON.stringify(json));
    const fast = commonMessageIn(json);
    if (fast !== undefined)
      assert.deepEqual(Object.keys(fast), Object.keys(parseInput(messageIn, json, "body")));
  }
});
