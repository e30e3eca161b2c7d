import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ContentFilter, matchesFilter, validateFilter } from "../../src/webhook/content-filter.ts";

test("seed example: source $in [Referred, Direct]", () => {
  const filter = { source: { $in: ["Referred", "Direct"] } };
  assert.deepEqual(validateFilter(filter), []);
  assert.equal(matchesFilter({ source: "Referred" }, filter), true);
  assert.equal(matchesFilter({ source: "Direct" }, filter), true);
  assert.equal(matchesFilter({ source: "Added" }, filter), false);
  assert.equal(matchesFilter({}, filter), false);
});

const payload = {
  source: "Referred",
  amount: 150,
  zero: 0,
  nothing: null,
  paid: true,
  date: "2022-06-09",
  tags: ["vip", "new"],
  pair: [1, 2],
  user: { email: "a@example.com", address: { city: "Lisbon" } },
  items: [{ id: 10 }, { id: 11 }],
};

describe("matchesFilter", () => {
  const cases: Array<{ name: string; filter: ContentFilter; expect: boolean }> = [
    { name: "empty filter matches everything", filter: {}, expect: true },
    // implicit $eq
    { name: "literal string", filter: { source: "Referred" }, expect: true },
    { name: "literal string mismatch", filter: { source: "Direct" }, expect: false },
    { name: "literal number", filter: { amount: 150 }, expect: true },
    { name: "no type coercion", filter: { amount: "150" }, expect: false },
    { name: "literal null matches null", filter: { nothing: null }, expect: true },
    { name: "literal null does not match a missing path", filter: { missing: null }, expect: false },
    {
      name: "literal object, deep and key-order-free",
      filter: { user: { address: { city: "Lisbon" }, email: "a@example.com" } },
      expect: true,
    },
    { name: "literal object needs all keys", filter: { user: { email: "a@example.com" } }, expect: false },
    { name: "nested path", filter: { "user.address.city": "Lisbon" }, expect: true },
    { name: "$. prefix and indexes", filter: { "$.items[1].id": 11, "items.0.id": 10 }, expect: true },
    { name: "array element match", filter: { tags: "vip" }, expect: true },
    { name: "array element mismatch", filter: { tags: "old" }, expect: false },
    { name: "whole array equality", filter: { tags: ["vip", "new"] }, expect: true },
    { name: "whole array order matters", filter: { tags: ["new", "vip"] }, expect: false },
    // $eq / $ne
    { name: "$eq", filter: { paid: { $eq: true } }, expect: true },
    { name: "$eq array element", filter: { pair: { $eq: 2 } }, expect: true },
    { name: "$ne different", filter: { source: { $ne: "Direct" } }, expect: true },
    { name: "$ne same", filter: { source: { $ne: "Referred" } }, expect: false },
    { name: "$ne matches a missing path", filter: { missing: { $ne: "x" } }, expect: true },
    { name: "$ne null matches a missing path", filter: { missing: { $ne: null } }, expect: true },
    { name: "$ne on an array excludes any element", filter: { tags: { $ne: "vip" } }, expect: false },
    // $in / $nin
    { name: "$in hit", filter: { amount: { $in: [1, 150] } }, expect: true },
    { name: "$in miss", filter: { amount: { $in: [1, 2] } }, expect: false },
    { name: "$in empty array", filter: { amount: { $in: [] } }, expect: false },
    { name: "$in missing path", filter: { missing: { $in: ["x"] } }, expect: false },
    { name: "$in with array value: any element", filter: { tags: { $in: ["new", "x"] } }, expect: true },
    { name: "$in with array candidate: whole array", filter: { pair: { $in: [[1, 2]] } }, expect: true },
    { name: "$nin miss", filter: { source: { $nin: ["Added", "Direct"] } }, expect: true },
    { name: "$nin hit", filter: { source: { $nin: ["Referred"] } }, expect: false },
    { name: "$nin matches a missing path", filter: { missing: { $nin: ["x"] } }, expect: true },
    { name: "$nin with array value", filter: { tags: { $nin: ["vip"] } }, expect: false },
    // comparisons
    { name: "$gt number", filter: { amount: { $gt: 100 } }, expect: true },
    { name: "$gt equal", filter: { amount: { $gt: 150 } }, expect: false },
    { name: "$gte equal", filter: { amount: { $gte: 150 } }, expect: true },
    { name: "$lt", filter: { amount: { $lt: 150 } }, expect: false },
    { name: "$lte", filter: { amount: { $lte: 150 } }, expect: true },
    { name: "range", filter: { amount: { $gte: 100, $lt: 200 } }, expect: true },
    { name: "range excluded", filter: { amount: { $gte: 100, $lt: 120 } }, expect: false },
    { name: "zero compares as a number", filter: { zero: { $lt: 1 } }, expect: true },
    {
      name: "ISO dates compare as strings",
      filter: { date: { $gte: "2022-01-01", $lt: "2023-01-01" } },
      expect: true,
    },
    { name: "ISO date after", filter: { date: { $gt: "2022-06-10" } }, expect: false },
    { name: "number vs string is false", filter: { amount: { $gt: "100" } }, expect: false },
    { name: "string vs number is false", filter: { date: { $lt: 5 } }, expect: false },
    { name: "null vs number is false", filter: { nothing: { $lt: 1 } }, expect: false },
    { name: "missing vs number is false", filter: { missing: { $lt: 1 } }, expect: false },
    { name: "arrays are not compared element-wise", filter: { pair: { $gt: 0 } }, expect: false },
    // $exists
    { name: "$exists true", filter: { "user.email": { $exists: true } }, expect: true },
    { name: "$exists true on null", filter: { nothing: { $exists: true } }, expect: true },
    { name: "$exists false on missing", filter: { "user.phone": { $exists: false } }, expect: true },
    { name: "$exists false on present", filter: { source: { $exists: false } }, expect: false },
    { name: "inherited members do not exist", filter: { "user.toString": { $exists: true } }, expect: false },
    // logic
    { name: "several keys are AND (pass)", filter: { source: "Referred", paid: true }, expect: true },
    { name: "several keys are AND (fail)", filter: { source: "Referred", paid: false }, expect: false },
    { name: "$and", filter: { $and: [{ source: "Referred" }, { amount: { $gt: 100 } }] }, expect: true },
    {
      name: "$and fail",
      filter: { $and: [{ source: "Referred" }, { amount: { $gt: 200 } }] },
      expect: false,
    },
    { name: "$or", filter: { $or: [{ source: "Direct" }, { amount: { $gt: 100 } }] }, expect: true },
    { name: "$or fail", filter: { $or: [{ source: "Direct" }, { amount: { $gt: 200 } }] }, expect: false },
    {
      name: "nested $or inside $and with a sibling path",
      filter: { paid: true, $and: [{ $or: [{ tags: "vip" }, { amount: { $gte: 1000 } }] }] },
      expect: true,
    },
    // invalid filters fail closed
    { name: "unknown operator never matches", filter: { source: { $regex: "Ref" } }, expect: false },
    { name: "unknown top-level operator never matches", filter: { $nor: [{ source: "x" }] }, expect: false },
    { name: "$in with a non-array never matches", filter: { source: { $in: "Referred" } }, expect: false },
    { name: "$nin with a non-array never matches", filter: { source: { $nin: "x" } }, expect: false },
    { name: "$exists non-boolean never matches", filter: { source: { $exists: 1 } }, expect: false },
    { name: "invalid path never matches", filter: { "a..b": { $exists: false } }, expect: false },
    { name: "prototype path never matches", filter: { "__proto__.x": { $exists: false } }, expect: false },
    { name: "$and not an array never matches", filter: { $and: { source: "Referred" } }, expect: false },
  ];
  for (const { name, filter, expect } of cases) {
    test(name, () => assert.equal(matchesFilter(payload, filter), expect));
  }

  test("a non-object payload only matches $exists:false / $ne conditions", () => {
    assert.equal(matchesFilter("text", { a: { $exists: false } }), true);
    assert.equal(matchesFilter(null, { a: 1 }), false);
  });
});

function nested(levels: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { a: 1 };
  for (let i = 0; i < levels; i++) filter = { $and: [filter] };
  return filter;
}

describe("validateFilter", () => {
  const ok: Array<[string, unknown]> = [
    ["empty", {}],
    ["literals of every JSON type", { a: 1, b: "x", c: null, d: true, e: [1], f: { g: [] } }],
    [
      "all operators",
      { a: { $eq: 1, $ne: 2, $in: [1], $nin: [], $gt: 0, $gte: 0, $lt: "z", $lte: "z", $exists: true } },
    ],
    ["paths", { "$.a.b[0].c": 1, "items.1.id": 2 }],
    ["logic", { $or: [{ a: 1 }, { $and: [{ b: 2 }, { c: { $exists: false } }] }] }],
    ["10 levels of nesting", nested(10)],
    ["100 conditions", Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]))],
  ];
  for (const [name, filter] of ok) {
    test(`valid: ${name}`, () => assert.deepEqual(validateFilter(filter), []));
  }

  const bad: Array<{ name: string; filter: unknown; paths: string[][] }> = [
    { name: "not an object", filter: [], paths: [[]] },
    { name: "null", filter: null, paths: [[]] },
    { name: "unknown operator", filter: { source: { $regex: "^Ref" } }, paths: [["source", "$regex"]] },
    {
      name: "unknown operator beside a known one",
      filter: { a: { $gt: 1, $where: "x" } },
      paths: [["a", "$where"]],
    },
    { name: "unknown top-level operator", filter: { $nor: [{ a: 1 }] }, paths: [["$nor"]] },
    { name: "mixed operator and literal keys", filter: { a: { $eq: 1, b: 2 } }, paths: [["a", "b"]] },
    { name: "$in with a non-array", filter: { a: { $in: "x" } }, paths: [["a", "$in"]] },
    { name: "$nin with a non-array", filter: { a: { $nin: 1 } }, paths: [["a", "$nin"]] },
    { name: "$exists with a non-boolean", filter: { a: { $exists: 1 } }, paths: [["a", "$exists"]] },
    { name: "$gt with an object", filter: { a: { $gt: {} } }, paths: [["a", "$gt"]] },
    { name: "$lte with null", filter: { a: { $lte: null } }, paths: [["a", "$lte"]] },
    { name: "$and not an array", filter: { $and: { a: 1 } }, paths: [["$and"]] },
    { name: "$or empty", filter: { $or: [] }, paths: [["$or"]] },
    { name: "$or with an empty filter", filter: { $or: [{ a: 1 }, {}] }, paths: [["$or", "1"]] },
    { name: "$and with a non-object", filter: { $and: [{ a: 1 }, "b"] }, paths: [["$and", "1"]] },
    {
      name: "issue deep inside logic",
      filter: { $or: [{ a: 1 }, { $and: [{ b: { $in: 3 } }] }] },
      paths: [["$or", "1", "$and", "0", "b", "$in"]],
    },
    { name: "invalid path syntax", filter: { "a..b": 1, "c[x]": 2 }, paths: [["a..b"], ["c[x]"]] },
    {
      name: "prototype path",
      filter: JSON.parse('{"__proto__": 1, "constructor.name": 2}'),
      paths: [["__proto__"], ["constructor.name"]],
    },
    { name: "non-JSON literal", filter: { a: Number.NaN }, paths: [["a"]] },
    {
      name: "nesting deeper than 10",
      filter: nested(11),
      paths: [[...Array.from({ length: 11 }, () => ["$and", "0"]).flat()]],
    },
    {
      name: "more than 100 conditions",
      filter: { $and: Array.from({ length: 51 }, (_, i) => ({ [`k${i}`]: { $gt: 0, $lt: 9 } })) },
      paths: [[]],
    },
  ];
  for (const { name, filter, paths } of bad) {
    test(`invalid: ${name}`, () => {
      const issues = validateFilter(filter);
      assert.deepEqual(
        issues.map((issue) => issue.path),
        paths,
      );
      for (const issue of issues) assert.ok(issue.message.length > 0);
    });
  }
});
