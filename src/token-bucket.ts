/**
 * Token buckets keyed by a name (an application id, a token id), for request quotas. Pure apart from the map it
 * keeps: the caller passes `now`, so tests drive time. A leaf module: imports nothing.
 */
export interface TokenBuckets {
  /** Takes `cost` tokens from `key`'s bucket; returns 0 when granted, else milliseconds until it would be. */
  take(key: string, now: number, cost?: number): number;
}

const MAX_KEYS = 100_000;

export function createTokenBuckets(options: { perSecond: number; burst: number }): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const { perSecond, burst } = options;
  return {
    take(key, now, cost = 1) {
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= MAX_KEYS) buckets.clear(); // bounded memory; a cleared bucket starts full
        bucket = { tokens: burst, at: now };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * perSecond) / 1000);
      bucket.at = now;
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return 0;
      }
      return Math.ceil(((cost - bucket.tokens) * 1000) / perSecond);
    },
  };
}
