import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { buildRequest } from "../../delivery/request-builder.ts";
import type { Context } from "../../domain/context.ts";
import { changedEndpointRow, newEndpointRow, requireEndpoint } from "../../domain/endpoints.ts";
import { examplePayload } from "../../domain/event-types.ts";
import { endpointWantsMessage } from "../../domain/routing.ts";
import { newId } from "../../ids.ts";
import type { ApplicationRow, EndpointRow } from "../../store/types.ts";
import { openCredentials } from "../../webhook/credentials.ts";
import {
  activeSecretKeys,
  isSealedHeader,
  openHeaders,
  openSecrets,
} from "../../webhook/endpoint-secrets.ts";
import { authorizedApp } from "../access.ts";
import { channel, endpointIn, endpointPatch, eventTypeName } from "../schemas.ts";
import { parseInput } from "../validation.ts";
import { toEndpointInput } from "./endpoints.ts";

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
    const row = newEndpointRow(ctx, application, toEndpointInput(body.endpoint));
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
      const changes = body.endpoint ? toEndpointInput(body.endpoint) : undefined;
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

export interface RequestPreview {
  /** Whether this endpoint would get the message at all (enabled, event type, channels, content filter). */
  wouldDeliver: boolean;
  method: string;
  /** With the query string for GET. */
  url: string;
  /** As the attempt log shows them: credentials and secret-looking headers masked. */
  headers: Record<string, string>;
  /** The exact body text, or null when the method sends none. */
  body: string | null;
}

/**
 * The request the worker would send for this endpoint row and payload, built by the worker's own request builder
 * but not sent. Signature headers are real for the row's secrets; the id and timestamp are this preview's own.
 */
export function previewRequest(
  ctx: Context,
  endpoint: EndpointRow,
  app: ApplicationRow,
  input: { eventType: string; payload: Record<string, unknown>; channels: string[] | null },
  userAgent: string,
): RequestPreview {
  const now = ctx.now();
  const payload = JSON.stringify(input.payload);
  const headers = openHeaders(ctx.secrets, endpoint.headers);
  const built = buildRequest({
    endpoint: { ...endpoint, headers: headers.headers },
    sensitiveHeaders: headers.sensitive,
    message: {
      id: newId("msg", now),
      appId: app.id,
      eventType: input.eventType,
      eventId: null,
      channels: input.channels,
      payload,
      tags: null,
      deliverAt: null,
      createdAt: now,
      expiresAt: now,
    },
    secrets: activeSecretKeys(openSecrets(ctx.secrets, endpoint.secretsSealed), now),
    credentials: openCredentials(ctx.secrets, endpoint.credentialsSealed),
    timestampSeconds: Math.floor(now / 1000),
    userAgent,
  });
  return {
    wouldDeliver: endpointWantsMessage(endpoint, {
      eventType: input.eventType,
      channels: input.channels,
      payload: input.payload,
    }),
    method: built.request.method,
    url: built.request.url,
    headers: built.logged.headers,
    body: built.request.body ?? null,
  };
}
