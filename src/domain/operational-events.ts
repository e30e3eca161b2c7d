import type { ApplicationRow, DeliveryOutcome, EndpointRow } from "../store/types.ts";
import { STATUS_FAIL, STATUS_PENDING, STATUS_SUCCESS } from "../store/types.ts";
import type { Context } from "./context.ts";
import { prepareMessage } from "./messages.ts";

/**
 * Svix's operational webhooks: events about the platform itself (endpoints created, disabled…, deliveries failing)
 * go to the operator's operational-webhook endpoints, never to applications' endpoints. Those endpoints belong to
 * an internal application that the application API never shows, so their messages are signed, retried and logged
 * by the same worker as any other.
 */
export const OPERATIONAL_APP_ID = "app_operational";

export const OPERATIONAL_EVENT_TYPES = [
  "endpoint.created",
  "endpoint.updated",
  "endpoint.deleted",
  "endpoint.disabled",
  "endpoint.enabled",
  "message.attempt.exhausted",
  "message.attempt.failing",
  "message.attempt.recovered",
] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

/** Svix sends message.attempt.failing on the fourth failed attempt of a delivery. */
export const FAILING_AFTER_ATTEMPTS = 4;

export const isOperationalApp = (appId: string): boolean => appId === OPERATIONAL_APP_ID;

/** Creates the internal application on first start. */
export async function ensureOperationalApplication(ctx: Context): Promise<void> {
  if (await ctx.store.getApplication(OPERATIONAL_APP_ID)) return;
  const now = ctx.now();
  await ctx.store.insertApplication({
    id: OPERATIONAL_APP_ID,
    uid: null,
    name: "Outbound operational webhooks",
    metadata: {},
    throttleRate: null,
    requireHttps: false,
    createdAt: now,
    updatedAt: now,
  });
}

export async function operationalApplication(ctx: Context): Promise<ApplicationRow> {
  await ensureOperationalApplication(ctx);
  const app = await ctx.store.getApplication(OPERATIONAL_APP_ID);
  if (!app) throw new Error("the operational application is missing");
  return app;
}

/**
 * Stores one operational event as a message of the internal application (routed by the endpoints' filters). Not
 * subject to the per-application message quota: the operator's own alerts are never refused.
 */
async function emit(ctx: Context, type: OperationalEventType, data: Record<string, unknown>): Promise<void> {
  const app = await ctx.store.getApplication(OPERATIONAL_APP_ID);
  const endpoints = app ? await ctx.store.listEnabledEndpoints(app.id) : [];
  if (!app || endpoints.length === 0) return;
  const timestamp = new Date(ctx.now()).toISOString();
  const { message, deliveries } = prepareMessage(
    ctx,
    app,
    { eventType: type, payload: { type, timestamp, data } },
    endpoints,
  );
  await ctx.store.insertMessage(message, deliveries);
  if (deliveries.length > 0) ctx.notifyWork();
}

/** endpoint.created/updated/deleted/enabled/disabled for an application's endpoint. */
export async function emitEndpointEvent(
  ctx: Context,
  type: Extract<OperationalEventType, `endpoint.${string}`>,
  app: Pick<ApplicationRow, "id" | "uid">,
  endpoint: EndpointRow,
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (isOperationalApp(app.id)) return;
  await emit(ctx, type, {
    appId: app.id,
    appUid: app.uid,
    endpointId: endpoint.id,
    endpointUid: endpoint.uid,
    ...extra,
  });
}

/** The worker disabled an endpoint (410 Gone, or failing for 5 days). */
export async function emitEndpointDisabled(
  ctx: Context,
  appId: string,
  endpointId: string,
  at: number,
): Promise<void> {
  const app = await ctx.store.getApplication(appId);
  const endpoint = app ? await ctx.store.getEndpoint(app.id, endpointId) : null;
  if (!app || !endpoint) return;
  await emitEndpointEvent(ctx, "endpoint.disabled", app, endpoint, {
    failSince: new Date(endpoint.health.failingSince ?? at).toISOString(),
    trigger: "automatic",
  });
}

/** Which message.attempt.* event an outcome raises, if any (pure). */
export function attemptEventFor(outcome: DeliveryOutcome): OperationalEventType | null {
  const number = outcome.attemptNumber;
  if (outcome.status === STATUS_FAIL) return "message.attempt.exhausted";
  if (outcome.status === STATUS_PENDING && number === FAILING_AFTER_ATTEMPTS)
    return "message.attempt.failing";
  // Recovered only when a failing event went out before (the fourth attempt failed).
  if (outcome.status === STATUS_SUCCESS && number !== undefined && number > FAILING_AFTER_ATTEMPTS) {
    return "message.attempt.recovered";
  }
  return null;
}

/** message.attempt.exhausted/failing/recovered for recorded delivery outcomes. */
export async function emitAttemptEvents(ctx: Context, outcomes: DeliveryOutcome[]): Promise<void> {
  for (const outcome of outcomes) {
    const type = attemptEventFor(outcome);
    const attempt = outcome.attempt;
    if (type === null || isOperationalApp(attempt.appId)) continue;
    const app = await ctx.store.getApplication(attempt.appId);
    const message = app ? await ctx.store.getMessage(app.id, attempt.msgId) : null;
    if (!app || !message) continue;
    await emit(ctx, type, {
      appId: app.id,
      appUid: app.uid,
      msgId: message.id,
      msgEventId: message.eventId,
      endpointId: attempt.endpointId,
      lastAttempt: {
        id: attempt.id,
        responseStatusCode: attempt.responseStatusCode,
        timestamp: new Date(attempt.createdAt).toISOString(),
      },
    });
  }
}
