import type { Context } from "./context.ts";
import { createEventType } from "./event-types.ts";
import { prepareMessage } from "./messages.ts";

/**
 * Operational events (Svix's `endpoint.disabled`) are messages of the endpoint's own application, delivered only to
 * endpoints that list the event type explicitly: an endpoint without an event-type filter does not get them.
 */
export const ENDPOINT_DISABLED = "endpoint.disabled";

export async function ensureOperationalEventTypes(ctx: Context): Promise<void> {
  if (await ctx.store.getEventType(ENDPOINT_DISABLED)) return;
  await createEventType(
    ctx,
    ENDPOINT_DISABLED,
    {
      description:
        "An endpoint was disabled automatically (410 Gone, or failing for 5 days without a success).",
      schemas: {
        "1": {
          type: "object",
          properties: {
            type: { const: ENDPOINT_DISABLED },
            data: {
              type: "object",
              properties: {
                appId: { type: "string" },
                appUid: { type: ["string", "null"] },
                endpointId: { type: "string" },
                endpointUid: { type: ["string", "null"] },
                failSince: { type: "string", format: "date-time" },
              },
              required: ["appId", "endpointId", "failSince"],
            },
          },
          required: ["type", "data"],
        },
      },
    },
    true,
  );
}

export async function emitEndpointDisabled(
  ctx: Context,
  appId: string,
  endpointId: string,
  at: number,
): Promise<void> {
  const app = await ctx.store.getApplication(appId);
  const endpoint = app ? await ctx.store.getEndpoint(app.id, endpointId) : null;
  if (!app || !endpoint) return;
  const subscribers = (await ctx.store.listEnabledEndpoints(app.id)).filter(
    (candidate) => candidate.id !== endpoint.id && candidate.eventTypes?.includes(ENDPOINT_DISABLED),
  );
  const payload = {
    type: ENDPOINT_DISABLED,
    data: {
      appId: app.id,
      appUid: app.uid,
      endpointId: endpoint.id,
      endpointUid: endpoint.uid,
      failSince: new Date(endpoint.health.failingSince ?? at).toISOString(),
    },
  };
  const { message, deliveries } = prepareMessage(
    ctx,
    app,
    { eventType: ENDPOINT_DISABLED, payload },
    subscribers,
  );
  await ctx.store.insertMessage(message, deliveries);
  if (deliveries.length > 0) ctx.notifyWork();
}
