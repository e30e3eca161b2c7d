import { randomBytes } from "node:crypto";

/**
 * OpenTelemetry traces over OTLP/HTTP (JSON), without the SDK: Outbound makes three kinds of span (API request,
 * message, delivery attempt) and needs only W3C trace context and a batching exporter.
 */

export interface SpanContext {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
}

/** OTLP span kinds. */
export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

export interface FinishedSpan {
  name: string;
  kind: (typeof SPAN_KIND)[keyof typeof SPAN_KIND];
  context: SpanContext;
  parentSpanId: string | null;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  error: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C `traceparent` header's context, or null when absent or invalid (all-zero ids, version ff). */
export function parseTraceparent(value: string | string[] | undefined): SpanContext | null {
  if (typeof value !== "string") return null;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return null;
  const [, version, traceId = "", spanId = ""] = match;
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId };
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-01`;
}

function otlpValue(value: string | number | boolean) {
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number")
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { stringValue: value };
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** The OTLP/JSON `ExportTraceServiceRequest` for `spans` (ids in hex, times in ns as strings, per the spec). */
export function otlpPayload(serviceName: string, version: string, spans: readonly FinishedSpan[]) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: "service.name", value: { stringValue: serviceName } },
            { key: "service.version", value: { stringValue: version } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: "outbound", version },
            spans: spans.map((span) => ({
              traceId: span.context.traceId,
              spanId: span.context.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: nanos(span.startMs),
              endTimeUnixNano: nanos(Math.max(span.endMs, span.startMs)),
              attributes: Object.entries(span.attributes).map(([key, value]) => ({
                key,
                value: otlpValue(value),
              })),
              status: { code: span.error ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}

export interface Tracer {
  /** A new span's context: a child of `parent` (same trace), or the root of a new trace. */
  newContext(parent: SpanContext | null): SpanContext;
  record(span: FinishedSpan): void;
  /** Sends what is buffered (at shutdown). */
  flush(): Promise<void>;
}

export interface TracerOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
  version: string;
  random?: (bytes: number) => Buffer;
  batchSize?: number;
  flushEveryMs?: number;
  onExportError?: (error: Error) => void;
}

/** Buffers spans and posts them in batches (every `flushEveryMs`, or at `batchSize`); export never blocks callers. */
export function createTracer(options: TracerOptions): Tracer {
  const random = options.random ?? randomBytes;
  const batchSize = options.batchSize ?? 256;
  const url = `${options.endpoint.replace(/\/+$/, "")}/v1/traces`;
  let buffer: FinishedSpan[] = [];
  let timer: NodeJS.Timeout | undefined;

  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return;
    const spans = buffer;
    buffer = [];
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(otlpPayload(options.serviceName, options.version, spans)),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`the collector answered ${response.status}`);
    } catch (error) {
      options.onExportError?.(error as Error);
    }
  }

  return {
    newContext(parent) {
      return { traceId: parent?.traceId ?? random(16).toString("hex"), spanId: random(8).toString("hex") };
    },
    record(span) {
      buffer.push(span);
      if (buffer.length >= batchSize) void flush();
      else if (!timer) {
        timer = setTimeout(() => void flush(), options.flushEveryMs ?? 1_000);
        timer.unref();
      }
    },
    flush,
  };
}
