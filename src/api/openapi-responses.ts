import { z } from "zod";

/**
 * What each operation answers, for the OpenAPI document: the success status and the body's schema (strict, so
 * test/e2e/openapi.test.ts notices a field the serializers add or drop). Keyed `"<method> <OpenAPI path>"`.
 */
export interface ResponseSpec {
  status: number;
  schema?: z.ZodType;
  description?: string;
}

const iso = z.string().describe("ISO 8601 date-time");
const nullableStrings = z.array(z.string()).nullable();
const metadata = z.record(z.string(), z.string());

const list = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    data: z.array(item),
    iterator: z.string().nullable(),
    prevIterator: z.string().nullable(),
    done: z.boolean(),
  });

export const applicationOut = z.strictObject({
  id: z.string(),
  uid: z.string().nullable(),
  name: z.string(),
  metadata,
  throttleRate: z.number().int().nullable(),
  rateLimit: z.number().int().nullable(),
  requireHttps: z.boolean().describe("Outbound extension"),
  createdAt: iso,
  updatedAt: iso,
});

export const eventTypeOut = z.strictObject({
  name: z.string(),
  description: z.string(),
  archived: z.boolean(),
  deprecated: z.boolean(),
  schemas: z.record(z.string(), z.unknown()).nullable(),
  featureFlags: z.array(z.string()).nullable(),
  featureFlag: z.string().nullable(),
  groupName: z.string().nullable(),
  createdAt: iso,
  updatedAt: iso,
});

const endpointFields = {
  id: z.string(),
  uid: z.string().nullable(),
  url: z.string(),
  description: z.string(),
  disabled: z.boolean(),
  eventTypes: nullableStrings,
  filterTypes: nullableStrings,
  channels: nullableStrings,
  metadata,
  throttleRate: z.number().int().nullable(),
  rateLimit: z.number().int().nullable(),
  version: z.number().int(),
  delivery: z
    .record(z.string(), z.unknown())
    .describe("Outbound extension: method, body encoding, signature, credentials (masked), mapping, filter"),
  createdAt: iso,
  updatedAt: iso,
};
export const endpointOut = z.strictObject(endpointFields);

const statusText = z.enum(["success", "pending", "fail", "sending", "canceled"]);
const statusFields = {
  status: z.number().int().min(0).max(4).describe("0 success, 1 pending, 2 fail, 3 sending, 4 canceled"),
  statusText,
  nextAttempt: iso.nullable(),
};

const messageFields = {
  id: z.string(),
  eventType: z.string(),
  eventId: z.string().nullable(),
  channels: nullableStrings,
  payload: z.unknown(),
  tags: nullableStrings,
  deliverAt: iso.nullable().describe("When a scheduled message is sent"),
  timestamp: iso,
};
export const messageOut = z.strictObject(messageFields);

const responseHeaderPairs = z.array(z.tuple([z.string(), z.string()])).nullable();

export const attemptOut = z.strictObject({
  msg: messageOut.optional().describe("With `with_msg=true`"),
  id: z.string(),
  msgId: z.string(),
  endpointId: z.string(),
  url: z.string(),
  response: z.string(),
  responseStatusCode: z.number().int(),
  responseDurationMs: z.number(),
  status: z.number().int(),
  statusText,
  triggerType: z.number().int().describe("0 scheduled, 1 manual"),
  timestamp: iso,
  request: z
    .strictObject({
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      body: z.string().nullable(),
    })
    .nullable()
    .describe("Outbound extension: the request as sent, secrets masked"),
  responseHeaders: responseHeaderPairs.describe(
    "Outbound extension: the response headers as received, `[name, value]` pairs in order (names lower-case; at most 64 headers / 8 KiB; Set-Cookie values redacted); null when no HTTP response was received",
  ),
});

/** Svix's MessageAttemptHeadersOut. */
const attemptHeadersOut = z.strictObject({
  sentHeaders: z.record(z.string(), z.string()),
  responseHeaders: responseHeaderPairs,
  sensitive: z.array(z.string()).describe("Names of the sent headers whose values are masked"),
});

const endpointStatsOut = z.strictObject({
  success: z.number().int(),
  pending: z.number().int(),
  sending: z.number().int(),
  fail: z.number().int(),
  canceled: z.number().int(),
  circuit: z.strictObject({
    state: z.enum(["closed", "open", "half-open"]),
    consecutiveFailures: z.number().int(),
    openUntil: iso.nullable(),
  }),
});

const taskOut = z.strictObject({
  id: z.string(),
  status: z.enum(["running", "finished", "failed"]),
  task: z.string(),
  data: z.record(z.string(), z.unknown()),
  updatedAt: iso,
});

const operationalEndpointOut = z.strictObject({
  id: z.string(),
  uid: z.string().nullable(),
  url: z.string(),
  description: z.string(),
  disabled: z.boolean(),
  eventTypes: nullableStrings,
  filterTypes: nullableStrings,
  metadata,
  throttleRate: z.number().int().nullable(),
  rateLimit: z.number().int().nullable(),
  createdAt: iso,
  updatedAt: iso,
});

const headersOut = z.strictObject({
  headers: z.record(z.string(), z.string()),
  sensitive: z.array(z.string()),
});
const deliveryCounts = { success: z.number().int(), failure: z.number().int(), canceled: z.number().int() };

const issuerOut = z.strictObject({ id: z.string(), description: z.string(), createdAt: iso });
const attributeOut = z.strictObject({
  id: z.string(),
  label: z.string(),
  valueType: z.string(),
  choices: z
    .array(z.strictObject({ value: z.string(), label: z.string(), friendlyValue: z.string() }))
    .nullable(),
  systemDefined: z.boolean(),
  createdAt: iso,
  updatedAt: iso,
});
const participantOut = z.strictObject({
  id: z.string(),
  externalIdentifiers: z.array(z.strictObject({ id: z.string(), issuer: z.string() })),
  attributes: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  consent: z.strictObject({ given: z.boolean(), at: iso.nullable(), source: z.string().nullable() }),
  unsubscribedAt: iso.nullable(),
  createdAt: iso,
  updatedAt: iso,
});
const importOut = z.strictObject({
  id: z.string(),
  state: z.string(),
  rowsRead: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  errors: z.array(
    z.strictObject({ row: z.number().int(), column: z.string().nullable(), message: z.string() }),
  ),
  message: z.string().nullable(),
  options: z.record(z.string(), z.unknown()),
  createdAt: iso,
  updatedAt: iso,
});
const distributionOut = z.strictObject({
  id: z.string(),
  distributionType: z.enum(["Invitation", "Reminder"]),
  message: z.string(),
  chatUrl: z.string().nullable(),
  domainBrandName: z.string().nullable(),
  audience: z.unknown(),
  reminderOf: z.string().nullable(),
  status: z.enum(["sending", "completed"]),
  counts: z.strictObject({
    targeted: z.number().int(),
    sent: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
  }),
  createdAt: iso,
});

export const healthDetailsOut = z.strictObject({
  status: z.enum(["ok", "unavailable"]),
  version: z.string(),
  uptimeSeconds: z.number().int(),
  database: z.strictObject({
    kind: z.enum(["sqlite", "postgres"]),
    reachable: z.boolean(),
    latencyMs: z.number(),
    error: z.string().optional(),
    sizeBytes: z.number().nullable(),
    pool: z.strictObject({ total: z.number(), idle: z.number(), waiting: z.number() }).optional(),
  }),
  worker: z.strictObject({ inProcess: z.boolean(), lastAttemptAt: iso.nullable() }),
  queue: z
    .strictObject({
      pending: z.number().int(),
      sending: z.number().int(),
      due: z.number().int(),
      oldestDueAgeSeconds: z.number().int(),
    })
    .nullable(),
  endpoints: z
    .strictObject({
      total: z.number().int(),
      disabled: z.number().int(),
      failing: z.number().int(),
      circuitOpen: z.number().int(),
    })
    .nullable(),
});

/** `{code, detail}`: every error except 422 on /api/v1. */
export const problemOut = z.strictObject({ code: z.string(), detail: z.string() });
/** Svix's HttpValidationError: 422 with the location of each invalid field. */
export const validationErrorOut = z.strictObject({
  detail: z.array(
    z.strictObject({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() }),
  ),
});

const NO_CONTENT: ResponseSpec = { status: 204 };
const APP = "/api/v1/app/{app_id}";
const EP = `${APP}/endpoint/{endpoint_id}`;

/** Outbound extension: the request an endpoint would get, built by the delivery code and not sent. */
const requestPreviewOut = z.strictObject({
  wouldDeliver: z.boolean(),
  method: z.string(),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string().nullable(),
});

const sessionOut = z.union([
  z.strictObject({ kind: z.literal("admin") }),
  z.strictObject({ kind: z.literal("app"), appId: z.string(), readOnly: z.boolean() }),
  z.strictObject({ kind: z.null() }),
]);

export const RESPONSES: Record<string, ResponseSpec> = {
  "get /api/v1/health": { status: 204, description: "Healthy; 503 when the database is unavailable" },
  "get /api/v1/health/ping": { status: 204, description: "Healthy; 503 when the database is unavailable" },
  "get /api/v1/health/details": {
    status: 200,
    schema: healthDetailsOut,
    description: "503 with the same shape",
  },
  "get /api/v1/openapi.json": { status: 200, schema: z.record(z.string(), z.unknown()) },
  "post /api/v1/auth/logout": NO_CONTENT,
  "post /api/v1/auth/app-portal-access/{app_id}": {
    status: 200,
    schema: z.strictObject({ token: z.string(), url: z.string(), expiry: iso }),
  },
  "get /api/v1/app": { status: 200, schema: list(applicationOut) },
  "post /api/v1/app": {
    status: 201,
    schema: applicationOut,
    description: "200 when `get_if_exists` found it",
  },
  [`get ${APP}`]: { status: 200, schema: applicationOut },
  [`put ${APP}`]: { status: 200, schema: applicationOut, description: "201 when created" },
  [`patch ${APP}`]: { status: 200, schema: applicationOut },
  [`delete ${APP}`]: NO_CONTENT,
  "get /api/v1/event-type": { status: 200, schema: list(eventTypeOut) },
  "post /api/v1/event-type": { status: 201, schema: eventTypeOut },
  "get /api/v1/event-type/{event_type_name}": { status: 200, schema: eventTypeOut },
  "put /api/v1/event-type/{event_type_name}": {
    status: 200,
    schema: eventTypeOut,
    description: "201 when created",
  },
  "patch /api/v1/event-type/{event_type_name}": { status: 200, schema: eventTypeOut },
  "delete /api/v1/event-type/{event_type_name}": NO_CONTENT,
  [`get ${APP}/endpoint`]: { status: 200, schema: list(endpointOut) },
  [`post ${APP}/endpoint`]: { status: 201, schema: endpointOut },
  [`get ${EP}`]: { status: 200, schema: endpointOut },
  [`put ${EP}`]: { status: 200, schema: endpointOut, description: "201 when created" },
  [`patch ${EP}`]: { status: 200, schema: endpointOut },
  [`delete ${EP}`]: NO_CONTENT,
  [`get ${EP}/headers`]: { status: 200, schema: headersOut },
  [`put ${EP}/headers`]: NO_CONTENT,
  [`patch ${EP}/headers`]: NO_CONTENT,
  [`get ${EP}/secret`]: { status: 200, schema: z.strictObject({ key: z.string() }) },
  [`post ${EP}/secret/rotate`]: NO_CONTENT,
  [`get ${EP}/stats`]: { status: 200, schema: endpointStatsOut },
  [`post ${EP}/send-example`]: { status: 200, schema: messageOut },
  [`post ${EP}/recover`]: { status: 202, schema: taskOut },
  [`get ${EP}/msg`]: { status: 200, schema: list(z.strictObject({ ...messageFields, ...statusFields })) },
  [`get ${APP}/msg`]: { status: 200, schema: list(messageOut) },
  [`post ${APP}/msg`]: { status: 202, schema: messageOut },
  [`get ${APP}/msg/{msg_id}`]: { status: 200, schema: messageOut },
  [`delete ${APP}/msg/{msg_id}/content`]: NO_CONTENT,
  [`get ${APP}/msg/{msg_id}/endpoint`]: {
    status: 200,
    schema: list(z.strictObject({ ...endpointFields, ...statusFields })),
  },
  [`post ${APP}/msg/{msg_id}/endpoint/{endpoint_id}/resend`]: { status: 202, schema: z.strictObject({}) },
  [`get ${APP}/attempt/endpoint/{endpoint_id}`]: { status: 200, schema: list(attemptOut) },
  [`get ${APP}/attempt/msg/{msg_id}`]: { status: 200, schema: list(attemptOut) },
  [`get ${APP}/msg/{msg_id}/attempt/{attempt_id}`]: { status: 200, schema: attemptOut },
  [`get ${APP}/msg/{msg_id}/attempt/{attempt_id}/headers`]: { status: 200, schema: attemptHeadersOut },
  [`delete ${APP}/msg/{msg_id}/attempt/{attempt_id}/content`]: NO_CONTENT,
  [`get ${APP}/issuer`]: { status: 200, schema: list(issuerOut) },
  [`post ${APP}/issuer`]: { status: 201, schema: issuerOut },
  [`get ${APP}/issuer/{id}`]: { status: 200, schema: issuerOut },
  [`delete ${APP}/issuer/{id}`]: NO_CONTENT,
  [`get ${APP}/attribute`]: { status: 200, schema: list(attributeOut) },
  [`post ${APP}/attribute`]: { status: 201, schema: attributeOut },
  [`get ${APP}/attribute/{id}`]: { status: 200, schema: attributeOut },
  [`patch ${APP}/attribute/{id}`]: { status: 200, schema: attributeOut },
  [`delete ${APP}/attribute/{id}`]: NO_CONTENT,
  [`get ${APP}/participant`]: { status: 200, schema: list(participantOut) },
  [`post ${APP}/participant`]: { status: 201, schema: participantOut },
  [`get ${APP}/participant/lookup`]: { status: 200, schema: participantOut },
  [`get ${APP}/participant/{id}`]: { status: 200, schema: participantOut },
  [`patch ${APP}/participant/{id}`]: { status: 200, schema: participantOut },
  [`delete ${APP}/participant/{id}`]: NO_CONTENT,
  [`post ${APP}/participant/{id}/tags`]: { status: 200, schema: participantOut },
  [`post ${APP}/participant/{id}/unsubscribe`]: { status: 200, schema: participantOut },
  [`post ${APP}/participant/import`]: { status: 202, schema: importOut },
  [`get ${APP}/participant/import`]: { status: 200, schema: list(importOut) },
  [`get ${APP}/participant/import/{id}`]: { status: 200, schema: importOut },
  [`post ${APP}/distribution`]: { status: 201, schema: distributionOut },
  [`get ${APP}/distribution`]: { status: 200, schema: list(distributionOut) },
  [`get ${APP}/distribution/{id}`]: { status: 200, schema: distributionOut },
  [`post ${APP}/distribution/{id}/participant/{participant_id}/responded`]: NO_CONTENT,
  "post /api/v1/auth/app/{app_id}/expire-all": NO_CONTENT,
  "post /api/v1/event-type/import/openapi": {
    status: 200,
    schema: z.strictObject({
      data: z.strictObject({ modified: z.array(z.unknown()), to_modify: z.array(z.unknown()).nullable() }),
    }),
  },
  "post /api/v1/event-type/export/openapi": { status: 202, schema: taskOut },
  [`post ${EP}/replay-missing`]: { status: 202, schema: taskOut },
  [`post ${EP}/bulk-replay`]: { status: 202, schema: taskOut },
  [`post ${EP}/cancel-msgs`]: NO_CONTENT,
  [`get ${APP}/relay`]: {
    status: 200,
    description:
      'text/event-stream: `event: ready` with `{"endpointId","secret"}`, then `event: delivery` with `{"id","method","query","headers","body"}` per delivery',
  },
  [`post ${APP}/relay/answer/{id}`]: NO_CONTENT,
  [`get ${EP}/transformation`]: {
    status: 200,
    schema: z.strictObject({ code: z.string().nullable(), enabled: z.boolean(), updatedAt: iso.nullable() }),
  },
  [`patch ${EP}/transformation`]: NO_CONTENT,
  [`post ${EP}/transformation/simulate`]: {
    status: 200,
    schema: z.strictObject({
      method: z.string(),
      url: z.string(),
      payload: z.string().describe("The transformed payload, as JSON text"),
      cancel: z.boolean(),
    }),
  },
  "get /api/v1/background-task": { status: 200, schema: list(taskOut) },
  "get /api/v1/background-task/{task_id}": { status: 200, schema: taskOut },
  [`get ${APP}/stats/attempts`]: {
    status: 200,
    schema: z.strictObject({
      by_event_type: z.record(z.string(), z.strictObject(deliveryCounts)),
      total_success: z.number().int(),
      total_failure: z.number().int(),
      total_canceled: z.number().int(),
      since: iso,
      until: iso,
    }),
  },
  "get /api/v1/stats/app/{app_id}/attempt": {
    status: 200,
    schema: z.strictObject({
      startDate: iso,
      endDate: iso,
      period: z.string(),
      data: z.strictObject({
        successCount: z.array(z.number().int()),
        failureCount: z.array(z.number().int()),
        canceledCount: z.array(z.number().int()),
      }),
    }),
  },
  "post /api/v1/stats/usage/app": {
    status: 202,
    schema: taskOut.extend({ unresolvedAppIds: z.array(z.string()) }),
  },
  "put /api/v1/stats/usage/event-types": { status: 202, schema: taskOut },
  "get /api/v1/stats/endpoint/count": {
    status: 200,
    schema: z.strictObject({ active: z.number().int(), disabled: z.number().int() }),
  },
  "get /api/v1/app/stats/count-active": { status: 200, schema: z.strictObject({ count: z.number().int() }) },
  "get /api/v1/operational-webhook/endpoint": { status: 200, schema: list(operationalEndpointOut) },
  "post /api/v1/operational-webhook/endpoint": { status: 201, schema: operationalEndpointOut },
  "get /api/v1/operational-webhook/endpoint/{endpoint_id}": { status: 200, schema: operationalEndpointOut },
  "put /api/v1/operational-webhook/endpoint/{endpoint_id}": {
    status: 200,
    schema: operationalEndpointOut,
    description: "201 when created",
  },
  "delete /api/v1/operational-webhook/endpoint/{endpoint_id}": NO_CONTENT,
  "get /api/v1/operational-webhook/endpoint/{endpoint_id}/secret": {
    status: 200,
    schema: z.strictObject({ key: z.string() }),
  },
  "post /api/v1/operational-webhook/endpoint/{endpoint_id}/secret/rotate": NO_CONTENT,
  "get /api/v1/operational-webhook/endpoint/{endpoint_id}/headers": { status: 200, schema: headersOut },
  "put /api/v1/operational-webhook/endpoint/{endpoint_id}/headers": NO_CONTENT,
  // The web UI's own routes (routes/request-preview.ts, routes/session.ts).
  [`post ${APP}/endpoint/preview-request`]: { status: 200, schema: requestPreviewOut },
  [`post ${APP}/endpoint/{endpoint_id}/preview-request`]: { status: 200, schema: requestPreviewOut },
  "post /api/v1/session/sign-in": { status: 204, description: "Sets the HttpOnly session cookie" },
  "get /api/v1/session": { status: 200, schema: sessionOut },
  "post /api/v1/session/sign-out": { status: 204, description: "Clears the session cookie" },
};
