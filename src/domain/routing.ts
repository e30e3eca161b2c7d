import type { EndpointRow } from "../store/types.ts";
import { matchesFilter } from "../webhook/content-filter.ts";

export interface RoutableMessage {
  eventType: string;
  channels: string[] | null;
  payload: unknown;
}

/**
 * Svix routing: a disabled endpoint gets nothing; an event-type filter (null = all) must include the type;
 * an endpoint with channels only gets messages that carry at least one of them; a content filter must match.
 */
export function endpointWantsMessage(endpoint: EndpointRow, message: RoutableMessage): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.eventTypes !== null && !endpoint.eventTypes.includes(message.eventType)) return false;
  if (endpoint.channels !== null) {
    const channels = message.channels ?? [];
    if (!endpoint.channels.some((channel) => channels.includes(channel))) return false;
  }
  const filter = endpoint.delivery.filter;
  return !filter || matchesFilter(message.payload, filter);
}
