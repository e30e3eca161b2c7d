import { DEFAULT_TOLERANCE_SECONDS, type DeliveryIdentity } from "./verify.ts";

export interface ReplayGuardOptions {
  /** Keep in step with `verifyWebhook`'s tolerance: older requests are refused by the timestamp check anyway. */
  toleranceSeconds?: number;
  now?: () => number;
  /** Upper bound on remembered deliveries (default 100,000); the oldest go first. */
  maxEntries?: number;
}

/**
 * An in-memory `isReplay` hook for one process. It remembers `webhook-id` + `webhook-timestamp`: a captured request
 * sent again is refused, while Outbound's own retries of the same message (same id, new timestamp and signature)
 * still pass, so a delivery your handler failed is not lost. Requests without a signed timestamp (raw-HMAC schemes)
 * are not tracked: de-duplicate those by `webhook-id` in your handler. Several processes need a shared store
 * (e.g. Redis `SET key 1 NX EX <tolerance*2>`) behind the same hook.
 */
export function createReplayGuard(options: ReplayGuardOptions = {}): (delivery: DeliveryIdentity) => boolean {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const seen = new Map<string, number>(); // key -> forget after (seconds); insertion order = arrival order
  return ({ id, timestamp }) => {
    if (timestamp === undefined) return false;
    const nowSeconds = Math.floor(now() / 1000);
    for (const [key, forgetAt] of seen) {
      if (forgetAt > nowSeconds && seen.size < maxEntries) break;
      seen.delete(key);
    }
    const key = `${id}.${timestamp}`;
    if (seen.has(key)) return true;
    seen.set(key, Math.max(timestamp, nowSeconds) + tolerance);
    return false;
  };
}
