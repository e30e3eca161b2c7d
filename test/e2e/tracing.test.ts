/**
 * OTEL_EXPORTER_OTLP_ENDPOINT: the real server exports OTLP/HTTP JSON spans to a collector on loopback. A message
 * created under the caller's `traceparent` yields one trace: API request → message → each delivery attempt.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, afterEach, before, test } from "node:test";
import { createEndpoint } from "../support/api.ts";
import { ensureEventType } from "../support/event-types.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status: { code: number };
}

const collected: OtlpSpan[] = [];
const paths: string[] = [];
const collector = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString("utf8");
  });
  req.on("end", () => {
    paths.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
    const parsed = JSON.parse(body) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
    };
    for (const resource of parsed.resourceSpans) {
      for (const scope of resource.scopeSpans) collected.push(...scope.spans);
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});

let server: TestServer;
let ok: Receiver;
let failing: Receiver;

before(async () => {
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const port = (collector.address() as AddressInfo).port;
  server = await startServer({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OUTBOUND_RETRY_SCHEDULE: "1h",
  });
  ok = await startReceiver();
  failing = await startReceiver(() => ({ status: 503 }));
});
after(async () => {
  await Promise.all([ok.close(), failing.close()]);
  await stopAllServers();
  await new Promise<void>((resolve) => collector.close(() => resolve()));
});
afterEach(reportServerLogsOnFailure);

const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value;

test("a message's trace: the caller's request, the message, and one span per delivery attempt", async () => {
  await ensureEventType(server.svix, "traced.event");
  const app = await server.svix.application.create({ name: "traced" });
  // The first endpoint opts in to receiving the attempt's trace context; the other does not.
  const traced = await createEndpoint(server, app.id, { url: ok.url, delivery: { traceparent: true } });
  await server.svix.endpoint.create(app.id, { url: failing.url });

  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const callerSpan = "00f067aa0ba902b7";
  const response = await fetch(`${server.url}/api/v1/app/${app.id}/msg`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${server.token}`,
      "content-type": "application/json",
      traceparent: `00-${traceId}-${callerSpan}-01`,
    },
    body: JSON.stringify({ eventType: "traced.event", payload: { n: 1 } }),
  });
  assert.equal(response.status, 202);
  const msgId = ((await response.json()) as { id: string }).id;

  const spans = await eventually(
    async () => collected.filter((span) => span.traceId === traceId),
    (found) => found.filter((span) => span.name === "deliver").length === 2,
    "request, message and two attempt spans exported",
    20_000,
  );
  const request = spans.find((span) => span.kind === 2);
  assert.ok(request, JSON.stringify(spans));
  assert.equal(request.name, "POST /api/v1/app/:app_id/msg");
  assert.equal(request.parentSpanId, callerSpan, "continues the caller's trace");
  assert.deepEqual(attribute(request, "http.response.status_code"), { intValue: "202" });

  const message = spans.find((span) => span.name === "message traced.event");
  assert.ok(message);
  assert.equal(message.parentSpanId, request.spanId);
  assert.deepEqual(attribute(message, "outbound.message_id"), { stringValue: msgId });

  const attempts = spans.filter((span) => span.name === "deliver");
  for (const attempt of attempts) {
    assert.equal(attempt.parentSpanId, message.spanId);
    assert.equal(attempt.kind, 3);
  }
  const codes = attempts.map((span) => attribute(span, "http.response.status_code")?.intValue).sort();
  assert.deepEqual(codes, ["200", "503"]);
  const failed = attempts.find((span) => attribute(span, "http.response.status_code")?.intValue === "503");
  assert.equal(failed?.status.code, 2, "a failed attempt is an error span");
  assert.ok(
    paths.every((p) => p === "POST /v1/traces application/json"),
    paths.join("\n"),
  );

  const tracedAttempt = attempts.find(
    (span) => attribute(span, "outbound.endpoint_id")?.stringValue === traced.id,
  );
  assert.equal(ok.requests[0]?.headers.traceparent, `00-${traceId}-${tracedAttempt?.spanId}-01`);
  assert.equal(failing.requests[0]?.headers.traceparent, undefined, "only endpoints that opt in get it");
});

test("a request without traceparent starts its own trace", async () => {
  const before = collected.length;
  const response = await fetch(`${server.url}/api/v1/app`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  assert.equal(response.status, 200);
  const span = await eventually(
    async () => collected.slice(before).find((s) => s.name === "GET /api/v1/app"),
    (found) => found !== undefined,
    "the request span",
  );
  assert.equal(span?.parentSpanId, undefined);
  assert.match(span?.traceId ?? "", /^[0-9a-f]{32}$/);
});
