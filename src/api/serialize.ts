import { isoString } from "../iso-time.ts";
import type { SecretBox } from "../secret-box.ts";
import type {
  ApplicationRow,
  AttemptRow,
  BackgroundTaskRow,
  DeliveryRow,
  EndpointRow,
  EventTypeRow,
  MessageRow,
  MessageStatus,
  SentRequest,
} from "../store/types.ts";
import { MASK, maskCredentials, openCredentials } from "../webhook/credentials.ts";

/** Row -> wire shapes of svix-openapi.json. */

// isoString: the same text as toISOString for whole milliseconds at about a third of its cost (every 202 of
// POST /msg carries one); anything else goes to the builtin, which also throws for an invalid time as before.
const iso = (ms: number) => (Number.isInteger(ms) ? isoString(ms) : new Date(ms).toISOString());
const STATUS_TEXT = ["success", "pending", "fail", "sending", "canceled"] as const;
export const statusText = (status: MessageStatus) => STATUS_TEXT[status];

export function applicationOut(row: ApplicationRow) {
  return {
    id: row.id,
    uid: row.uid,
    name: row.name,
    metadata: row.metadata,
    throttleRate: row.throttleRate,
    rateLimit: row.throttleRate,
    requireHttps: row.requireHttps,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function eventTypeOut(row: EventTypeRow, withSchemas = true) {
  return {
    name: row.name,
    description: row.description,
    archived: row.archived,
    deprecated: row.deprecated,
    schemas: withSchemas ? row.schemas : null,
    featureFlags: row.featureFlags,
    // The open-source API's single flag.
    featureFlag: row.featureFlags?.[0] ?? null,
    groupName: row.groupName,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** With the secret box, the masked credentials are included; without it they are left out. */
export function endpointOut(row: EndpointRow, secrets?: SecretBox) {
  const credentials = secrets ? maskCredentials(openCredentials(secrets, row.credentialsSealed)) : undefined;
  return {
    id: row.id,
    uid: row.uid,
    url: row.url,
    description: row.description,
    disabled: row.disabled,
    eventTypes: row.eventTypes,
    filterTypes: row.eventTypes,
    channels: row.channels,
    metadata: row.metadata,
    throttleRate: row.throttleRate,
    rateLimit: row.throttleRate,
    version: 1,
    delivery: { ...row.delivery, ...(credentials === undefined ? {} : { credentials }) },
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Payload text is stored verbatim; parse only for the response. Expunged payloads read as {}. */
function payloadOf(row: MessageRow, withContent: boolean): unknown {
  return withContent && row.payload !== null ? JSON.parse(row.payload) : {};
}

export function messageOut(row: MessageRow, withContent = true) {
  return {
    id: row.id,
    eventType: row.eventType,
    eventId: row.eventId,
    channels: row.channels,
    payload: payloadOf(row, withContent),
    tags: row.tags,
    deliverAt: row.deliverAt === null ? null : iso(row.deliverAt),
    timestamp: iso(row.createdAt),
  };
}

/**
 * `JSON.stringify(messageOut(row, withContent))` without parsing the payload to print it again: the stored text is
 * already `JSON.stringify` output, which a parse and stringify would reproduce byte for byte. The 202 of every
 * `POST /msg` is rendered here.
 */
export function messageJson(row: MessageRow, withContent = true): string {
  const payload = withContent && row.payload !== null ? row.payload : "{}";
  const rest = JSON.stringify({
    tags: row.tags,
    deliverAt: row.deliverAt === null ? null : iso(row.deliverAt),
    timestamp: iso(row.createdAt),
  });
  return (
    `{"id":${JSON.stringify(row.id)},"eventType":${JSON.stringify(row.eventType)},` +
    `"eventId":${JSON.stringify(row.eventId)},"channels":${JSON.stringify(row.channels)},` +
    `"payload":${payload},${rest.slice(1)}`
  );
}

/** A pending delivery is next tried at its due time, or when its endpoint's circuit reopens if that is later. */
function nextAttempt(delivery: DeliveryRow, endpoint: EndpointRow): string | null {
  if (delivery.status !== 1 || delivery.dueAt === null) return null;
  const reopens = endpoint.health.circuitOpenUntil;
  return iso(reopens !== null && reopens > delivery.dueAt ? reopens : delivery.dueAt);
}

/** With `msg`, the attempt carries its message (Svix's `with_msg`): tags, schedule and, optionally, payload. */
export function attemptOut(row: AttemptRow, msg?: ReturnType<typeof messageOut>) {
  return {
    ...(msg === undefined ? {} : { msg }),
    id: row.id,
    msgId: row.msgId,
    endpointId: row.endpointId,
    url: row.url,
    response: row.response,
    responseStatusCode: row.responseStatusCode,
    responseDurationMs: row.durationMs,
    status: row.status,
    statusText: statusText(row.status),
    triggerType: row.triggerType,
    timestamp: iso(row.createdAt),
    /** Outbound extension: the request as sent, credentials masked. */
    request: row.request === null ? null : (JSON.parse(row.request) as SentRequest),
    /** Outbound extension: the response headers as received, in the pair shape of Svix's MessageAttemptHeadersOut. */
    responseHeaders: row.responseHeaders,
  };
}

/**
 * Svix's MessageAttemptHeadersOut: the headers as sent (secret values masked, their names in `sensitive`; `{}` for
 * attempts made before requests were kept) and the response headers as received.
 */
export function attemptHeadersOut(row: AttemptRow) {
  const sent = row.request === null ? {} : (JSON.parse(row.request) as SentRequest).headers;
  return {
    sentHeaders: sent,
    responseHeaders: row.responseHeaders,
    sensitive: Object.keys(sent).filter((name) => sent[name] === MASK),
  };
}

export function messageEndpointOut(delivery: DeliveryRow, endpoint: EndpointRow) {
  return {
    ...endpointOut(endpoint),
    status: delivery.status,
    statusText: statusText(delivery.status),
    nextAttempt: nextAttempt(delivery, endpoint),
  };
}

export function endpointMessageOut(
  delivery: DeliveryRow,
  endpoint: EndpointRow,
  message: MessageRow,
  withContent: boolean,
) {
  return {
    ...messageOut(message, withContent),
    status: delivery.status,
    statusText: statusText(delivery.status),
    nextAttempt: nextAttempt(delivery, endpoint),
  };
}

/** Svix's BackgroundTaskOut. */
export function backgroundTaskOut(row: BackgroundTaskRow) {
  return {
    id: row.id,
    status: row.status,
    task: row.task,
    data: row.data,
    updatedAt: iso(row.updatedAt),
  };
}
