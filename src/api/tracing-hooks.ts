import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Context } from "../domain/context.ts";
import { parseTraceparent, SPAN_KIND, type SpanContext } from "../observability/tracing.ts";

import { MESSAGE_CREATE_ROUTE } from "./message-create.ts";

/**
 * One SERVER span per API request (continuing the caller's W3C `traceparent`), and for a created message a
 * message span under it, which the message's delivery attempts join (see Telemetry.recordOutcomes).
 * Registered only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function registerTracingHooks(app: FastifyInstance, ctx: Context): void {
  const tracer = ctx.telemetry.tracer;
  if (!tracer) return;
  const spans = new WeakMap<
    FastifyRequest,
    { context: SpanContext; parent: SpanContext | null; startMs: number }
  >();

  app.addHook("onRequest", async (request) => {
    const parent = parseTraceparent(request.headers.traceparent);
    spans.set(request, { context: tracer.newContext(parent), parent, startMs: ctx.now() });
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const span = spans.get(request);
    if (!span || request.routeOptions.url !== MESSAGE_CREATE_ROUTE || reply.statusCode !== 202)
      return payload;
    if (typeof payload !== "string") return payload;
    const message = JSON.parse(payload) as { id?: string; eventType?: string };
    if (!message.id) return payload;
    const context = tracer.newContext(span.context);
    const now = ctx.now();
    tracer.record({
      name: `message ${message.eventType ?? ""}`.trim(),
      kind: SPAN_KIND.internal,
      context,
      parentSpanId: span.context.spanId,
      startMs: now,
      endMs: now,
      attributes: {
        "outbound.message_id": message.id,
        "outbound.event_type": message.eventType ?? "",
        "outbound.app_id": (request.params as { app_id?: string }).app_id ?? "",
      },
      error: false,
    });
    ctx.telemetry.rememberMessageTrace(message.id, context);
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    const route = request.routeOptions.url ?? "unmatched";
    tracer.record({
      name: `${request.method} ${route}`,
      kind: SPAN_KIND.server,
      context: span.context,
      parentSpanId: span.parent?.spanId ?? null,
      startMs: span.startMs,
      endMs: ctx.now(),
      attributes: {
        "http.request.method": request.method,
        "http.route": route,
        "http.response.status_code": reply.statusCode,
      },
      error: reply.statusCode >= 500,
    });
  });
}
