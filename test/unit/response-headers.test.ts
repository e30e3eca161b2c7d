import assert from "node:assert/strict";
import { test } from "node:test";
import {
  keepResponseHeaderRecord,
  keepResponseHeaders,
  RESPONSE_HEADERS_MAX_BYTES,
  RESPONSE_HEADERS_MAX_COUNT,
  redactCookie,
} from "../../src/delivery/response-headers.ts";

/** Both forms, which must agree: entries (as `outbound listen` reports them) and undici's headers object. */
const keep = (headers: Record<string, string | string[] | undefined>) => {
  const kept = keepResponseHeaders(Object.entries(headers));
  assert.deepEqual(keepResponseHeaderRecord(headers), kept, "the record gives what its entries give");
  return kept;
};
const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-h${i}`, "v"]));

test("keepResponseHeaders: pairs in order, bounded, Set-Cookie values redacted", () => {
  const cases: Array<[string, Record<string, string | string[] | undefined>, Array<[string, string]>]> = [
    ["nothing", {}, []],
    ["names lower-cased", { "X-Receiver": "test" }, [["x-receiver", "test"]]],
    ["undefined skipped", { a: undefined, b: "1" }, [["b", "1"]]],
    [
      "a repeated header gives one pair per value",
      { vary: ["accept", "origin"], "content-type": "text/plain" },
      [
        ["vary", "accept"],
        ["vary", "origin"],
        ["content-type", "text/plain"],
      ],
    ],
    [
      "set-cookie keeps name and attributes",
      { "set-cookie": ["sid=abc123; Path=/; HttpOnly", "theme=dark"] },
      [
        ["set-cookie", "sid=(redacted); Path=/; HttpOnly"],
        ["set-cookie", "theme=(redacted)"],
      ],
    ],
    ["an empty value is kept", { "x-empty": "" }, [["x-empty", ""]]],
  ];
  for (const [name, input, expected] of cases) {
    assert.deepEqual(keep(input), expected, name);
  }
  // The pairs `outbound listen` reports: a repeated name may come as separate pairs.
  assert.deepEqual(
    keepResponseHeaders([
      ["Vary", "accept"],
      ["vary", "origin"],
    ]),
    [
      ["vary", "accept"],
      ["vary", "origin"],
    ],
  );
});

test("keepResponseHeaders: at most 64 headers", () => {
  assert.equal(RESPONSE_HEADERS_MAX_COUNT, 64);
  assert.equal(keep(many(64)).length, 64);
  const kept = keep(many(65));
  assert.equal(kept.length, 64);
  assert.deepEqual(kept.at(-1), ["x-h63", "v"], "the first ones are kept");
});

test("keepResponseHeaders: at most 8 KiB of names and values; the first header past it and all after are left out", () => {
  assert.equal(RESPONSE_HEADERS_MAX_BYTES, 8192);
  const fits = "a".repeat(RESPONSE_HEADERS_MAX_BYTES - 2); // with the 2-byte name "xa": exactly the bound
  assert.deepEqual(keep({ xa: fits }), [["xa", fits]], "exactly at the bound");
  assert.deepEqual(keep({ xa: `${fits}b` }), [], "one byte over");
  assert.deepEqual(
    keep({ first: "1", big: "b".repeat(RESPONSE_HEADERS_MAX_BYTES), small: "2" }),
    [["first", "1"]],
    "nothing after the one that did not fit",
  );
  // Bytes, not characters: "é" is two bytes in UTF-8.
  assert.deepEqual(keep({ xa: "é".repeat(RESPONSE_HEADERS_MAX_BYTES / 2) }), []);
});

test("redactCookie", () => {
  const cases: Array<[string, string]> = [
    ["sid=abc", "sid=(redacted)"],
    ["sid=abc; Secure", "sid=(redacted); Secure"],
    [" sid =a=b;Path=/", "sid=(redacted);Path=/"],
    ["novalue", "=(redacted)"],
    ["", "=(redacted)"],
  ];
  for (const [input, expected] of cases) assert.equal(redactCookie(input), expected, input);
});
