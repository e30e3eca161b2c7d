import { z } from "zod";
import * as d from "./directory-schemas.ts";
import { requestPreviewIn, savedRequestPreviewIn } from "./routes/request-preview.ts";
import { signInIn } from "./routes/session.ts";
import * as s from "./schemas.ts";

/** One row per operation; request schemas are the same zod schemas the routes validate with. */
type Operation = [method: string, path: string, summary: string, body?: z.ZodType, query?: z.ZodType];

const APP = "/api/v1/app/{app_id}";
const EP = `${APP}/endpoint/{endpoint_id}`;
const OPERATIONS: Operation[] = [
  ["get", "/api/v1/health", "Health (no auth)"],
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
  ["get", `${APP}/msg/{msg_id}/attempt/{attempt_id}`, "Get an attempt (with the request as sent)"],
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
  ["get", `${APP}/attribute`, "List attribute definitions"],
  ["post", `${APP}/attribute`, "Create an attribute definition", d.attributeIn],
  ["patch", `${APP}/attribute/{id}`, "Change an attribute's label or choices", d.attributePatch],
  ["get", `${APP}/participant`, "List participants", undefined, d.participantListQuery],
  ["post", `${APP}/participant`, "Create a participant", d.participantIn],
  ["get", `${APP}/participant/lookup`, "Find a participant by external identifier", undefined, d.lookupQuery],
  ["patch", `${APP}/participant/{id}`, "Update a participant", d.participantIn],
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
        ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(body) } } } }
        : {}),
      responses: {
        "2XX": { description: "Success (shapes as in the Svix API for Svix routes)" },
        "4XX": { description: "`{code, detail}`, or 422 `{detail: [{loc, msg, type}]}`" },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Outbound API",
      version,
      description: "Svix-compatible webhook API with Outbound's extensions (endpoint `delivery`, directory).",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}
