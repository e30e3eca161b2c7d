import type { Quotas } from "../config.ts";
import { createTokenBuckets, type TokenBuckets } from "../token-bucket.ts";
import type { Context } from "./context.ts";
import { TooManyRequestsError } from "./errors.ts";

/**
 * Per-application and per-token limits, so one tenant cannot starve the others: counts (endpoints, event types,
 * imports in flight) are read from the store; rates are token buckets held by this process (with several API
 * processes each holds its own, so the cluster-wide rate is the per-process rate times the processes).
 */
export interface QuotaGuard {
  /** A message for `appId` (one second of burst). */
  takeMessage(appId: string, now: number): void;
  /** A request made with a portal token (two seconds of burst). */
  takePortalRequest(tokenKey: string, now: number): void;
}

export function createQuotaGuard(quotas: Quotas): QuotaGuard {
  const messages = createTokenBuckets({ perSecond: quotas.appMessageRate, burst: quotas.appMessageRate });
  const portal = createTokenBuckets({ perSecond: quotas.portalTokenRate, burst: quotas.portalTokenRate * 2 });
  const take = (buckets: TokenBuckets, key: string, now: number, refusal: string) => {
    const wait = buckets.take(key, now);
    if (wait > 0) throw new TooManyRequestsError(refusal, wait / 1000);
  };
  const tooManyMessages = `this application sends more than ${quotas.appMessageRate} messages per second (OUTBOUND_APP_MESSAGE_RATE)`;
  const tooManyRequests = `this token makes more than ${quotas.portalTokenRate} requests per second (OUTBOUND_PORTAL_TOKEN_RATE)`;
  return {
    takeMessage: (appId, now) => take(messages, appId, now, tooManyMessages),
    takePortalRequest: (tokenKey, now) => take(portal, tokenKey, now, tooManyRequests),
  };
}

/** Refuses a new endpoint once the application has `endpointsPerApp` (this bounds a message's fan-out too). */
export async function assertEndpointQuota(ctx: Context, appId: string): Promise<void> {
  const max = ctx.config.quotas.endpointsPerApp;
  const page = await ctx.store.listEndpoints(appId, {
    limit: max,
    cursor: null,
    direction: "next",
    order: "asc",
  });
  if (page.items.length >= max) {
    throw new TooManyRequestsError(
      `this application already has ${max} endpoints (OUTBOUND_MAX_ENDPOINTS_PER_APP); delete one first`,
      60,
    );
  }
}

/** Refuses a new event type once the catalog holds `eventTypes` (archived ones included). */
export async function assertEventTypeQuota(ctx: Context): Promise<void> {
  const max = ctx.config.quotas.eventTypes;
  const page = await ctx.store.listEventTypes(
    { limit: max, cursor: null, direction: "next", order: "asc" },
    true,
  );
  if (page.items.length >= max) {
    throw new TooManyRequestsError(
      `the event catalog already has ${max} event types (OUTBOUND_MAX_EVENT_TYPES); archive or delete some first`,
      60,
    );
  }
}
