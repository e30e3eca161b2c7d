import assert from "node:assert/strict";
import { test } from "node:test";
import { messageJson, messageOut } from "../../src/api/serialize.ts";
import type { MessageRow } from "../../src/store/types.ts";

const base: MessageRow = {
  id: "msg_01",
  appId: "app_01",
  eventType: "order.placed",
  eventId: null,
  channels: null,
  payload: JSON.stringify({ order: 1 }),
  tags: null,
  deliverAt: null,
  createdAt: Date.UTC(2026, 11, 1, 12, 0, 0, 123),
  expiresAt: Date.UTC(2026, 11, 31),
};

test("messageJson prints exactly what JSON.stringify(messageOut(…)) prints, without parsing the payload", () => {
  const payloads: unknown[] = [
    { order: 1 },
    JSON.parse(
      '{"__proto__":{"admin":true},"a":[1,2.5,-0,1e21,"\\u2028"],"ü":"\\"quoted\\"","nested":{"x":null}}',
    ),
    { big: 12345678901234567000, small: 1e-7, emoji: "🦄", empty: {}, list: [] },
  ];
  const rows: MessageRow[] = [
    base,
    {
      ...base,
      eventId: 'evt "1"',
      channels: ["a", "b/c"],
      tags: ["t1"],
      deliverAt: base.createdAt + 60_000,
    },
    { ...base, payload: null },
    ...payloads.map((payload) => ({ ...base, payload: JSON.stringify(payload) })),
  ];
  for (const row of rows) {
    for (const withContent of [true, false]) {
      assert.equal(
        messageJson(row, withContent),
        JSON.stringify(messageOut(row, withContent)),
        `${row.payload} withContent=${withContent}`,
      );
    }
  }
});
