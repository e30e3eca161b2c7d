import { circuitOpenUntil as openUntil } from "../store/claim-policy.ts";
import type { CircuitPolicy } from "../store/types.ts";

/**
 * Per-endpoint circuit breaker. After THRESHOLD consecutive failed attempts the endpoint is "open": the worker
 * stops claiming its deliveries until the cooldown passes, so a dead receiver does not hold worker slots. Then it is
 * "half-open": one attempt at a time; a success closes it, a failure re-opens it with a doubled cooldown.
 */
export const CIRCUIT_THRESHOLD = 5;
const BASE_COOLDOWN_MS = 5_000;
const MAX_COOLDOWN_MS = 10 * 60_000;

export type CircuitState = "closed" | "open" | "half-open";

export interface Cooldown {
  baseMs: number;
  maxMs: number;
}

/**
 * Cooldowns never exceed the retry schedule's longest step, so the breaker cannot postpone a retry (or the final
 * "failed" verdict) by more than the schedule itself would: 5 s doubling to 10 min with the default schedule.
 */
export function cooldownFor(retryScheduleMs: readonly number[]): Cooldown {
  const longest = Math.max(...retryScheduleMs);
  return { baseMs: Math.min(BASE_COOLDOWN_MS, longest), maxMs: Math.min(MAX_COOLDOWN_MS, longest) };
}

/** When the circuit should stay open until, given the failure count after this attempt; null = stays closed. */
export function circuitOpenUntil(
  consecutiveFailures: number,
  now: number,
  cooldown: Cooldown,
): number | null {
  return openUntil(circuitPolicy(cooldown), consecutiveFailures, now);
}

/** The rule as data, for the store to apply inside the transaction that counts the failure. */
export function circuitPolicy(cooldown: Cooldown): CircuitPolicy {
  return { threshold: CIRCUIT_THRESHOLD, baseCooldownMs: cooldown.baseMs, maxCooldownMs: cooldown.maxMs };
}

export function circuitState(
  consecutiveFailures: number,
  openUntil: number | null,
  now: number,
): CircuitState {
  if (consecutiveFailures < CIRCUIT_THRESHOLD) return "closed";
  return openUntil !== null && openUntil > now ? "open" : "half-open";
}
