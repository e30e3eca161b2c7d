import { STATUS_PENDING, STATUS_SENDING } from "../types.ts";
import type { SqliteDb } from "./database.ts";

/**
 * When the worker can next claim something: the earliest of each queued delivery's due time, or its endpoint's
 * circuit reopening when that is later. An opening circuit moves its queue's due times to the reopening, but work
 * queued while it is open keeps its own, and a claim skips it.
 *
 * The oldest due row decides in one seek unless its endpoint's circuit is open past it; only then is every endpoint
 * with queued work read, one seek each (`deliveries_pending`), so a long queue behind an open circuit is never walked.
 * Leases (`sending` rows, due when they expire) are few: at most the claimers' concurrency.
 */
export function nextClaimableAt(db: SqliteDb): number | null {
  const head = db
    .prepare(
      `SELECT d.due_at, e.circuit_open_until FROM deliveries d INDEXED BY deliveries_due
       JOIN endpoints e ON e.id = d.endpoint_id
       WHERE d.status IN (${STATUS_PENDING}, ${STATUS_SENDING}) ORDER BY d.due_at LIMIT 1`,
    )
    .get();
  if (head === undefined) return null;
  const due = Number(head.due_at);
  const openUntil = head.circuit_open_until === null ? null : Number(head.circuit_open_until);
  if (openUntil === null || openUntil <= due) return due;
  const r = db
    .prepare(
      `WITH RECURSIVE queued(endpoint_id) AS (
         SELECT (SELECT endpoint_id FROM deliveries WHERE status = ${STATUS_PENDING} ORDER BY endpoint_id LIMIT 1)
         UNION ALL
         SELECT (SELECT endpoint_id FROM deliveries WHERE status = ${STATUS_PENDING} AND endpoint_id > q.endpoint_id
                 ORDER BY endpoint_id LIMIT 1)
         FROM queued q WHERE q.endpoint_id IS NOT NULL
       )
       SELECT min(due) AS due FROM (
         SELECT max((SELECT min(due_at) FROM deliveries WHERE status = ${STATUS_PENDING} AND endpoint_id = q.endpoint_id),
                    coalesce(e.circuit_open_until, 0)) AS due
         FROM queued q JOIN endpoints e ON e.id = q.endpoint_id
         UNION ALL
         SELECT max(d.due_at, coalesce(e.circuit_open_until, 0)) FROM deliveries d INDEXED BY deliveries_sending
         JOIN endpoints e ON e.id = d.endpoint_id WHERE d.status = ${STATUS_SENDING}
       )`,
    )
    .get();
  return r?.due === null || r?.due === undefined ? null : Number(r.due);
}
