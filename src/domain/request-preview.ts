import { buildRequest } from "../delivery/request-builder.ts";
import { newId } from "../ids.ts";
import type { ApplicationRow, EndpointRow } from "../store/types.ts";
import type { Context } from "./context.ts";
import { openCredentials } from "./delivery-options.ts";
import { activeSecretKeys, openHeaders, openSecrets } from "./endpoint-secrets.ts";
import { endpointWantsMessage } from "./routing.ts";

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
