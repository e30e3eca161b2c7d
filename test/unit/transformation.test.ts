import assert from "node:assert/strict";
import { test } from "node:test";
import { runTransformation, type TransformationInput } from "../../src/delivery/transformation.ts";
import { createTransformationRunner } from "../../src/delivery/transformation-thread.ts";

const input: TransformationInput = {
  method: "POST",
  url: "https://example.com/hook",
  eventType: "order.paid",
  payload: { id: 1 },
  headers: {},
};
const limits = { timeoutMs: 2_000, memoryBytes: 16 * 1024 * 1024 };

const accepted: Array<[string, string, Record<string, unknown>]> = [
  [
    "identity",
    "function handler(w) { return w }",
    { method: "POST", url: input.url, payload: { id: 1 }, cancel: false },
  ],
  [
    "lower-case method, new URL and payload",
    "function handler(w) { w.method = 'put'; w.url = 'https://example.org/x'; w.payload = [w.eventType]; return w }",
    { method: "PUT", url: "https://example.org/x", payload: ["order.paid"], cancel: false },
  ],
  ["cancel", "function handler(w) { w.cancel = true; return w }", { cancel: true }],
  ["headers", "function handler(w) { w.headers = { 'x-a': 'b' }; return w }", { headers: { "x-a": "b" } }],
];

for (const [what, code, expected] of accepted) {
  test(`transformation ${what}`, async () => {
    const result = await runTransformation(code, input, limits);
    assert.ok(result.ok, JSON.stringify(result));
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual((result.webhook as unknown as Record<string, unknown>)[key], value, key);
    }
  });
}

const refused: Array<[string, string, RegExp]> = [
  ["throws", "function handler(w) { throw new Error('nope') }", /threw Error: nope/],
  ["a syntax error", "function handler(w) { return w", /threw SyntaxError/],
  ["no handler", "const x = 1; // no handler here", /must define function handler/],
  ["returns nothing", "function handler(w) { }", /must return the webhook object/],
  ["GET method", "function handler(w) { w.method = 'GET'; return w }", /POST, PUT or PATCH/],
  ["a relative URL", "function handler(w) { w.url = '/x'; return w }", /absolute URL/],
  [
    "a number header",
    "function handler(w) { w.headers = { a: 1 }; return w }",
    /headers must map names to strings/,
  ],
  ["Node's require", "function handler(w) { return require('fs') }", /ReferenceError/],
  ["unbounded recursion", "function handler(w) { return handler(w) }", /stack limit/],
];

for (const [what, code, expected] of refused) {
  test(`transformation that ${what} fails with a clear message`, async () => {
    const result = await runTransformation(code, input, limits);
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.error, expected);
  });
}

test("the time limit is enforced with an injected clock", async () => {
  let clock = 0;
  // Each interrupt check advances the clock: the handler is stopped after the budget, whatever the machine's speed.
  const result = await runTransformation(
    "function handler(w) { while (true) {} }",
    input,
    limits,
    () => (clock += 100),
  );
  assert.deepEqual(result, { ok: false, error: "transformation exceeded its time limit (2000 ms)" });
});

test("the sandbox thread runs handlers in turn; one that waited past the queue limit fails instead", async () => {
  let clock = 0;
  const runner = createTransformationRunner({ timeoutMs: 2_000, memoryBytes: 16 * 1024 * 1024 }, () => clock);
  try {
    const first = runner.run("function handler(w) { w.payload = 'first'; return w }", input);
    const second = runner.run("function handler(w) { return w }", input);
    clock = 60_000; // the second job has now waited a minute when the thread becomes free
    const done = await first;
    assert.equal(done.ok ? done.webhook.payload : done.error, "first");
    assert.deepEqual(await second, {
      ok: false,
      error: "transformation waited too long for the sandbox (busy); retried later",
    });
    const third = await runner.run("function handler(w) { return w }", input);
    assert.equal(third.ok, true, "the thread goes on serving");
  } finally {
    await runner.close();
  }
});
