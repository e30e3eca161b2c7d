import type { Store } from "../store/store.ts";

/** Rows per retention transaction: small enough that no batch holds locks for long. */
export const RETENTION_BATCH = 1_000;

export interface RetentionPolicy {
  idempotencyTtlMs: number;
  leaseMs: number;
  attemptRetentionMs: number;
}

export interface RetentionResult {
  payloads: number;
  attempts: number;
  idempotency: number;
  orphanedClaims: number;
}

/** Runs `step` until it returns less than a full batch, yielding between batches so requests are served meanwhile. */
async function inBatches(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await step();
    total += count;
    if (count < RETENTION_BATCH) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The scheduled clean-up every process runs (safe concurrently: each batch is its own short transaction): expired
 * payloads, attempts past retention, old idempotency keys, reservations and claims whose process died.
 */
export async function runRetention(
  store: Store,
  now: number,
  policy: RetentionPolicy,
): Promise<RetentionResult> {
  const payloads = await inBatches(() => store.expungeExpiredPayloads(now, RETENTION_BATCH));
  const attempts = await inBatches(() =>
    store.deleteAttemptsBefore(now - policy.attemptRetentionMs, RETENTION_BATCH),
  );
  const idempotency =
    (await store.purgeIdempotency(now - policy.idempotencyTtlMs)) +
    (await store.releaseAbandonedIdempotency(now - policy.leaseMs));
  const orphanedClaims = await store.releaseOrphanedClaims(now);
  return { payloads, attempts, idempotency, orphanedClaims };
}
