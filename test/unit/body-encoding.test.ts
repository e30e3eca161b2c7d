import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { appendQuery, encodeForm, toFormPairs } from "../../src/delivery/body-encoding.ts";

const SEED = {
  referrer_id: 261470,
  referrer_code: "zgLAYb",
  referrer_first_name: "Jessica",
  referrer_email: "support+jessica@referral-factory.com",
  id: 261471,
  code: "zruTPh",
  first_name: "Byron",
  email: "support+byron@referral-factory.com",
  url: "https://webhooks.referral-factory.com/zruTPh/join",
  source: "Referred",
  date: "2022-06-09",
  referrals_count: 0,
  campaign_id: 4815,
};

const SEED_BODY =
  "referrer_id=261470&referrer_code=zgLAYb&referrer_first_name=Jessica&referrer_email=support%2Bjessica%40referral-factory.com&id=261471&code=zruTPh&first_name=Byron&email=support%2Bbyron%40referral-factory.com&url=https%3A%2F%2Fwebhooks.referral-factory.com%2FzruTPh%2Fjoin&source=Referred&date=2022-06-09&referrals_count=0&campaign_id=4815";

test("seed example: a flat object encodes to the exact form body", () => {
  assert.equal(encodeForm(SEED), SEED_BODY);
});

describe("toFormPairs", () => {
  const cases: Array<{ name: string; value: Record<string, unknown>; expect: Array<[string, string]> }> = [
    {
      name: "strings",
      value: { a: "x", b: "" },
      expect: [
        ["a", "x"],
        ["b", ""],
      ],
    },
    {
      name: "numbers",
      value: { n: 1.5, z: 0, neg: -3, big: 1e21 },
      expect: [
        ["n", "1.5"],
        ["z", "0"],
        ["neg", "-3"],
        ["big", "1e+21"],
      ],
    },
    {
      name: "booleans",
      value: { t: true, f: false },
      expect: [
        ["t", "true"],
        ["f", "false"],
      ],
    },
    {
      name: "null is an empty value",
      value: { a: null, b: 1 },
      expect: [
        ["a", ""],
        ["b", "1"],
      ],
    },
    { name: "undefined is skipped", value: { a: undefined, b: 1 }, expect: [["b", "1"]] },
    {
      name: "nested objects",
      value: { participant: { id: 7, address: { city: "Lisbon", zip: null } } },
      expect: [
        ["participant[id]", "7"],
        ["participant[address][city]", "Lisbon"],
        ["participant[address][zip]", ""],
      ],
    },
    {
      name: "arrays are indexed",
      value: { tags: ["a", "b"] },
      expect: [
        ["tags[0]", "a"],
        ["tags[1]", "b"],
      ],
    },
    {
      name: "arrays of objects and nested arrays",
      value: { items: [{ id: 1, q: [true] }, { id: 2 }] },
      expect: [
        ["items[0][id]", "1"],
        ["items[0][q][0]", "true"],
        ["items[1][id]", "2"],
      ],
    },
    {
      name: "empty objects and arrays are omitted",
      value: { a: {}, b: [], c: { d: {} }, e: 1 },
      expect: [["e", "1"]],
    },
    {
      name: "key order is preserved",
      value: { z: 1, a: { y: 2, b: 3 }, m: 4 },
      expect: [
        ["z", "1"],
        ["a[y]", "2"],
        ["a[b]", "3"],
        ["m", "4"],
      ],
    },
    { name: "empty object", value: {}, expect: [] },
  ];
  for (const { name, value, expect } of cases) {
    test(name, () => assert.deepEqual(toFormPairs(value), expect));
  }
});

describe("encodeForm", () => {
  const cases: Array<{ name: string; value: Record<string, unknown>; expect: string }> = [
    { name: "space is +, plus is %2B", value: { q: "a b+c" }, expect: "q=a+b%2Bc" },
    { name: "@ / : are encoded", value: { e: "x@y/z:w" }, expect: "e=x%40y%2Fz%3Aw" },
    { name: "& = ? # % are encoded", value: { s: "a&b=c?d#e%f" }, expect: "s=a%26b%3Dc%3Fd%23e%25f" },
    {
      name: "brackets in keys are encoded",
      value: { p: { id: 1 }, t: ["x"] },
      expect: "p%5Bid%5D=1&t%5B0%5D=x",
    },
    { name: "unicode is UTF-8 percent-encoded", value: { name: "Zoë ✓" }, expect: "name=Zo%C3%AB+%E2%9C%93" },
    { name: "unreserved characters stay", value: { k: "aZ09-._*" }, expect: "k=aZ09-._*" },
    { name: "null gives key=", value: { a: null }, expect: "a=" },
    { name: "nothing to send", value: { a: {} }, expect: "" },
  ];
  for (const { name, value, expect } of cases) {
    test(name, () => assert.equal(encodeForm(value), expect));
  }

  const roundTrips: Array<[string, Record<string, unknown>]> = [
    ["seed", SEED],
    [
      "awkward text and nesting",
      {
        "key with space": "v a+l&u=e",
        "k[x]": "brackets in a key",
        emoji: "🚀 ünïcødé",
        nested: { deep: { list: [1, null, false, { x: "y\nz" }] } },
        "": "empty key",
      },
    ],
  ];
  for (const [name, value] of roundTrips) {
    test(`URLSearchParams round-trips the pairs: ${name}`, () => {
      assert.deepEqual([...new URLSearchParams(encodeForm(value))], toFormPairs(value));
    });
  }
});

describe("appendQuery", () => {
  const value = { a: 1, b: "x y" };
  const cases: Array<[string, string]> = [
    ["https://example.com/hook", "https://example.com/hook?a=1&b=x+y"],
    ["https://example.com/hook?token=abc", "https://example.com/hook?token=abc&a=1&b=x+y"],
    ["https://example.com/hook?", "https://example.com/hook?a=1&b=x+y"],
    ["https://example.com/hook?token=abc&", "https://example.com/hook?token=abc&a=1&b=x+y"],
    ["https://example.com/hook#frag", "https://example.com/hook?a=1&b=x+y#frag"],
    ["https://example.com/hook?t=1#frag?x", "https://example.com/hook?t=1&a=1&b=x+y#frag?x"],
    // Existing parameters are kept byte for byte, not re-encoded.
    ["https://example.com/h?sig=a%2Fb+c&flag", "https://example.com/h?sig=a%2Fb+c&flag&a=1&b=x+y"],
  ];
  for (const [url, expect] of cases) {
    test(url, () => assert.equal(appendQuery(url, value), expect));
  }

  test("nothing to add leaves the URL unchanged", () => {
    assert.equal(appendQuery("https://example.com/hook?x=1", {}), "https://example.com/hook?x=1");
    assert.equal(appendQuery("https://example.com/hook", { empty: [] }), "https://example.com/hook");
  });

  test("the seed payload as a GET query parses back to the same pairs", () => {
    const url = new URL(appendQuery("https://example.com/hook?keep=1", SEED));
    assert.equal(url.search, `?keep=1&${SEED_BODY}`);
    assert.deepEqual([...url.searchParams].slice(1), toFormPairs(SEED));
  });
});
