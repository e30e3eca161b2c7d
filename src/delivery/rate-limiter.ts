/**
 * Per-endpoint rate limit (Svix's `throttleRate`, messages per second) as evenly spaced sends: each reservation
 * takes the next free slot, so a limited endpoint's deliveries wait in their own in-flight slots and never delay
 * other endpoints.
 */
export interface RateLimiter {
  /** Milliseconds to wait before sending to this endpoint (0 = now). */
  reserve(endpointId: string, perSecond: number, now: number): number;
  /** Endpoints whose reserved sends reach further ahead than `horizonMs`: claim nothing more for them yet. */
  backlogged(now: number, horizonMs: number): string[];
}

export function createRateLimiter(): RateLimiter {
  const nextFree = new Map<string, number>();
  return {
    reserve(endpointId, perSecond, now) {
      if (!(perSecond > 0)) return 0;
      const slot = Math.max(now, nextFree.get(endpointId) ?? now);
      nextFree.set(endpointId, slot + 1000 / perSecond);
      // Forget endpoints that went quiet so the map does not grow without bound.
      if (nextFree.size > 10_000) {
        for (const [id, at] of nextFree) if (at < now) nextFree.delete(id);
      }
      return slot - now;
    },
    backlogged(now, horizonMs) {
      return [...nextFree].filter(([, at]) => at - now > horizonMs).map(([id]) => id);
    },
  };
}
