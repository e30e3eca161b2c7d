import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError, describeRefusal, queryOf } from "../../src/cli/api-client.ts";
import { parseDataArgument } from "../../src/cli/resource-commands.ts";
import { type AttemptView, formatAttemptLine, formatTable } from "../../src/cli/table.ts";
import { newAttempts } from "../../src/cli/tail-command.ts";

test("formatTable aligns columns, cuts long values and says when there is nothing", () => {
  const rows = [
    { id: "app_1", name: "Acme" },
    { id: "app_22", name: "A name far too long for its column" },
  ];
  const columns = [
    { title: "ID", value: (r: (typeof rows)[number]) => r.id },
    { title: "NAME", value: (r: (typeof rows)[number]) => r.name, max: 12 },
  ];
  assert.equal(formatTable(rows, columns), "ID      NAME\napp_1   Acme\napp_22  A name far …\n");
  assert.equal(formatTable([], columns), "(none)\n");
  assert.equal(
    formatTable([{ id: "a", name: "two\nlines" }], columns),
    "ID  NAME\na   two lines\n",
    "newlines cannot break the table",
  );
});

const attempt = (overrides: Partial<AttemptView>): AttemptView => ({
  id: "atmpt_1",
  msgId: "msg_1",
  endpointId: "ep_1",
  url: "https://example.com/hook",
  responseStatusCode: 200,
  responseDurationMs: 12,
  status: 0,
  timestamp: "2026-12-01T15:46:48.123Z",
  ...overrides,
});

test("formatAttemptLine: outcome, code and duration; colour only when asked", () => {
  const cases: Array<[Partial<AttemptView>, boolean, string]> = [
    [{}, false, "15:46:48 ok    200    12 ms  msg_1 → https://example.com/hook (ep_1)"],
    [
      { status: 2, responseStatusCode: 0, responseDurationMs: 15000 },
      false,
      "15:46:48 fail  --- 15000 ms  msg_1 → https://example.com/hook (ep_1)",
    ],
    [
      { status: 2, responseStatusCode: 503 },
      true,
      "\x1b[2m15:46:48\x1b[0m \x1b[31mfail \x1b[0m 503    12 ms  msg_1 → https://example.com/hook \x1b[2m(ep_1)\x1b[0m",
    ],
    [
      {},
      true,
      "\x1b[2m15:46:48\x1b[0m \x1b[32mok   \x1b[0m 200    12 ms  msg_1 → https://example.com/hook \x1b[2m(ep_1)\x1b[0m",
    ],
  ];
  for (const [overrides, color, expected] of cases)
    assert.equal(formatAttemptLine(attempt(overrides), color), expected);
});

test("newAttempts: only ids after the last one seen, oldest first", () => {
  const page = [attempt({ id: "atmpt_3" }), attempt({ id: "atmpt_2" }), attempt({ id: "atmpt_1" })];
  assert.deepEqual(
    newAttempts(page, "atmpt_1").map((a) => a.id),
    ["atmpt_2", "atmpt_3"],
  );
  assert.deepEqual(newAttempts(page, "atmpt_3"), []);
  assert.equal(newAttempts(page, "").length, 3);
});

test("parseDataArgument: literal JSON, @file, @- (stdin); errors name the fix", () => {
  const files: Record<string, string> = { "event.json": '{"id":"inv_1"}' };
  const read = (file: string) => {
    const text = files[file];
    if (text === undefined) throw Object.assign(new Error("nope"), { code: "ENOENT" });
    return text;
  };
  const stdin = () => "[1,2]";
  assert.deepEqual(parseDataArgument('{"a":1}', read, stdin), { a: 1 });
  assert.deepEqual(parseDataArgument("@event.json", read, stdin), { id: "inv_1" });
  assert.deepEqual(parseDataArgument("@-", read, stdin), [1, 2]);
  assert.throws(() => parseDataArgument("@missing.json", read, stdin), {
    message: "Cannot read missing.json for --data: ENOENT",
  });
  assert.throws(
    () => parseDataArgument("{a:1}", read, stdin),
    (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.match(
        error.message,
        /^--data is not valid JSON \(.*\); pass a JSON object, @file\.json or @-\.$/,
      );
      return true;
    },
  );
});

test("describeRefusal and queryOf", () => {
  assert.equal(
    describeRefusal(422, { detail: [{ loc: ["body", "eventType"], msg: "Required", type: "value_error" }] }),
    "body.eventType: Required",
  );
  assert.equal(
    describeRefusal(404, { code: "not_found", detail: "Application not found" }),
    "Application not found",
  );
  assert.equal(describeRefusal(502, undefined), "HTTP 502");
  assert.equal(queryOf({ limit: 5, iterator: undefined, event_types: "a.b" }), "?limit=5&event_types=a.b");
  assert.equal(queryOf({}), "");
});
