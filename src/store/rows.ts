import type {
  ApplicationRow,
  AttemptRow,
  BackgroundTaskKind,
  BackgroundTaskRow,
  BackgroundTaskStatus,
  DeliveryRow,
  EndpointRow,
  EventTypeRow,
  HeaderPair,
  MessageRow,
  MessageStatus,
  TriggerType,
} from "./types.ts";

/**
 * Maps raw rows of either store to domain rows: snake_case columns; booleans as 0/1 (SQLite) or true/false
 * (PostgreSQL); JSON as text (SQLite) or already parsed (PostgreSQL jsonb); big integers as numbers or strings.
 */
export type Raw = Record<string, unknown>;

export function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export function jsonOrNull<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : json<T>(value);
}

export const bool = (value: unknown): boolean => value === 1 || value === true || value === 1n;

export const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null => (value === null ? null : Number(value));
export const strOrNull = (value: unknown): string | null => (value === null ? null : String(value));

export function toApplication(r: Raw): ApplicationRow {
  return {
    id: String(r.id),
    uid: strOrNull(r.uid),
    name: String(r.name),
    metadata: json(r.metadata),
    throttleRate: numOrNull(r.throttle_rate),
    requireHttps: bool(r.require_https),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toEventType(r: Raw): EventTypeRow {
  return {
    name: String(r.name),
    description: String(r.description),
    archived: bool(r.archived),
    deprecated: bool(r.deprecated),
    schemas: jsonOrNull(r.schemas),
    featureFlags: jsonOrNull(r.feature_flags),
    groupName: strOrNull(r.group_name),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toEndpoint(r: Raw): EndpointRow {
  return {
    id: String(r.id),
    appId: String(r.app_id),
    uid: strOrNull(r.uid),
    url: String(r.url),
    description: String(r.description),
    disabled: bool(r.disabled),
    eventTypes: jsonOrNull(r.event_types),
    channels: jsonOrNull(r.channels),
    metadata: json(r.metadata),
    throttleRate: numOrNull(r.throttle_rate),
    headers: json(r.headers),
    secretsSealed: String(r.secrets_sealed),
    health: {
      failingSince: numOrNull(r.failing_since),
      consecutiveFailures: num(r.consecutive_failures),
      circuitOpenUntil: numOrNull(r.circuit_open_until),
    },
    delivery: json(r.delivery_options),
    credentialsSealed: strOrNull(r.credentials_sealed),
    transformation: jsonOrNull(r.transformation),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toMessage(r: Raw): MessageRow {
  return {
    id: String(r.id),
    appId: String(r.app_id),
    eventType: String(r.event_type),
    eventId: strOrNull(r.event_id),
    channels: jsonOrNull(r.channels),
    payload: strOrNull(r.payload),
    tags: jsonOrNull(r.tags),
    deliverAt: numOrNull(r.deliver_at),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
  };
}

export function toDelivery(r: Raw): DeliveryRow {
  return {
    msgId: String(r.msg_id),
    endpointId: String(r.endpoint_id),
    appId: String(r.app_id),
    status: num(r.status) as MessageStatus,
    attempts: num(r.attempts),
    dueAt: numOrNull(r.due_at),
    triggerType: num(r.trigger_type) as TriggerType,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toAttempt(r: Raw): AttemptRow {
  return {
    id: String(r.id),
    msgId: String(r.msg_id),
    appId: String(r.app_id),
    endpointId: String(r.endpoint_id),
    url: String(r.url),
    status: num(r.status) as MessageStatus,
    responseStatusCode: num(r.response_status_code),
    response: String(r.response),
    durationMs: num(r.duration_ms),
    triggerType: num(r.trigger_type) as TriggerType,
    createdAt: num(r.created_at),
    request: strOrNull(r.request),
    responseHeaders: jsonOrNull<HeaderPair[]>(r.response_headers),
  };
}

/** Columns prefixed `d_` in a joined row belong to the delivery. */
export function toPrefixedDelivery(r: Raw): DeliveryRow {
  return toDelivery({
    msg_id: r.d_msg_id,
    endpoint_id: r.d_endpoint_id,
    app_id: r.d_app_id,
    status: r.d_status,
    attempts: r.d_attempts,
    due_at: r.d_due_at,
    trigger_type: r.d_trigger_type,
    created_at: r.d_created_at,
    updated_at: r.d_updated_at,
  });
}

export function toTask(r: Raw): BackgroundTaskRow {
  return {
    id: String(r.id),
    appId: strOrNull(r.app_id),
    endpointId: strOrNull(r.endpoint_id),
    task: String(r.task) as BackgroundTaskKind,
    status: String(r.status) as BackgroundTaskStatus,
    params: json(r.params),
    data: json(r.data),
    cursor: strOrNull(r.cursor),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}
