import { z } from "zod";
import type { MessageStatus } from "../store/types.ts";

/** Svix's identifier pattern, used for uids, event type names and channels. */
const ID_PATTERN = /^[a-zA-Z0-9\-_.]+$/;
const idString = (max: number) =>
  z.string().min(1).max(max).regex(ID_PATTERN, "may only contain letters, digits, '-', '_' and '.'");

export const uid = idString(256);
export const eventTypeName = idString(256);
export const channel = idString(128);
const metadata = z.record(z.string(), z.string());
// The format depends on the endpoint's signature scheme; the domain checks it (validateEndpointSecret).
const secret = z.string().min(1).max(256);
const rate = z.number().int().min(0).max(65535);
const timestamp = z.iso.datetime({ offset: true }).transform((value) => Date.parse(value));

export const applicationIn = z.object({
  name: z.string().min(1),
  uid: uid.nullish(),
  metadata: metadata.optional(),
  throttleRate: rate.nullish(),
  rateLimit: rate.nullish(),
  /** Outbound extension: every endpoint of this application must use https://. */
  requireHttps: z.boolean().optional(),
});

export const applicationPatch = applicationIn.partial();

export const eventTypeIn = z.object({
  name: eventTypeName,
  description: z.string(),
  archived: z.boolean().optional(),
  deprecated: z.boolean().optional(),
  schemas: z.record(z.string(), z.unknown()).nullish(),
  featureFlag: idString(256).nullish(),
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

export const endpointIn = z.object({
  ...endpointFields,
  headers: headers.optional(),
  secret: secret.nullish(),
});
export const endpointUpdate = z.object(endpointFields);
export const endpointPatch = z.object(endpointFields).partial();
/** Outbound's extension: names whose values are credentials even if the name does not say so (sealed, redacted). */
const sensitiveNames = z.array(z.string().max(128)).max(100).optional();
export const endpointHeadersIn = z.object({ headers, sensitive: sensitiveNames });
export const endpointHeadersPatchIn = z.object({
  headers: z.record(z.string(), z.string().nullable()),
  sensitive: sensitiveNames,
});
export const secretRotateIn = z.object({
  key: secret.nullish(),
  gracePeriodSeconds: z.number().int().min(0).max(604800).nullish(),
});
export const recoverIn = z.object({ since: timestamp, until: timestamp.nullish() });
export const eventExampleIn = z.object({ eventType: eventTypeName });

/**
 * A JSON object passed through as parsed, not rebuilt: a rebuilt object would turn a `__proto__` key into a
 * prototype and drop it. Payloads are data and are kept exactly.
 */
const jsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  "must be a JSON object",
);

export const messageIn = z.object({
  eventType: eventTypeName,
  payload: jsonObject,
  eventId: uid.nullish(),
  channels: z.array(channel).min(1).max(5).nullish(),
  payloadRetentionPeriod: z.number().int().min(1).max(90).optional(),
  application: applicationIn.nullish(),
});

export const appPortalAccessIn = z
  .object({ application: applicationIn.nullish(), featureFlags: z.array(z.string()).optional() })
  .loose();

const boolFlag = z
  .enum(["true", "false"])
  .transform((value) => value === "true")
  .optional();
const statusFilter = z
  .enum(["0", "1", "2", "3"])
  .transform((value) => Number(value) as MessageStatus)
  .optional();
const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(",")).filter(Boolean))
  .pipe(z.array(eventTypeName))
  .optional();

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(250).default(50),
  iterator: z.string().max(300).optional(),
  order: z.enum(["ascending", "descending"]).optional(),
});

export const messageListQuery = pageQuery.extend({
  channel: channel.optional(),
  before: timestamp.optional(),
  after: timestamp.optional(),
  with_content: boolFlag,
  event_types: commaList,
});

export const attemptListQuery = messageListQuery.extend({
  status: statusFilter,
  status_code_class: z.enum(["0", "100", "200", "300", "400", "500"]).transform(Number).optional(),
  endpoint_id: z.string().optional(),
});

export const endpointMessagesQuery = messageListQuery.extend({ status: statusFilter });

/** Path values that become stored identifiers (PUT create-if-missing) must follow the same patterns as bodies. */
export const appIdPath = z.object({ app_id: uid });
export const endpointIdPath = z.object({ endpoint_id: uid });
export const eventTypePath = z.object({ event_type_name: eventTypeName });

export const withContentQuery = z.object({ with_content: boolFlag });
export const getIfExistsQuery = z.object({ get_if_exists: boolFlag });
export const eventTypeListQuery = pageQuery.extend({ include_archived: boolFlag, with_content: boolFlag });
export const eventTypeDeleteQuery = z.object({ expunge: boolFlag });
export const statsQuery = z.object({ since: timestamp.optional(), until: timestamp.optional() });
