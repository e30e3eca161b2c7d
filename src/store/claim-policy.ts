/**
 * Chooses which due candidates to lease so that no endpoint exceeds its concurrency cap
 * (a hung endpoint keeps at most `cap` attempts in flight and never starves the others).
 * Candidates arrive oldest-due first; order is preserved.
 */
export function pickWithinCaps<T extends { endpointId: string }>(
  candidates: readonly T[],
  capOf: (endpointId: string) => number,
  inFlight: ReadonlyMap<string, number>,
  limit: number,
): T[] {
  const taken = new Map<string, number>();
  const picked: T[] = [];
  for (const candidate of candidates) {
    if (picked.length >= limit) break;
    const used = (inFlight.get(candidate.endpointId) ?? 0) + (taken.get(candidate.endpointId) ?? 0);
    if (used >= capOf(candidate.endpointId)) continue;
    taken.set(candidate.endpointId, (taken.get(candidate.endpointId) ?? 0) + 1);
    picked.push(candidate);
  }
  return picked;
}

/** Endpoints this process already has at the cap: the claim query skips their rows entirely. */
export function saturatedEndpoints(inFlight: ReadonlyMap<string, number>, cap: number): string[] {
  return [...inFlight].filter(([, count]) => count >= cap).map(([endpointId]) => endpointId);
}
