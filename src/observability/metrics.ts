import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { OperationalStats } from "../store/stats.ts";
import type { DeliveryOutcome, MessageStatus } from "../store/types.ts";
import { formatTraceparent, SPAN_KIND, type SpanContext, type Tracer } from "./tracing.ts";

export type StatusClass = "1xx" | "2xx" | "3xx" | "4xx" | "5xx" | "none";

/** `none` is an attempt that got no HTTP answer (refused, timed out, blocked address, interrupted). */
export function statusClass(code: number): StatusClass {
  if (code >= 100 && code < 600) return `${Math.floor(code / 100)}xx` as StatusClass;
  return "none";
}

/** What an attempt meant for its delivery: done, tried again later, or given up (Svix status values). */
export function deliveryOutcome(status: MessageStatus): "success" | "retry" | "failed" {
  if (status === 0) return "success";
  if (status === 2) return "failed";
  return "retry";
}

/** Attempt durations: receivers answer in milliseconds to the 15 s default timeout. */
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

/**
 * Prometheus metrics of one process. Counters move where outcomes are already known (the worker's recorded
 * batches, the API's responses); queue and endpoint gauges are read from the store only when scraped.
 */
export interface Telemetry {
  readonly registry: Registry;
  readonly startedAt: number;
  /** Whether this process runs a delivery worker (`serve`, `worker`) or only the API. */
  readonly workerInProcess: boolean;
  /** After the worker wrote a batch of attempt outcomes. */
  recordOutcomes(outcomes: readonly DeliveryOutcome[], now: number): void;
  /** After the API answered; `route` is the matched pattern (bounded label values). */
  recordResponse(method: string, route: string | undefined, status: number, replayed: boolean): void;
  /** Sets the gauges from a fresh snapshot, right before a scrape is rendered. */
  observeStats(stats: OperationalStats, now: number): void;
  /** When this process last recorded an attempt outcome (null: none yet). */
  lastOutcomeAt(): number | null;
  /** Traces (OTEL_EXPORTER_OTLP_ENDPOINT), or null when off. */
  readonly tracer: Tracer | null;
  /** The message span of a message created here: its attempts become its children. */
  rememberMessageTrace(msgId: string, context: SpanContext): void;
  /** The `traceparent` of an attempt about to be sent (its span's context, recorded with its outcome). */
  attemptTraceparent(msgId: string, endpointId: string): string | undefined;
  /** Sends buffered spans (shutdown). */
  close(): Promise<void>;
}

/** Message spans kept for linking attempts; older messages' attempts start their own trace. */
const MAX_MESSAGE_TRACES = 10_000;

const MESSAGE_CREATE_ROUTE = "/api/v1/app/:app_id/msg";

export function createTelemetry(options: {
  now: () => number;
  workerInProcess: boolean;
  defaultMetrics?: boolean;
  tracer?: Tracer;
}): Telemetry {
  const tracer = options.tracer ?? null;
  const messageTraces = new Map<string, SpanContext>();
  /** Span contexts handed out as `traceparent` before the attempt, keyed `msgId endpointId`. */
  const attemptTraces = new Map<string, SpanContext>();
  const remember = (map: Map<string, SpanContext>, key: string, context: SpanContext) => {
    if (map.size >= MAX_MESSAGE_TRACES) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(key, context);
  };
  const registry = new Registry();
  // Process and Node metrics, event-loop lag (nodejs_eventloop_lag_seconds and percentiles) among them.
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const messagesCreated = new Counter({
    name: "outbound_messages_created_total",
    help: "Messages accepted by the API (202), idempotent replays excluded",
    registers,
  });
  const requests = new Counter({
    name: "outbound_http_requests_total",
    help: "API responses by method, matched route and status class",
    labelNames: ["method", "route", "status_class"],
    registers,
  });
  const attempts = new Counter({
    name: "outbound_delivery_attempts_total",
    help: "Delivery attempts by what they meant for the delivery (success, retry, failed) and the receiver's status class",
    labelNames: ["outcome", "status_class"],
    registers,
  });
  const attemptSeconds = new Histogram({
    name: "outbound_delivery_attempt_duration_seconds",
    help: "Time from sending a delivery to the receiver's full answer (or the failure)",
    labelNames: ["status_class"],
    buckets: ATTEMPT_BUCKETS,
    registers,
  });
  const endpointsDisabled = new Counter({
    name: "outbound_endpoints_disabled_total",
    help: "Endpoints the worker disabled (410 Gone, or failing for 5 days)",
    registers,
  });
  const queueDepth = new Gauge({
    name: "outbound_queue_depth",
    help: "Deliveries waiting (pending: due now or scheduled for a retry; sending: attempt in flight)",
    labelNames: ["state"],
    registers,
  });
  const queueDue = new Gauge({ name: "outbound_queue_due", help: "Pending deliveries due now", registers });
  const oldestDue = new Gauge({
    name: "outbound_queue_oldest_due_age_seconds",
    help: "How long the oldest due delivery has been waiting (0 when nothing is due)",
    registers,
  });
  const endpoints = new Gauge({
    name: "outbound_endpoints",
    help: "Endpoints by state (total, disabled, failing: failures since the last success, circuit_open)",
    labelNames: ["state"],
    registers,
  });
  const databaseBytes = new Gauge({
    name: "outbound_database_size_bytes",
    help: "Size of the database",
    registers,
  });
  const pool = new Gauge({
    name: "outbound_database_pool_connections",
    help: "Database connection pool (where the store has one)",
    labelNames: ["state"],
    registers,
  });
  const lastOutcome = new Gauge({
    name: "outbound_worker_last_outcome_timestamp_seconds",
    help: "When this process last recorded a delivery attempt (0: none yet)",
    registers,
  });

  let lastOutcomeAt: number | null = null;
  return {
    registry,
    startedAt: options.now(),
    workerInProcess: options.workerInProcess,
    recordOutcomes(outcomes, now) {
      for (const { attempt, status, endpointEffect } of outcomes) {
        const cls = statusClass(attempt.responseStatusCode);
        attempts.inc({ outcome: deliveryOutcome(status), status_class: cls });
        if (tracer) {
          const parent = messageTraces.get(attempt.msgId) ?? null;
          const key = `${attempt.msgId} ${attempt.endpointId}`;
          const handedOut = attemptTraces.get(key);
          attemptTraces.delete(key);
          tracer.record({
            name: "deliver",
            kind: SPAN_KIND.client,
            context: handedOut ?? tracer.newContext(parent),
            parentSpanId: parent?.spanId ?? null,
            startMs: attempt.createdAt - attempt.durationMs,
            endMs: attempt.createdAt,
            attributes: {
              "outbound.message_id": attempt.msgId,
              "outbound.endpoint_id": attempt.endpointId,
              "outbound.outcome": deliveryOutcome(status),
              "url.full": attempt.url,
              "http.response.status_code": attempt.responseStatusCode,
            },
            error: attempt.status !== 0,
          });
        }
        attemptSeconds.observe({ status_class: cls }, attempt.durationMs / 1000);
        if (endpointEffect === "disable") endpointsDisabled.inc();
      }
      if (outcomes.length > 0) {
        lastOutcomeAt = now;
        lastOutcome.set(now / 1000);
      }
    },
    recordResponse(method, route, status, replayed) {
      requests.inc({ method, route: route ?? "unmatched", status_class: statusClass(status) });
      if (method === "POST" && route === MESSAGE_CREATE_ROUTE && status === 202 && !replayed)
        messagesCreated.inc();
    },
    observeStats(stats, now) {
      queueDepth.set({ state: "pending" }, stats.queue.pending);
      queueDepth.set({ state: "sending" }, stats.queue.sending);
      queueDue.set(stats.queue.due);
      oldestDue.set(stats.queue.oldestDueAt === null ? 0 : Math.max(0, now - stats.queue.oldestDueAt) / 1000);
      endpoints.set({ state: "total" }, stats.endpoints.total);
      endpoints.set({ state: "disabled" }, stats.endpoints.disabled);
      endpoints.set({ state: "failing" }, stats.endpoints.failing);
      endpoints.set({ state: "circuit_open" }, stats.endpoints.circuitOpen);
      if (stats.database.sizeBytes !== null) databaseBytes.set(stats.database.sizeBytes);
      if (stats.database.pool) {
        pool.set({ state: "total" }, stats.database.pool.total);
        pool.set({ state: "idle" }, stats.database.pool.idle);
        pool.set({ state: "waiting" }, stats.database.pool.waiting);
      }
    },
    lastOutcomeAt: () => lastOutcomeAt,
    tracer,
    rememberMessageTrace(msgId, context) {
      remember(messageTraces, msgId, context);
    },
    attemptTraceparent(msgId, endpointId) {
      if (!tracer) return undefined;
      const context = tracer.newContext(messageTraces.get(msgId) ?? null);
      remember(attemptTraces, `${msgId} ${endpointId}`, context);
      return formatTraceparent(context);
    },
    close: async () => tracer?.flush(),
  };
}
