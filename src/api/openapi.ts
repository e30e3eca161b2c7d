import { z } from "zod";
import * as d from "./directory-schemas.ts";
import { problemOut, RESPONSES, type ResponseSpec, validationErrorOut } from "./openapi-responses.ts";
import { relayAnswerIn, relayQuery } from "./relay-schemas.ts";
import { requestPreviewIn, savedRequestPreviewIn } from "./routes/request-preview.ts";
import { signInIn } from "./routes/session.ts";
import * as s from "./schemas.ts";

/** One row per operation; request schemas are the same zod schemas the routes validate with. */
type Operation = [method: string, path: string, summary: string, body?: z.ZodType, query?: z.ZodType];

const APP = "/api/v1/app/{app_id}";
const EP = `${APP}/endpoint/{endpoint_id}`;
const OPERATIONS: Operation[] = [
  [
    "get",
    `${APP}/relay`,
    "Open a relay for `outbound listen`: a Server-Sent Events stream (`ready`, then one `delivery` event per delivery) and a temporary endpoint that lives as long as the stream (operator token; Outbound extension)",
    undefined,
    relayQuery,
  ],
  [
    "post",
    `${APP}/relay/answer/{id}`,
    "Report the local receiver's answer to one relayed delivery (Outbound extension)",
    relayAnswerIn,
  ],
  ["get", "/api/v1/health", "Health (no auth): 204, or 503 when the database is unavailable"],
  ["get", "/api/v1/health/ping", "Health (no auth), the same as /health"],
  ["get", "/api/v1/health/details", "Database, worker and queue state (operator token)"],
  ["get", "/api/v1/openapi.json", "This document (no auth)"],
  ["post", "/api/v1/auth/logout", "Log out (tokens are bearer tokens: nothing to end server-side)"],
  ["get", "/api/v1/app", "List applications", undefined, s.pageQuery],
  [
    "post",
    "/api/v1/app",
    "Create an application (`requireHttps` is an Outbound extension)",
    s.applicationIn,
    s.getIfExistsQuery,
  ],
  ["get", APP, "Get an application"],
  ["put", APP, "Update or create an application", s.applicationIn],
  ["patch", APP, "Patch an application", s.applicationPatch],
  ["delete", APP, "Delete an application"],
  ["get", "/api/v1/event-type", "List event types", undefined, s.eventTypeListQuery],
  ["post", "/api/v1/event-type", "Create an event type", s.eventTypeIn],
  [
    "post",
    "/api/v1/event-type/import/openapi",
    "Create or update event types from an OpenAPI document",
    s.eventTypeImportIn,
  ],
  ["post", "/api/v1/event-type/export/openapi", "OpenAPI document of the event types (a finished task)"],
  ["get", "/api/v1/event-type/{event_type_name}", "Get an event type"],
  ["put", "/api/v1/event-type/{event_type_name}", "Update or create an event type", s.eventTypeUpdate],
  ["patch", "/api/v1/event-type/{event_type_name}", "Patch an event type", s.eventTypePatch],
  [
    "delete",
    "/api/v1/event-type/{event_type_name}",
    "Archive (or expunge) an event type",
    undefined,
    s.eventTypeDeleteQuery,
  ],
  ["get", `${APP}/endpoint`, "List endpoints", undefined, s.pageQuery],
  ["post", `${APP}/endpoint`, "Create an endpoint (`delivery` is Outbound's extension)", s.endpointIn],
  ["get", EP, "Get an endpoint"],
  ["put", EP, "Update or create an endpoint", s.endpointUpdate],
  ["patch", EP, "Patch an endpoint", s.endpointPatch],
  ["delete", EP, "Delete an endpoint"],
  ["get", `${EP}/headers`, "Get custom headers"],
  ["put", `${EP}/headers`, "Replace custom headers", s.endpointHeadersIn],
  ["patch", `${EP}/headers`, "Set or delete (null) single headers", s.endpointHeadersPatchIn],
  ["get", `${EP}/secret`, "Get the signing secret"],
  ["post", `${EP}/secret/rotate`, "Rotate the signing secret", s.secretRotateIn],
  ["get", `${EP}/stats`, "Delivery counts and circuit breaker state", undefined, s.statsQuery],
  ["post", `${EP}/send-example`, "Send an example message", s.eventExampleIn],
  [
    "post",
    `${APP}/endpoint/preview-request`,
    "Build (not send) the request for an unsaved endpoint",
    requestPreviewIn,
  ],
  [
    "post",
    `${EP}/preview-request`,
    "Build (not send) the request for a saved endpoint",
    savedRequestPreviewIn,
  ],
  [
    "post",
    `${EP}/recover`,
    "Re-queue failed messages since a time (a finished background task)",
    s.recoverIn,
  ],
  ["post", `${EP}/replay-missing`, "Send messages the endpoint never got (background task)", s.replayIn],
  [
    "post",
    `${EP}/bulk-replay`,
    "Re-send the endpoint's messages matching filters (background task)",
    s.bulkReplayIn,
  ],
  [
    "post",
    `${EP}/cancel-msgs`,
    "Cancel the endpoint's pending messages created before a time",
    s.cancelMessagesIn,
  ],
  ["get", `${EP}/transformation`, "Get the endpoint's transformation"],
  [
    "patch",
    `${EP}/transformation`,
    "Set, enable or disable the endpoint's transformation",
    s.transformationPatchIn,
  ],
  [
    "post",
    `${EP}/transformation/simulate`,
    "Run transformation code without sending",
    s.transformationSimulateIn,
  ],
  ["get", "/api/v1/background-task", "List background tasks", undefined, s.backgroundTaskListQuery],
  ["get", `${APP}/stats/attempts`, "Deliveries by outcome and event type", undefined, s.appAttemptStatsQuery],
  [
    "get",
    "/api/v1/stats/app/{app_id}/attempt",
    "Deliveries by outcome per period",
    undefined,
    s.attemptStatisticsQuery,
  ],
  ["post", "/api/v1/stats/usage/app", "Deliveries per application (a finished task)", s.appUsageStatsIn],
  ["put", "/api/v1/stats/usage/event-types", "Event types each application subscribes to (a finished task)"],
  ["get", "/api/v1/stats/endpoint/count", "Count active and disabled endpoints"],
  ["get", "/api/v1/app/stats/count-active", "Count applications with an enabled endpoint"],
  [
    "get",
    "/api/v1/operational-webhook/endpoint",
    "List operational-webhook endpoints",
    undefined,
    s.pageQuery,
  ],
  [
    "post",
    "/api/v1/operational-webhook/endpoint",
    "Create an operational-webhook endpoint",
    s.operationalEndpointIn,
  ],
  ["get", "/api/v1/operational-webhook/endpoint/{endpoint_id}", "Get an operational-webhook endpoint"],
  [
    "put",
    "/api/v1/operational-webhook/endpoint/{endpoint_id}",
    "Update or create an operational-webhook endpoint",
    s.operationalEndpointUpsertIn,
  ],
  ["delete", "/api/v1/operational-webhook/endpoint/{endpoint_id}", "Delete an operational-webhook endpoint"],
  ["get", "/api/v1/operational-webhook/endpoint/{endpoint_id}/secret", "Get its signing secret"],
  [
    "post",
    "/api/v1/operational-webhook/endpoint/{endpoint_id}/secret/rotate",
    "Rotate its secret",
    s.secretRotateIn,
  ],
  ["get", "/api/v1/operational-webhook/endpoint/{endpoint_id}/headers", "Get its custom headers"],
  [
    "put",
    "/api/v1/operational-webhook/endpoint/{endpoint_id}/headers",
    "Replace its custom headers",
    s.endpointHeadersIn,
  ],
  ["get", "/api/v1/background-task/{task_id}", "Get a background task with its progress"],
  ["get", `${EP}/msg`, "Messages seen by the endpoint", undefined, s.endpointMessagesQuery],
  ["get", `${APP}/msg`, "List messages", undefined, s.messageListQuery],
  ["post", `${APP}/msg`, "Create a message", s.messageIn, s.withContentQuery],
  ["get", `${APP}/msg/{msg_id}`, "Get a message", undefined, s.withContentQuery],
  ["delete", `${APP}/msg/{msg_id}/content`, "Expunge a message's payload"],
  ["get", `${APP}/msg/{msg_id}/endpoint`, "Delivery status per endpoint", undefined, s.pageQuery],
  ["post", `${APP}/msg/{msg_id}/endpoint/{endpoint_id}/resend`, "Resend to one endpoint"],
  ["get", `${APP}/attempt/endpoint/{endpoint_id}`, "Attempts of an endpoint", undefined, s.attemptListQuery],
  ["get", `${APP}/attempt/msg/{msg_id}`, "Attempts of a message", undefined, s.attemptListQuery],
  [
    "get",
    `${APP}/msg/{msg_id}/attempt/{attempt_id}`,
    "Get an attempt (with the request as sent)",
    undefined,
    s.expandedStatusesQuery,
  ],
  [
    "get",
    `${APP}/msg/{msg_id}/attempt/{attempt_id}/headers`,
    "The attempt's headers as sent (secrets masked) and as received",
  ],
  ["delete", `${APP}/msg/{msg_id}/attempt/{attempt_id}/content`, "Expunge an attempt's response"],
  [
    "post",
    "/api/v1/session/sign-in",
    "Dashboard sign-in: API token for a session cookie (no auth)",
    signInIn,
  ],
  [
    "get",
    "/api/v1/session",
    "Who the token or session cookie is: admin, the portal token's application, or null (no auth)",
  ],
  ["post", "/api/v1/session/sign-out", "Dashboard sign-out (clears the cookie)"],
  ["post", "/api/v1/auth/app-portal-access/{app_id}", "Token scoped to one application", s.appPortalAccessIn],
  ["post", "/api/v1/auth/logout", "Revoke the portal token in use"],
  [
    "post",
    "/api/v1/auth/app/{app_id}/expire-all",
    "Expire an application's portal tokens",
    s.applicationTokenExpireIn,
  ],
  ["get", `${APP}/issuer`, "List identifier issuers"],
  ["post", `${APP}/issuer`, "Create an identifier issuer", d.issuerIn],
  ["get", `${APP}/issuer/{id}`, "Get an identifier issuer"],
  ["delete", `${APP}/issuer/{id}`, "Delete an identifier issuer"],
  ["get", `${APP}/attribute`, "List attribute definitions"],
  ["post", `${APP}/attribute`, "Create an attribute definition", d.attributeIn],
  ["get", `${APP}/attribute/{id}`, "Get an attribute definition"],
  ["patch", `${APP}/attribute/{id}`, "Change an attribute's label or choices", d.attributePatch],
  ["delete", `${APP}/attribute/{id}`, "Delete an attribute definition"],
  ["get", `${APP}/participant`, "List participants", undefined, d.participantListQuery],
  ["post", `${APP}/participant`, "Create a participant", d.participantIn],
  ["get", `${APP}/participant/lookup`, "Find a participant by external identifier", undefined, d.lookupQuery],
  ["get", `${APP}/participant/{id}`, "Get a participant"],
  ["patch", `${APP}/participant/{id}`, "Update a participant", d.participantIn],
  ["delete", `${APP}/participant/{id}`, "Delete a participant"],
  ["post", `${APP}/participant/{id}/tags`, "Add tags", d.tagsIn],
  ["post", `${APP}/participant/{id}/unsubscribe`, "Opt a participant out"],
  [
    "post",
    `${APP}/participant/import`,
    "Import participants from a text/csv body (background job)",
    undefined,
    d.importQuery,
  ],
  [
    "get",
    `${APP}/participant/import`,
    "List import jobs, newest first (without row errors)",
    undefined,
    s.pageQuery,
  ],
  ["get", `${APP}/participant/import/{id}`, "Import job state and row errors"],
  ["post", `${APP}/distribution`, "Create an Invitation or Reminder distribution", d.distributionIn],
  ["get", `${APP}/distribution`, "List distributions", undefined, s.pageQuery],
  ["get", `${APP}/distribution/{id}`, "Distribution status and counts"],
  [
    "post",
    `${APP}/distribution/{id}/participant/{participant_id}/responded`,
    "Mark a recipient as responded",
  ],
];

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

function queryParameters(schema: z.ZodType) {
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}

const QUERY_BY_ROUTE = new Map(
  OPERATIONS.map(([method, path, , , query]) => [`${method.toUpperCase()} ${path}`, query ?? s.noQuery]),
);

/**
 * The query schema of a documented operation (`GET /api/v1/app/:app_id` as Fastify names the route), or undefined
 * for a route the document does not list. An operation that takes no query parameters gets a schema that takes none.
 */
export function documentedQuery(method: string, route: string): z.ZodType | undefined {
  return QUERY_BY_ROUTE.get(`${method} ${route.replaceAll(/:(\w+)/g, "{$1}")}`);
}

/** Request examples for the operations people call first and for Outbound's extensions. */
const EXAMPLES: Record<string, unknown> = {
  "post /api/v1/app": { name: "Acme", uid: "acme", requireHttps: true },
  [`post ${APP}/endpoint`]: {
    url: "https://crm.example.com/hooks",
    eventTypes: ["invoice.paid"],
    headers: { "X-Tenant": "acme" },
    delivery: {
      method: "POST",
      bodyEncoding: "form",
      signature: { scheme: "hmac-sha256-hex", header: "X-Hub-Signature-256", prefix: "sha256=" },
      credentials: { type: "bearer", token: "crm-token" },
      mapping: { include: "mapped-only", fields: [{ to: "email_address", from: "email" }] },
      filter: { amount: { $gte: 100 } },
    },
  },
  [`post ${APP}/msg`]: {
    eventType: "invoice.paid",
    eventId: "inv_1-paid",
    payload: { id: "inv_1", amount: 4200 },
  },
  [`post ${APP}/participant`]: {
    externalIdentifiers: [{ id: "42", issuer: "crm" }],
    attributes: { Plan: "pro" },
    tags: ["vip"],
  },
};

const PUBLIC = new Set(["/api/v1/health", "/api/v1/health/ping", "/api/v1/openapi.json"]);

const TAGS: Array<[name: string, description: string, pattern: RegExp]> = [
  ["Health", "Liveness and operator state", /^\/api\/v1\/(health|openapi)/],
  ["Authentication", "Portal tokens and logout", /^\/api\/v1\/auth\//],
  ["Event types", "The event catalog", /^\/api\/v1\/event-type/],
  ["Attempts", "Delivery attempts, with the request as sent", /\/attempt/],
  ["Messages", "Messages and their delivery per endpoint", /\/msg/],
  ["Endpoints", "Endpoints, secrets, headers and Outbound's `delivery` options", /\/endpoint/],
  [
    "Directory",
    "Outbound extension: issuers, attributes, participants, CSV imports, distributions",
    /\/(issuer|attribute|participant|distribution)/,
  ],
  ["Applications", "Applications (tenants)", /^\/api\/v1\/app/],
];

/** TAGS is in matching order (most specific first); the reference lists them in reading order. */
const TAG_ORDER = [
  "Health",
  "Authentication",
  "Applications",
  "Event types",
  "Endpoints",
  "Messages",
  "Attempts",
  "Directory",
];

function tagOf(path: string): string {
  return TAGS.find(([, , pattern]) => pattern.test(path))?.[0] ?? "Other";
}

const problem = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** The documented success answer, then the errors every route of its kind can give. */
function responsesOf(method: string, path: string, takesInput: boolean): Record<string, unknown> {
  const spec: ResponseSpec | undefined = RESPONSES[`${method} ${path}`];
  const status = spec?.status ?? (method === "delete" ? 204 : 200);
  const success = {
    description: spec?.description ?? (status === 204 ? "No content" : "Success"),
    ...(spec?.schema ? { content: { "application/json": { schema: jsonSchema(spec.schema) } } } : {}),
  };
  const responses: Record<string, unknown> = { [String(status)]: success };
  if (path.startsWith("/api/v1/health")) responses["503"] = problem("The database is unavailable");
  if (PUBLIC.has(path)) return responses;
  responses["401"] = problem("Missing or invalid bearer token");
  responses["403"] = problem("The token does not reach this route (a portal token on an operator route)");
  if (path.includes("{")) responses["404"] = problem("Unknown id (or another application's)");
  if (takesInput) {
    responses["422"] = {
      description: "Invalid input, with the location of each invalid field",
      content: { "application/json": { schema: { $ref: "#/components/schemas/HttpValidationError" } } },
    };
  }
  if (method !== "get") responses["409"] = problem("Conflict (duplicate uid, idempotency key reused)");
  responses["429"] = problem("Quota or rate limit (`Retry-After` says when to try again)");
  return responses;
}

/** Outbound's OpenAPI 3.1 document, built from the schemas the routes validate with (served at /api/v1/openapi.json). */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [method, path, summary, body, query] of OPERATIONS) {
    const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    paths[path] ??= {};
    paths[path][method] = {
      summary,
      parameters: [...pathParameters, ...(query ? queryParameters(query) : [])],
      ...(body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: jsonSchema(body),
                  ...(EXAMPLES[`${method} ${path}`] ? { example: EXAMPLES[`${method} ${path}`] } : {}),
                },
              },
            },
          }
        : {}),
      tags: [tagOf(path)],
      ...(PUBLIC.has(path) ? { security: [] } : {}),
      responses: responsesOf(method, path, body !== undefined || query !== undefined),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Outbound API",
      version,
      description: "Svix-compatible webhook API with Outbound's extensions (endpoint `delivery`, directory).",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Problem: jsonSchema(problemOut), HttpValidationError: jsonSchema(validationErrorOut) },
    },
    tags: TAG_ORDER.map((name) => ({ name, description: TAGS.find(([tag]) => tag === name)?.[1] })),
    security: [{ bearer: [] }],
    paths,
  };
}
