import assert from "node:assert/strict";
import { test } from "node:test";
import {
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  MalformedJsonError,
  openersAtMost,
  parseJsonBody,
} from "../../src/api/json-body.ts";
import { ValidationError } from "../../src/domain/errors.ts";

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

test("depth counting", () => {
  assert.equal(jsonDepthExceeds(1, 1), false);
  assert.equal(jsonDepthExceeds({ a: { b: [1] } }, 3), false);
  assert.equal(jsonDepthExceeds({ a: { b: [1] } }, 2), true);
  assert.equal(jsonDepthExceeds(JSON.parse(nested(100_000)), MAX_JSON_DEPTH), true);
});

test("parseJsonBody: ok, malformed (400) and too deep (422)", () => {
  assert.deepEqual(parseJsonBody('{"a":[1,{"b":null}]}'), { a: [1, { b: null }] });
  assert.equal(parseJsonBody(""), undefined);
  assert.throws(() => parseJsonBody("{nope"), MalformedJsonError);
  assert.doesNotThrow(() => parseJsonBody(nested(MAX_JSON_DEPTH)));
  assert.throws(() => parseJsonBody(nested(MAX_JSON_DEPTH + 1)), ValidationError);
});

test("openersAtMost: a cheap bound that never hides a too-deep value", () => {
  assert.equal(openersAtMost('{"a":[1,{"b":null}]}', 3), true);
  assert.equal(openersAtMost('{"a":[1,{"b":null}]}', 2), false);
  // Brackets inside strings count too: the bound may send a shallow value to the full walk, never the reverse.
  assert.equal(openersAtMost('{"s":"[[[["}', 2), false);
  assert.doesNotThrow(() => parseJsonBody(`{"s":"${"[".repeat(MAX_JSON_DEPTH * 2)}"}`));
  assert.equal(openersAtMost(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH), true);
  assert.equal(openersAtMost(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), false);
});
