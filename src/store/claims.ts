import type { ClaimedDelivery, DeliveryRow, EndpointRow, MessageRow } from "./types.ts";
import { STATUS_SENDING } from "./types.ts";

/** The claimed deliveries with their message and endpoint, as the worker receives them (shared by both stores). */
export function assembleClaims(
  picked: ReadonlyArray<{ candidate: DeliveryRow; sendAt: number }>,
  messages: ReadonlyMap<string, MessageRow>,
  endpoints: ReadonlyMap<string, EndpointRow>,
  leaseUntil: number,
): ClaimedDelivery[] {
  const claimed: ClaimedDelivery[] = [];
  for (const { candidate, sendAt } of picked) {
    const message = messages.get(candidate.msgId);
    const endpoint = endpoints.get(candidate.endpointId);
    if (message && endpoint) {
      claimed.push({
        delivery: { ...candidate, status: STATUS_SENDING, dueAt: leaseUntil },
        message,
        endpoint,
        sendAt,
      });
    }
  }
  return claimed;
}
