import { z } from "zod";
import { OPERATIONAL_EVENT_TYPES } from "../domain/operational-events.ts";
import type { MessageStatus } from "../store/types.ts";

/** Svix's identifier pattern, used for uids, event type names and channels. */
export const ID_PATTERN = /^[a-zA-Z0-9\-_.]+$/;
/** Svix's message tag: like an identifier, plus '/', '\\' and '#'. */
export const TAG_PATTERN = /^[a-zA-Z0-9\-_./\\#]+$/;
const idString = (max: number) =>
  z.string().min(1).max(max).regex(ID_PATTERN, "may only contain letters, digits, '-', '_' and '.'");

export const uid = idString(256);
export const eventTypeName = idString(256);
export const channel = idString(128);
export const tag = z
  .string()
  .min(1)
  .max(128)
  .regex(TAG_PATTERN, "may only contain letters, digits and '-', '_', '.', '/', '\\', '#'");
const metadata = z.record(z.string(), z.string());
// The format depends on the endpoint's signature scheme; the domain checks it (validateEndpointSecret).
const secret = z.string().min(1).max(256);
const rate = z.number().int().min(0).max(65535);
const timestamp = z.iso.datetime({ offset: true }).transform((value) => Date.parse(value));

export const applicationIn = z.strictObject({
  name: z.string().min(1),
  uid: uid.nullish(),
  metadata: metadata.optional(),
  throttleRate: rate.nullish(),
  rateLimit: rate.nullish(),
  /** Outbound extension: every endpoint of this application must use https://. */
  requireHttps: z.boolean().optional(),
});

export const applicationPatch = applicationIn.partial();

export const eventTypeIn = z.strictObject({
  name: eventTypeName,
  description: z.string(),
  archived: z.boolean().optional(),
  deprecated: z.boolean().optional(),
  schemas: z.record(z.string(), z.unknown()).nullish(),
  featureFlags: z.array(idString(256)).max(25).nullish(),
  groupName: idString(256).nullish(),
  /** The open-source API's single flag; folded into featureFlags. */
  featureFlag: idString(256).nullish(),
});
export const eventTypeImportIn = z.strictObject({
  dryRun: z.boolean().optional(),
  replaceAll: z.boolean().optional(),
  spec: z.record(z.string(), z.unknown()).nullish(),
  specRaw: z.string().nullish(),
});
export const eventTypeUpdate = eventTypeIn.omit({ name: true });
export const eventTypePatch = eventTypeUpdate.partial();

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, "must be a valid HTTP header name");
const printable = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[\x20-\x7e]*$/, "must be printable ASCII");

/** Outbound's endpoint extension: how requests are shaped, signed and authenticated. */
export const deliveryIn = z.strictObject({
  method: z.enum(["POST", "PUT", "PATCH", "GET"]).optional(),
  traceparent: z.boolean().optional(),
  bodyEncoding: z.enum(["json", "form"]).optional(),
  signature: z
    .strictObject({
      scheme: z.enum(["standard", "hmac-sha256-hex", "hmac-sha256-base64", "none"]),
      header: headerName.optional(),
      prefix: printable(64).optional(),
    })
    .optional(),
  credentials: z
    .discriminatedUnion("type", [
      z.strictObject({
        type: z.literal("basic"),
        username: printable(256).refine((v) => !v.includes(":"), "cannot contain ':'"),
        password: printable(1024),
      }),
      z.strictObject({ type: z.literal("bearer"), token: printable(4096).min(1) }),
      z.strictObject({ type: z.literal("header"), name: headerName, value: printable(4096) }),
      z.strictObject({
        type: z.literal("applicationKey"),
        environment: z.enum(["dev", "staging", "prod"]),
        name: z
          .string()
          .min(1)
          .max(128)
          .regex(/^[a-zA-Z0-9\-_.]+$/, "may only contain letters, digits, '-', '_' and '.'"),
        key: printable(4096).min(1),
      }),
    ])
    .nullish(),
  // Structure is checked here; paths and operators by validateMapping/validateFilter (with precise locations).
  mapping: z
    .strictObject({
      fields: z.array(
        z.strictObject({ to: z.string(), from: z.string().optional(), value: z.unknown().optional() }),
      ),
      include: z.enum(["mapped-only", "all"]).optional(),
    })
    .nullish(),
  filter: z.record(z.string(), z.unknown()).nullish(),
});

const endpointFields = {
  url: z.string().min(1).max(65536),
  description: z.string().optional(),
  uid: uid.nullish(),
  disabled: z.boolean().optional(),
  eventTypes: z.array(eventTypeName).min(1).max(1000).nullish(),
  /** Svix's v1 SDKs call the event-type filter `filterTypes`. */
  filterTypes: z.array(eventTypeName).min(1).max(1000).nullish(),
  channels: z.array(channel).min(1).max(10).nullish(),
  metadata: metadata.optional(),
  throttleRate: rate.nullish(),
  rateLimit: rate.nullish(),
  version: z.number().int().optional(),
  delivery: deliveryIn.nullish(),
};
const headers = z.record(z.string(), z.string());

export const endpointIn = z.strictObject({
  ...endpointFields,
  headers: headers.optional(),
  secret: secret.nullish(),
});
export const endpointUpdate = z.strictObject(endpointFields);
export const endpointPatch = z.strictObject(endpointFields).partial();
/** Outbound's extension: names whose values are credentials even if the name does not say so (sealed, redacted). */
const sensitiveNames = z.array(z.string().max(128)).max(100).optional();
export const endpointHeadersIn = z.strictObject({ headers, sensitive: sensitiveNames });
export const endpointHeadersPatchIn = z.strictObject({
  headers: z.record(z.string(), z.string().nullable()),
  sensitive: sensitiveNames,
  /** Svix: names of headers to remove (same as sending them with a null value). */
  deleteHeaders: z.array(z.string().max(128)).max(100).optional(),
});
export const secretRotateIn = z.strictObject({
  key: secret.nullish(),
  gracePeriodSeconds: z.number().int().min(0).max(604800).nullish(),
});
export const recoverIn = z.strictObject({ since: timestamp, until: timestamp.nullish() });
export const eventExampleIn = z.strictObject({
  eventType: eventTypeName,
  /** Which of the schema's examples (Svix: default 0). */
  exampleIndex: z.number().int().min(0).max(1000).optional(),
});

/**
 * A JSON object passed through as parsed, not rebuilt: a rebuilt object would turn a `__proto__` key into a
 * prototype and drop it. Payloads are data and are kept exactly.
 */
const jsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  "must be a JSON object",
);

export const messageIn = z.strictObject({
  eventType: eventTypeName,
  payload: jsonObject,
  eventId: uid.nullish(),
  channels: z.array(channel).min(1).max(5).nullish(),
  payloadRetentionPeriod: z.number().int().min(1).max(90).optional(),
  payloadRetentionHours: z.number().int().min(1).max(2160).optional(),
  application: applicationIn.nullish(),
  tags: z.array(tag).max(5).nullish(),
  deliverAt: timestamp.nullish(),
});

const sessionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9@_-]+$/, "may only contain letters, digits, '@', '_' and '-'");

export const appPortalAccessIn = z.strictObject({
  application: applicationIn.nullish(),
  featureFlags: z.array(idString(256)).max(25).optional(),
  expiry: z.number().int().min(3600).max(604800).nullish(),
  readOnly: z.boolean().nullish(),
  sessionId: sessionId.nullish(),
});
export const applicationTokenExpireIn = z.strictObject({
  expiry: z.number().int().min(0).max(259200).nullish(),
  sessionIds: z.array(sessionId).max(1000).optional(),
});

const boolFlag = z
  .enum(["true", "false"])
  .transform((value) => value === "true")
  .optional();
const statusFilter = z
  .enum(["0", "1", "2", "3", "4"])
  .transform((value) => Number(value) as MessageStatus)
  .optional();
const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(",")).filter(Boolean))
  .pipe(z.array(eventTypeName))
  .optional();

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(250).default(50),
  iterator: z.string().max(300).optional(),
  order: z.enum(["ascending", "descending"]).optional(),
});

export const messageListQuery = pageQuery.extend({
  channel: channel.optional(),
  tag: tag.optional(),
  before: timestamp.optional(),
  after: timestamp.optional(),
  with_content: boolFlag,
  event_types: commaList,
});

/** The SDK always sends `expanded_statuses=true`; Outbound always reports expanded statuses (4 = canceled). */
const expandedStatuses = z.enum(["true"]).optional();
export const expandedStatusesQuery = z.strictObject({ expanded_statuses: expandedStatuses });

export const attemptListQuery = messageListQuery.extend({
  status: statusFilter,
  expanded_statuses: expandedStatuses,
  with_msg: boolFlag,
  status_code_class: z.enum(["0", "100", "200", "300", "400", "500"]).transform(Number).optional(),
  endpoint_id: z.string().optional(),
});

export const endpointMessagesQuery = messageListQuery.extend({
  status: statusFilter,
  expanded_statuses: expandedStatuses,
});

/** Path values that become stored identifiers (PUT create-if-missing) must follow the same patterns as bodies. */
export const appIdPath = z.object({ app_id: uid });
export const endpointIdPath = z.object({ endpoint_id: uid });
export const eventTypePath = z.object({ event_type_name: eventTypeName });

export const withContentQuery = z.strictObject({ with_content: boolFlag });
export const getIfExistsQuery = z.strictObject({ get_if_exists: boolFlag });
export const eventTypeListQuery = pageQuery.extend({ include_archived: boolFlag, with_content: boolFlag });
export const eventTypeDeleteQuery = z.strictObject({ expunge: boolFlag });
export const statsQuery = z.strictObject({ since: timestamp.optional(), until: timestamp.optional() });

/** Routes that take no body still refuse fields rather than ignore them. */
export const emptyBody = z.strictObject({});
/** Routes that take no query parameters refuse them too. */
export const noQuery = z.strictObject({});

export const replayIn = z.strictObject({ since: timestamp, until: timestamp.nullish() });
export const bulkReplayIn = z.strictObject({
  since: timestamp,
  until: timestamp.nullish(),
  eventTypes: z.array(eventTypeName).max(1000).nullish(),
  channel: channel.nullish(),
  tag: tag.nullish(),
  /** Which deliveries to replay (default: failed); 0 re-sends successes. */
  status: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).nullish(),
});
export const backgroundTaskListQuery = pageQuery.extend({
  status: z.enum(["running", "finished", "failed"]).optional(),
  task: z
    .enum([
      "endpoint.replay",
      "endpoint.recover",
      "endpoint.bulk-replay",
      "sdk.generate",
      "application.stats",
      "event-type.aggregate",
    ])
    .optional(),
});

const operationalEventTypes = z
  .array(z.enum(OPERATIONAL_EVENT_TYPES))
  .min(1)
  .max(OPERATIONAL_EVENT_TYPES.length)
  .nullish();
const operationalEndpointFields = {
  url: z.string().min(1).max(65536),
  description: z.string().optional(),
  uid: uid.nullish(),
  disabled: z.boolean().optional(),
  eventTypes: operationalEventTypes,
  filterTypes: operationalEventTypes,
  metadata: metadata.optional(),
  throttleRate: rate.nullish(),
  rateLimit: rate.nullish(),
};
export const operationalEndpointIn = z.strictObject({
  ...operationalEndpointFields,
  secret: secret.nullish(),
  headers: headers.optional(),
});
export const operationalEndpointUpsertIn = z.strictObject(operationalEndpointFields);

export const appAttemptStatsQuery = z.strictObject({
  since: timestamp,
  until: timestamp,
  event_types: commaList,
});
export const attemptStatisticsQuery = z.strictObject({
  startDate: timestamp.optional(),
  endDate: timestamp.optional(),
  period: z.enum(["OneDay", "OneHour", "FiveMinutes"]).optional(),
  event_types: commaList,
});
export const appUsageStatsIn = z.strictObject({
  since: timestamp,
  until: timestamp,
  appIds: z.array(uid).max(1000).nullish(),
});
export const cancelMessagesIn = z.strictObject({ createdBefore: timestamp });

const transformationCode = z.string().min(10).max(51200);
export const transformationPatchIn = z.strictObject({
  code: transformationCode.nullish(),
  enabled: z.boolean().optional(),
});
export const transformationSimulateIn = z.strictObject({
  code: transformationCode,
  eventType: eventTypeName,
  payload: jsonObject,
  channels: z.array(channel).max(10).nullish(),
});
