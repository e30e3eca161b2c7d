import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  applyMapping,
  type PayloadMapping,
  parsePath,
  readPath,
  validateMapping,
} from "../../src/webhook/payload-mapping.ts";

const payload = {
  id: "evt_1",
  type: "user.created",
  user: { email: "a@example.com", name: "Ada", tags: ["x", "y"], empty: null },
  data: { messages: [{ text: "hello" }, { text: "bye" }] },
  items: [{ id: 10 }, { id: 11 }],
  "first name": "Ada",
};

describe("readPath", () => {
  const cases: Array<{ path: string; expect: unknown }> = [
    { path: "id", expect: "evt_1" },
    { path: "user.email", expect: "a@example.com" },
    { path: "$.user.email", expect: "a@example.com" },
    { path: "data.messages[0].text", expect: "hello" },
    { path: "data.messages.1.text", expect: "bye" },
    { path: "items.1.id", expect: 11 },
    { path: "items[1].id", expect: 11 },
    { path: "user.tags[1]", expect: "y" },
    { path: "user.tags", expect: ["x", "y"] },
    { path: "user.empty", expect: null },
    { path: "first name", expect: "Ada" },
    // missing
    { path: "user.phone", expect: undefined },
    { path: "items[5].id", expect: undefined },
    { path: "items.-1", expect: undefined },
    { path: "items.01", expect: undefined },
    { path: "items.length", expect: undefined },
    { path: "user.email.length", expect: undefined },
    { path: "user.empty.x", expect: undefined },
    { path: "id.0", expect: undefined },
    // inherited members are never found; invalid syntax reads as missing
    { path: "user.toString", expect: undefined },
    { path: "user.hasOwnProperty", expect: undefined },
    { path: "user.__proto__", expect: undefined },
    { path: "user.constructor", expect: undefined },
    { path: "user..email", expect: undefined },
    { path: "", expect: undefined },
  ];
  for (const { path, expect } of cases) {
    test(`${JSON.stringify(path)} → ${JSON.stringify(expect)}`, () => {
      assert.deepEqual(readPath(payload, path), expect);
    });
  }

  test("an array root takes a leading index", () => {
    assert.equal(readPath([{ a: 1 }, { a: 2 }], "[1].a"), 2);
  });
  test("an object with a numeric key is read by index syntax too", () => {
    assert.equal(readPath({ m: { "0": "zero" } }, "m[0]"), "zero");
  });
});

describe("parsePath", () => {
  const valid: Array<[string, string[]]> = [
    ["a", ["a"]],
    ["$.a.b", ["a", "b"]],
    ["a[0][1].b", ["a", "0", "1", "b"]],
    ["a.0.b", ["a", "0", "b"]],
    ["[0].a", ["0", "a"]],
    ["with space.x-y", ["with space", "x-y"]],
  ];
  for (const [path, segments] of valid) {
    test(`valid ${JSON.stringify(path)}`, () => assert.deepEqual(parsePath(path), segments));
  }
  const invalid = [
    "",
    "$.",
    "$",
    "$[0]",
    ".a",
    "a.",
    "a..b",
    "a.[0]",
    "a[",
    "a]",
    "a[x]",
    "a[-1]",
    "a[01]",
    "a[0]b",
    "__proto__",
    "a.__proto__.b",
    "a.constructor",
    "prototype",
    "a[0].prototype",
    "x".repeat(1025),
    Array.from({ length: 65 }, () => "a").join("."),
  ];
  for (const path of invalid) {
    test(`invalid ${JSON.stringify(path.slice(0, 40))}`, () => assert.equal(parsePath(path), null));
  }
});

describe("applyMapping", () => {
  const cases: Array<{ name: string; mapping: PayloadMapping; expect: Record<string, unknown> }> = [
    {
      name: "renames, nests and static values in list order",
      mapping: {
        fields: [
          { to: "text", from: "data.messages[0].text" },
          { to: "source", value: "outbound" },
          { to: "email", from: "$.user.email" },
          { to: "second_id", from: "items.1.id" },
        ],
      },
      expect: { text: "hello", source: "outbound", email: "a@example.com", second_id: 11 },
    },
    {
      name: "missing from paths are omitted, null is kept",
      mapping: {
        fields: [
          { to: "phone", from: "user.phone" },
          { to: "empty", from: "user.empty" },
          { to: "third", from: "items[2].id" },
        ],
      },
      expect: { empty: null },
    },
    {
      name: "to is a flat key: dots are not nested",
      mapping: { fields: [{ to: "user.mail", from: "user.email" }] },
      expect: { "user.mail": "a@example.com" },
    },
    {
      name: "static literals of every JSON type",
      mapping: {
        fields: [
          { to: "n", value: 0 },
          { to: "f", value: false },
          { to: "z", value: null },
          { to: "o", value: { a: [1, { b: 2 }] } },
          { to: "arr", value: [] },
        ],
      },
      expect: { n: 0, f: false, z: null, o: { a: [1, { b: 2 }] }, arr: [] },
    },
    {
      name: "objects and arrays are copied whole",
      mapping: { fields: [{ to: "messages", from: "data.messages" }] },
      expect: { messages: [{ text: "hello" }, { text: "bye" }] },
    },
    {
      name: 'include "all" appends the rest, skipping renamed sources and mapped keys',
      mapping: {
        include: "all",
        fields: [
          { to: "event", from: "type" },
          { to: "email", from: "user.email" },
          { to: "id", value: "fixed" },
        ],
      },
      expect: {
        event: "user.created",
        email: "a@example.com",
        id: "fixed",
        data: { messages: [{ text: "hello" }, { text: "bye" }] },
        items: [{ id: 10 }, { id: 11 }],
        "first name": "Ada",
      },
    },
    {
      name: 'include "all": a mapped key whose source is missing still never carries the payload\'s key',
      mapping: { include: "all", fields: [{ to: "id", from: "nope.id" }] },
      expect: {
        type: "user.created",
        user: payload.user,
        data: payload.data,
        items: payload.items,
        "first name": "Ada",
      },
    },
    {
      name: 'include "mapped-only" is the default',
      mapping: { include: "mapped-only", fields: [{ to: "id", from: "id" }] },
      expect: { id: "evt_1" },
    },
  ];
  for (const { name, mapping, expect } of cases) {
    test(name, () => {
      const out = applyMapping(payload, mapping);
      assert.deepEqual(out, expect);
      // Order is part of the contract ("drag to reorder").
      assert.deepEqual(Object.keys(out), Object.keys(expect));
    });
  }

  test("static values are cloned, so a delivery cannot change the stored mapping", () => {
    const mapping: PayloadMapping = { fields: [{ to: "meta", value: { tags: ["a"] } }] };
    const out = applyMapping({}, mapping) as { meta: { tags: string[] } };
    out.meta.tags.push("b");
    assert.deepEqual(mapping.fields[0]?.value, { tags: ["a"] });
  });

  test("a __proto__ key from JSON.parse is copied as data, never as a prototype", () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const out = applyMapping(hostile, { include: "all", fields: [{ to: "b", from: "a" }] });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((out as { polluted?: unknown }).polluted, undefined);
    assert.equal(JSON.stringify(out), '{"b":1,"__proto__":{"polluted":true}}');
  });

  test("the output is a plain object that serialises in field order", () => {
    const out = applyMapping(payload, {
      fields: [
        { to: "b", value: 1 },
        { to: "a", value: 2 },
      ],
    });
    assert.equal(JSON.stringify(out), '{"b":1,"a":2}');
  });
});

describe("validateMapping", () => {
  const ok: unknown[] = [
    { fields: [{ to: "a", from: "x" }] },
    { fields: [{ to: "a", value: null }], include: "all" },
    { fields: [{ to: "a", value: { nested: [1, "two", true, null] } }], include: "mapped-only" },
    { fields: Array.from({ length: 200 }, (_, i) => ({ to: `k${i}`, from: `a.b[${i}]` })) },
    { fields: [{ to: "x".repeat(256), from: "$.a" }] },
  ];
  ok.forEach((mapping, i) => {
    test(`valid #${i}`, () => assert.deepEqual(validateMapping(mapping), []));
  });

  const bad: Array<{ name: string; mapping: unknown; paths: string[][] }> = [
    { name: "not an object", mapping: [], paths: [[]] },
    { name: "null", mapping: null, paths: [[]] },
    { name: "fields missing", mapping: {}, paths: [["fields"]] },
    { name: "fields empty", mapping: { fields: [] }, paths: [["fields"]] },
    {
      name: "too many fields",
      mapping: { fields: Array.from({ length: 201 }, (_, i) => ({ to: `k${i}`, value: 1 })) },
      paths: [["fields"]],
    },
    { name: "field not an object", mapping: { fields: ["a"] }, paths: [["fields", "0"]] },
    { name: "to missing", mapping: { fields: [{ from: "a" }] }, paths: [["fields", "0", "to"]] },
    { name: "to empty", mapping: { fields: [{ to: "", from: "a" }] }, paths: [["fields", "0", "to"]] },
    {
      name: "to too long",
      mapping: { fields: [{ to: "x".repeat(257), from: "a" }] },
      paths: [["fields", "0", "to"]],
    },
    { name: "to not a string", mapping: { fields: [{ to: 1, from: "a" }] }, paths: [["fields", "0", "to"]] },
    {
      name: "duplicate to is reported at the later field",
      mapping: {
        fields: [
          { to: "a", from: "x" },
          { to: "b", from: "y" },
          { to: "a", value: 1 },
        ],
      },
      paths: [["fields", "2", "to"]],
    },
    { name: "neither from nor value", mapping: { fields: [{ to: "a" }] }, paths: [["fields", "0"]] },
    {
      name: "both from and value",
      mapping: { fields: [{ to: "a", from: "x", value: 1 }] },
      paths: [["fields", "0"]],
    },
    {
      name: "bad from syntax",
      mapping: {
        fields: [
          { to: "a", from: "x" },
          { to: "b", from: "y" },
          { to: "c", from: "data..x" },
        ],
      },
      paths: [["fields", "2", "from"]],
    },
    {
      name: "from not a string",
      mapping: { fields: [{ to: "a", from: 3 }] },
      paths: [["fields", "0", "from"]],
    },
    {
      name: "bad include",
      mapping: { fields: [{ to: "a", from: "x" }], include: "some" },
      paths: [["include"]],
    },
    {
      name: "unknown properties",
      mapping: { fields: [{ to: "a", form: "x", value: 1 }], extra: true },
      paths: [["extra"], ["fields", "0", "form"]],
    },
    {
      name: "__proto__ as to",
      mapping: { fields: [{ to: "__proto__", value: 1 }] },
      paths: [["fields", "0", "to"]],
    },
    {
      name: "constructor as to",
      mapping: { fields: [{ to: "constructor", value: 1 }] },
      paths: [["fields", "0", "to"]],
    },
    {
      name: "prototype as to",
      mapping: { fields: [{ to: "prototype", value: 1 }] },
      paths: [["fields", "0", "to"]],
    },
    {
      name: "__proto__ path segment",
      mapping: { fields: [{ to: "a", from: "user.__proto__.x" }] },
      paths: [["fields", "0", "from"]],
    },
    {
      name: "constructor path segment",
      mapping: { fields: [{ to: "a", from: "constructor.name" }] },
      paths: [["fields", "0", "from"]],
    },
    {
      name: "__proto__ key inside a static value",
      mapping: { fields: [{ to: "a", value: JSON.parse('{"__proto__": {"x": 1}}') }] },
      paths: [["fields", "0", "value"]],
    },
    {
      name: "non-JSON static values",
      mapping: {
        fields: [
          { to: "a", value: Number.NaN },
          { to: "b", value: () => 1 },
          { to: "c", value: [Number.POSITIVE_INFINITY] },
        ],
      },
      paths: [
        ["fields", "0", "value"],
        ["fields", "1", "value"],
        ["fields", "2", "value"],
      ],
    },
  ];
  for (const { name, mapping, paths } of bad) {
    test(`invalid: ${name}`, () => {
      const issues = validateMapping(mapping);
      assert.deepEqual(
        issues.map((issue) => issue.path),
        paths,
      );
      for (const issue of issues) assert.ok(issue.message.length > 0);
    });
  }

  test("after validation the mapping is accepted by applyMapping unchanged", () => {
    const mapping: unknown = JSON.parse('{"fields":[{"to":"mail","from":"user.email"}],"include":"all"}');
    assert.deepEqual(validateMapping(mapping), []);
    const out = applyMapping({ user: { email: "e" }, other: 1 }, mapping as PayloadMapping);
    assert.deepEqual(out, { mail: "e", other: 1 });
  });
});
