/** Outcome of one delivery attempt, as the retry policy sees it. */
export type AttemptVerdict =
  | { kind: "success" }
  | { kind: "disable" } // 410 Gone: the receiver asked us to stop
  | { kind: "throttled"; retryAfterMs: number | null } // 429/502/503/504 or a timeout
  | { kind: "failure" };

export const THROTTLE_STATUSES = new Set([429, 502, 503, 504]);
/** Throttled receivers wait at least this long (capped by the schedule's longest step, so short test schedules stay short). */
export const THROTTLE_FLOOR_MS = 60_000;
/** Retry-After is honoured up to the longer of this and the schedule's longest step; absurd values are clamped. */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

export function classifyResponse(
  status: number,
  retryAfter: string | undefined,
  now = Date.now(),
): AttemptVerdict {
  if (status >= 200 && status < 300) return { kind: "success" };
  if (status === 410) return { kind: "disable" };
  if (THROTTLE_STATUSES.has(status))
    return { kind: "throttled", retryAfterMs: parseRetryAfter(retryAfter, now) };
  return { kind: "failure" };
}

/** Retry-After is either delta-seconds or an HTTP-date; anything else is ignored. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return null;
  return Math.max(0, date - now);
}

/** ±20 % jitter so retries of many deliveries do not arrive in lockstep. */
export function applyJitter(delayMs: number, random: () => number = Math.random): number {
  return Math.round(delayMs * (0.8 + 0.4 * random()));
}

/**
 * Delay before the next attempt after `attemptsMade` failed attempts, or null when the schedule is exhausted.
 * Throttled attempts wait max(scheduled, Retry-After, floor): the floor is min(60 s, longest step) and Retry-After
 * is clamped to max(1 h, longest step).
 */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
  verdict: AttemptVerdict,
  random: () => number = Math.random,
): number | null {
  if (verdict.kind === "success" || verdict.kind === "disable") return null;
  const scheduled = schedule[attemptsMade - 1];
  if (scheduled === undefined) return null;
  const jittered = applyJitter(scheduled, random);
  if (verdict.kind !== "throttled") return jittered;
  const longest = Math.max(...schedule);
  const floor = Math.min(THROTTLE_FLOOR_MS, longest);
  const requested = Math.min(verdict.retryAfterMs ?? 0, Math.max(RETRY_AFTER_CAP_MS, longest));
  return Math.max(jittered, requested, floor);
}
