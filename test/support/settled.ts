/**
 * "Nothing more will arrive" proven from the server's state instead of a quiet period: an endpoint whose stats
 * show nothing pending (due or waiting for a retry) and nothing sending has only final deliveries (success, fail,
 * canceled). Delivery rows are written in the same transaction as their message, so once the messages a test
 * sent exist, this cannot change without a new message, a resend or a recovery; and a receiver has recorded a
 * request before the worker can record its attempt, so its request count is final too.
 */
import type { Svix } from "svix";
import { eventually } from "./poll.ts";

export type EndpointStats = Awaited<ReturnType<Svix["endpoint"]["getStats"]>>;

/** Waits until every delivery to the endpoint is final; returns its stats (success/fail/canceled counts). */
export function endpointSettled(svix: Svix, appId: string, endpointId: string): Promise<EndpointStats> {
  return eventually(
    () => svix.endpoint.getStats(appId, endpointId),
    (stats) => stats.pending === 0 && stats.sending === 0,
    `nothing pending or sending for endpoint ${endpointId}`,
  );
}
