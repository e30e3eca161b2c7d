/**
 * Counts failed authentications per client address in a fixed window, so a token-guessing client shows up in
 * the log once per window (at the threshold) instead of as noise on every request or not at all.
 */
export interface AuthFailureTracker {
  /** Records one failure at `now`; true exactly when this failure reaches the threshold in its window. */
  record(address: string, now: number): boolean;
}

const MAX_TRACKED = 10_000;

export function createAuthFailureTracker(options: {
  threshold: number;
  windowMs: number;
}): AuthFailureTracker {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    record(address, now) {
      let entry = windows.get(address);
      if (!entry || now - entry.start >= options.windowMs) {
        // Bounded memory under a spray of addresses: forget everything rather than grow without limit.
        if (!entry && windows.size >= MAX_TRACKED) windows.clear();
        entry = { start: now, count: 0 };
        windows.set(address, entry);
      }
      entry.count++;
      return entry.count === options.threshold;
    },
  };
}
