import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Context } from "../../domain/context.ts";
import { isSealedHeader } from "../../domain/endpoint-secrets.ts";
import { changedEndpointRow, newEndpointRow, requireEndpoint } from "../../domain/endpoints.ts";
import { examplePayload } from "../../domain/event-types.ts";
import { previewRequest } from "../../domain/request-preview.ts";
import type { EndpointRow } from "../../store/types.ts";
import { authorizedApp } from "../access.ts";
import { channel, endpointIn, endpointPatch, eventTypeName } from "../schemas.ts";
import { parseInput } from "../validation.ts";
import { toInput } from "./endpoints.ts";

const messageFields = {
  eventType: eventTypeName,
  /** Defaults to the event type's first schema example, the payload `send-example` sends. */
  payload: z.record(z.string(), z.unknown()).optional(),
  channels: z.array(channel).min(1).max(5).nullish(),
};
/** Unsaved builder state: the endpoint as it would be created. */
export const requestPreviewIn = z.object({ ...messageFields, endpoint: endpointIn });
/** A saved endpoint, optionally with unsaved changes applied as a PATCH would apply them. */
export const savedRequestPreviewIn = z.object({
  ...messageFields,
  endpoint: endpointPatch.extend({ headers: z.record(z.string(), z.string()).optional() }).optional(),
});

type AppParams = { app_id: string };
type EndpointParams = { app_id: string; endpoint_id: string };

/**
 * Outbound extension: the exact request an endpoint would receive for a message, built by the delivery code and
 * not sent. Nothing is stored; validation errors answer 422 exactly as saving the same endpoint would.
 */
export function registerRequestPreviewRoutes(app: FastifyInstance, ctx: Context, userAgent: string): void {
  app.post<{ Params: AppParams }>("/api/v1/app/:app_id/endpoint/preview-request", async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const body = parseInput(requestPreviewIn, request.body, "body");
    const row = newEndpointRow(ctx, application, toInput(body.endpoint));
    const payload = body.payload ?? (await examplePayload(ctx, body.eventType));
    const message = { eventType: body.eventType, payload, channels: body.channels ?? null };
    return previewRequest(ctx, row, application, message, userAgent);
  });

  app.post<{ Params: EndpointParams }>(
    "/api/v1/app/:app_id/endpoint/:endpoint_id/preview-request",
    async (request) => {
      const application = await authorizedApp(ctx, request, request.params.app_id);
      const saved = await requireEndpoint(ctx, application.id, request.params.endpoint_id);
      const body = parseInput(savedRequestPreviewIn, request.body, "body");
      const changes = body.endpoint ? toInput(body.endpoint) : undefined;
      // The builder only sees non-sensitive header values: sealed ones stay unless the draft names them.
      if (changes?.headers) changes.headers = { ...sealedHeadersOf(saved), ...changes.headers };
      const row = changes ? changedEndpointRow(ctx, application, saved, changes) : saved;
      const payload = body.payload ?? (await examplePayload(ctx, body.eventType));
      const message = { eventType: body.eventType, payload, channels: body.channels ?? null };
      return previewRequest(ctx, row, application, message, userAgent);
    },
  );
}

function sealedHeadersOf(endpoint: EndpointRow): Record<string, string> {
  return Object.fromEntries(Object.entries(endpoint.headers).filter(([, value]) => isSealedHeader(value)));
}
