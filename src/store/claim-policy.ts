import type { CircuitPolicy } from "./types.ts";

/** What the claim knows of one endpoint, read under its lock inside the claiming transaction. */
export interface EndpointClaimState {
  /** Live claims of every process (`sending` rows whose lease has not expired). */
  sending: number;
  consecutiveFailures: number;
  /** Messages per second; null or 0 = unlimited. */
  throttleRate: number | null;
  /** The endpoint's next free rate-limit slot, shared by every process. */
  rateNextAt: number | null;
}

export interface ClaimPlan<T> {
  picked: Array<{ candidate: T; sendAt: number }>;
  /** New `rate_next_at` of the rate-limited endpoints that got claims. */
  rateNextAt: Map<string, number>;
}

/**
 * Pure: which candidates to lease and when each may be sent. Caps count every process's live claims (half-open
 * circuits allow one); a rate-limited endpoint hands out evenly spaced slots and stops once the next slot lies
 * beyond `rateHorizonMs`, so a claimed delivery never waits longer than that (well inside its lease).
 */
export function planClaims<T extends { endpointId: string }>(
  candidates: readonly T[],
  endpoints: ReadonlyMap<string, EndpointClaimState>,
  options: {
    now: number;
    limit: number;
    endpointCap: number;
    circuitThreshold: number;
    rateHorizonMs: number;
  },
): ClaimPlan<T> {
  const { now } = options;
  const rateNextAt = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const picked: ClaimPlan<T>["picked"] = [];
  for (const candidate of candidates) {
    if (picked.length >= options.limit) break;
    const state = endpoints.get(candidate.endpointId);
    if (!state) continue;
    const cap = state.consecutiveFailures >= options.circuitThreshold ? 1 : options.endpointCap;
    const used = state.sending + (inFlight.get(candidate.endpointId) ?? 0);
    if (used >= cap) continue;
    let sendAt = now;
    const rate = state.throttleRate ?? 0;
    if (rate > 0) {
      sendAt = Math.max(now, rateNextAt.get(candidate.endpointId) ?? state.rateNextAt ?? now);
      if (sendAt - now > options.rateHorizonMs) continue;
      rateNextAt.set(candidate.endpointId, sendAt + 1000 / rate);
    }
    inFlight.set(candidate.endpointId, (inFlight.get(candidate.endpointId) ?? 0) + 1);
    picked.push({ candidate, sendAt });
  }
  return { picked, rateNextAt };
}

/**
 * Pure: the endpoints a claim locks first, in the order their oldest due delivery appears, just enough of them to
 * fill the batch. Concurrent claimers then lock different endpoints instead of all of them queueing on the same
 * rows (each would otherwise lock every endpoint with due work and the others would find nothing to claim).
 */
export function endpointsToLock(
  candidates: ReadonlyArray<{ endpointId: string }>,
  limit: number,
  endpointCap: number,
): { first: string[]; rest: string[] } {
  const counts = new Map<string, number>();
  for (const c of candidates) counts.set(c.endpointId, (counts.get(c.endpointId) ?? 0) + 1);
  const first: string[] = [];
  const rest: string[] = [];
  let enough = 0;
  for (const [endpointId, count] of counts) {
    if (enough >= limit) rest.push(endpointId);
    else {
      first.push(endpointId);
      enough += Math.min(count, endpointCap);
    }
  }
  return { first, rest };
}

/** Until when an endpoint's circuit stays open after its n-th consecutive failure (null = closed). */
export function circuitOpenUntil(
  policy: CircuitPolicy,
  consecutiveFailures: number,
  now: number,
): number | null {
  if (consecutiveFailures < policy.threshold) return null;
  const doublings = Math.min(consecutiveFailures - policy.threshold, 16);
  return now + Math.min(policy.maxCooldownMs, policy.baseCooldownMs * 2 ** doublings);
}

/** What a claim at insert knows of one endpoint, read once per write batch and counted on by its writes. */
export interface InsertClaimEndpoint {
  /** Older due work of this endpoint waits for a claim (pending and due, or a lease that expired). */
  waiting: boolean;
  /** Live claims (`sending` rows whose lease has not expired), plus those this batch added. */
  sending: number;
  disabled: boolean;
  circuitOpenUntil: number | null;
  consecutiveFailures: number;
  throttleRate: number | null;
}

/** What one write batch may still lease at insert. */
export interface InsertClaimBudget {
  /** Leases the owner may still take (its concurrency minus its live claims). */
  free: number;
  /** Nothing more is leased in this batch: `free` ran out. */
  closed: boolean;
  /** Endpoints whose new deliveries stay pending in this batch: one of theirs could not be leased. */
  blocked: Set<string>;
}

/**
 * Pure: whether a new delivery is leased in the transaction that inserts it. Only what a claim would hand out at
 * once qualifies: due now, on an enabled endpoint below its cap, circuit closed and below the failure threshold, no
 * rate limit (slots are the claim's business), and nothing while older due work of its endpoint waits. Once a due
 * delivery is left pending, later ones of its endpoint (or all, when the budget ran out) are too, so nothing
 * overtakes work that waits: first come, first served per endpoint, as claims.
 * Counts the lease in `endpoint` and `budget` when it says yes.
 */
export function admitAtInsert(
  delivery: { endpointId: string; dueAt: number | null },
  endpoint: InsertClaimEndpoint | undefined,
  budget: InsertClaimBudget,
  options: { now: number; endpointCap: number; circuitThreshold: number },
): boolean {
  if (delivery.dueAt === null || delivery.dueAt > options.now) return false;
  if (budget.closed || budget.blocked.has(delivery.endpointId)) return false;
  const usable =
    endpoint !== undefined &&
    !endpoint.waiting &&
    !endpoint.disabled &&
    (endpoint.circuitOpenUntil === null || endpoint.circuitOpenUntil <= options.now) &&
    endpoint.consecutiveFailures < options.circuitThreshold &&
    !(endpoint.throttleRate !== null && endpoint.throttleRate > 0) &&
    endpoint.sending < options.endpointCap;
  if (!usable) {
    budget.blocked.add(delivery.endpointId);
    return false;
  }
  if (budget.free <= 0) {
    budget.closed = true;
    return false;
  }
  endpoint.sending += 1;
  budget.free -= 1;
  return true;
}
