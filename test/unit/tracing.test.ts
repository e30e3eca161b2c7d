import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createTracer,
  formatTraceparent,
  otlpPayload,
  parseTraceparent,
  SPAN_KIND,
} from "../../src/observability/tracing.ts";

test("parseTraceparent accepts W3C trace context and refuses what the spec refuses", () => {
  const ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const cases: Array<[string | string[] | undefined, ReturnType<typeof parseTraceparent>]> = [
    [ok, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" }],
    [` ${ok.toUpperCase()} `, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" }],
    [
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
      { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" },
    ],
    [undefined, null],
    [[ok, ok], null],
    ["ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null],
    ["00-00000000000000000000000000000000-00f067aa0ba902b7-01", null],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", null],
    ["00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", null],
    ["garbage", null],
  ];
  for (const [value, expected] of cases) assert.deepEqual(parseTraceparent(value), expected, String(value));
  assert.equal(
    formatTraceparent({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" }),
    ok,
  );
});

test("child contexts keep the trace; roots start a new one (random injected)", () => {
  let n = 0;
  const tracer = createTracer({
    endpoint: "http://127.0.0.1:9",
    serviceName: "outbound",
    version: "1",
    random: (bytes) => Buffer.alloc(bytes, ++n),
  });
  assert.deepEqual(tracer.newContext(null), { traceId: "01".repeat(16), spanId: "02".repeat(8) });
  assert.deepEqual(tracer.newContext({ traceId: "ab".repeat(16), spanId: "cd".repeat(8) }), {
    traceId: "ab".repeat(16),
    spanId: "03".repeat(8),
  });
});

test("otlpPayload: OTLP/JSON with hex ids, nanosecond strings, typed attributes and error status", () => {
  const payload = otlpPayload("outbound", "0.1.0", [
    {
      name: "deliver",
      kind: SPAN_KIND.client,
      context: { traceId: "ab".repeat(16), spanId: "cd".repeat(8) },
      parentSpanId: "ef".repeat(8),
      startMs: 1_700_000_000_000.5,
      endMs: 1_700_000_000_012,
      attributes: { "http.response.status_code": 503, "url.full": "https://x", ok: false, ratio: 0.5 },
      error: true,
    },
  ]);
  const span = payload.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.deepEqual(payload.resourceSpans[0]!.resource.attributes[0], {
    key: "service.name",
    value: { stringValue: "outbound" },
  });
  assert.deepEqual(span, {
    traceId: "ab".repeat(16),
    spanId: "cd".repeat(8),
    parentSpanId: "ef".repeat(8),
    name: "deliver",
    kind: 3,
    startTimeUnixNano: "1700000000000500000",
    endTimeUnixNano: "1700000000012000000",
    attributes: [
      { key: "http.response.status_code", value: { intValue: "503" } },
      { key: "url.full", value: { stringValue: "https://x" } },
      { key: "ok", value: { boolValue: false } },
      { key: "ratio", value: { doubleValue: 0.5 } },
    ],
    status: { code: 2 },
  });
});
