import { admitAtInsert, type InsertClaimBudget, type InsertClaimEndpoint } from "../claim-policy.ts";
import { toEndpoint } from "../rows.ts";
import type { ClaimedDelivery, DeliveryRow, EndpointRow, InsertClaim, MessageRow } from "../types.ts";
import { STATUS_PENDING, STATUS_SENDING } from "../types.ts";
import type { SqliteDb } from "./database.ts";
import type { WriteBatch } from "./group-commit.ts";

interface EndpointState {
  row: EndpointRow;
  claim: InsertClaimEndpoint;
}

/**
 * Decides, inside the inserting transaction, which of a new message's deliveries are leased to `claim.owner` at
 * once (see `admitAtInsert`). What it reads is read once per write batch: the owner's live claims, and each
 * endpoint's row with its live claims and whether older due work of its own waits. The write lock is held, so
 * nothing changes meanwhile but this batch's own leases, which are counted as they are taken.
 */
export function leaseAtInsert(
  db: SqliteDb,
  batch: WriteBatch,
  message: MessageRow,
  deliveries: readonly DeliveryRow[],
  claim: InsertClaim,
): { rows: DeliveryRow[]; claimed: ClaimedDelivery[] } {
  const { now } = claim;
  const budget = batch.memo<InsertClaimBudget>(`claim-budget:${claim.owner}`, () => {
    // One claimer per database (claimsAtInsert): every live lease is this process's.
    const live = db
      .prepare(`SELECT count(*) AS n FROM deliveries WHERE status = ${STATUS_SENDING} AND due_at > ?`)
      .get(now);
    return { free: claim.limit - Number(live?.n ?? 0), closed: false, blocked: new Set() };
  });
  const rows: DeliveryRow[] = [];
  const claimed: ClaimedDelivery[] = [];
  const leaseUntil = now + claim.leaseMs;
  for (const delivery of deliveries) {
    const state = budget.closed ? undefined : endpointState(db, batch, delivery.endpointId, now);
    if (admitAtInsert(delivery, state?.claim, budget, claim) && state) {
      const leased: DeliveryRow = { ...delivery, status: STATUS_SENDING, dueAt: leaseUntil };
      rows.push(leased);
      claimed.push({ delivery: leased, message, endpoint: state.row, sendAt: now });
    } else rows.push(delivery);
  }
  return { rows, claimed };
}

function endpointState(
  db: SqliteDb,
  batch: WriteBatch,
  endpointId: string,
  now: number,
): EndpointState | undefined {
  return batch.memo(`claim-endpoint:${endpointId}`, () => {
    // Due work of this endpoint (pending, or a lease that expired) is the claim scan's: new deliveries must not
    // overtake it. Other endpoints' queues do not matter here.
    const r = db
      .prepare(
        `SELECT e.*,
           (SELECT count(*) FROM deliveries s WHERE s.endpoint_id = e.id AND s.status = ${STATUS_SENDING}
              AND s.due_at > ?) AS live_claims,
           EXISTS (SELECT 1 FROM deliveries p WHERE p.endpoint_id = e.id AND p.status = ${STATUS_PENDING}
              AND p.due_at <= ?) AS pending_due,
           EXISTS (SELECT 1 FROM deliveries x WHERE x.endpoint_id = e.id AND x.status = ${STATUS_SENDING}
              AND x.due_at <= ?) AS expired_leases
         FROM endpoints e WHERE e.id = ?`,
      )
      .get(now, now, now, endpointId);
    if (!r) return undefined;
    const row = toEndpoint(r);
    return {
      row,
      claim: {
        waiting: Number(r.pending_due) === 1 || Number(r.expired_leases) === 1,
        sending: Number(r.live_claims),
        disabled: row.disabled,
        circuitOpenUntil: row.health.circuitOpenUntil,
        consecutiveFailures: row.health.consecutiveFailures,
        throttleRate: row.throttleRate,
      },
    };
  });
}
