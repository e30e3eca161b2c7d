import { circuitOpenUntil, type EndpointClaimState, endpointsToLock, planClaims } from "../claim-policy.ts";
import { assembleClaims } from "../claims.ts";
import { toPage } from "../keyset.ts";
import type { DeliveryQueries } from "../query-families.ts";
import { toAttempt, toDelivery, toEndpoint, toMessage } from "../rows.ts";
import type { AttemptRow, DeliveryOutcome, EndpointEffect } from "../types.ts";
import { STATUS_PENDING, STATUS_SENDING } from "../types.ts";
import type { Sql } from "./database.ts";
import { keyset } from "./keyset.ts";
import { WORK_CHANNEL } from "./message-writes.ts";

/** How many due rows to lock per claim, relative to the batch size, so capped endpoints can be skipped over. */
const CANDIDATE_FACTOR = 4;
/** Arrays bound as parameters cannot carry NULL through the driver: -1 stands for "no due time". */
const NO_DUE = -1;

function attemptColumns(a: AttemptRow) {
  return {
    id: a.id,
    msg_id: a.msgId,
    app_id: a.appId,
    endpoint_id: a.endpointId,
    url: a.url,
    status: a.status,
    response_status_code: a.responseStatusCode,
    response: a.response,
    duration_ms: a.durationMs,
    trigger_type: a.triggerType,
    created_at: a.createdAt,
    request: a.request,
    response_headers: a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders),
  };
}

/** Endpoint effects grouped per endpoint, endpoints in id order (concurrent writers lock rows in one order). */
function effectsByEndpoint(outcomes: DeliveryOutcome[]): Array<[string, DeliveryOutcome[]]> {
  const byEndpoint = new Map<string, DeliveryOutcome[]>();
  for (const o of outcomes) {
    const list = byEndpoint.get(o.attempt.endpointId) ?? [];
    list.push(o);
    byEndpoint.set(o.attempt.endpointId, list);
  }
  return [...byEndpoint].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Consecutive successes change nothing more than the first: one statement for each run. */
function collapseSuccesses(outcomes: DeliveryOutcome[]): DeliveryOutcome[] {
  return outcomes.filter(
    (o, i) =>
      o.endpointEffect !== "success" || outcomes[i - 1]?.endpointEffect !== ("success" as EndpointEffect),
  );
}

/** Deadlocks between concurrent writers are retried: the transaction had no effect. */
async function retryingDeadlocks<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== "40P01" && code !== "40001") || attempt >= 5) throw error;
    }
  }
}

export function deliveryQueries(sql: Sql): DeliveryQueries {
  return {
    async claimDueDeliveries({
      now,
      limit,
      owner,
      leaseMs,
      endpointCap,
      circuitThreshold,
      rateHorizonMs,
      paused,
    }) {
      const claimed = await sql.begin(async (tx) => {
        // SKIP LOCKED: concurrent claimers take different rows instead of waiting for each other. Endpoints whose
        // cap is full with live claims (of any process: a hung receiver's) are left out of the window, or their
        // older rows would fill it and the claim would come back empty while others' work waits.
        const rows = await tx`WITH full_endpoints AS (
            SELECT s.endpoint_id FROM deliveries s JOIN endpoints e ON e.id = s.endpoint_id
            WHERE s.status = ${STATUS_SENDING} AND s.due_at > ${now}
            GROUP BY s.endpoint_id, e.consecutive_failures
            HAVING count(*) >= CASE WHEN e.consecutive_failures >= ${circuitThreshold} THEN 1 ELSE ${endpointCap} END
          )
          SELECT d.* FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
          WHERE d.status IN (1, 3) AND d.due_at <= ${now} AND NOT (d.endpoint_id = ANY(${[...paused]}::text[]))
            AND d.endpoint_id NOT IN (SELECT endpoint_id FROM full_endpoints)
            AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= ${now})
          ORDER BY d.due_at LIMIT ${limit * CANDIDATE_FACTOR} FOR UPDATE OF d SKIP LOCKED`;
        if (rows.length === 0) return null;
        const candidates = rows.map(toDelivery);
        // The endpoint row lock makes counting its live claims and adding new ones one step across processes; an
        // endpoint another claimer holds right now is skipped this round (NO KEY UPDATE leaves FK checks alone).
        const lock = (ids: string[]) =>
          ids.length === 0
            ? Promise.resolve([])
            : tx`SELECT * FROM endpoints WHERE id = ANY(${ids}::text[]) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`;
        const wanted = endpointsToLock(candidates, limit, endpointCap);
        let locked = [...(await lock(wanted.first))];
        // Some were held by other claimers: take what else is due rather than come back empty.
        if (locked.length < wanted.first.length) locked = [...locked, ...(await lock(wanted.rest))];
        if (locked.length === 0) return null;
        const endpoints = new Map(locked.map((r) => [String(r.id), toEndpoint(r)]));
        // Counted in a statement of its own, after the locks: its snapshot then includes every claim committed by
        // whoever held an endpoint before us (a count in the locking statement would use an older snapshot).
        const sending = new Map(
          (
            await tx`SELECT endpoint_id, count(*) AS n FROM deliveries
              WHERE endpoint_id = ANY(${[...endpoints.keys()]}::text[]) AND status = ${STATUS_SENDING} AND due_at > ${now}
              GROUP BY endpoint_id`
          ).map((r) => [String(r.endpoint_id), Number(r.n)]),
        );
        const states = new Map<string, EndpointClaimState>(
          locked.map((r) => [
            String(r.id),
            {
              sending: sending.get(String(r.id)) ?? 0,
              consecutiveFailures: Number(r.consecutive_failures),
              throttleRate: r.throttle_rate === null ? null : Number(r.throttle_rate),
              rateNextAt: r.rate_next_at === null ? null : Number(r.rate_next_at),
            },
          ]),
        );
        const plan = planClaims(candidates, states, {
          now,
          limit,
          endpointCap,
          circuitThreshold,
          rateHorizonMs,
        });
        if (plan.picked.length === 0) return null;
        const msgIds = plan.picked.map(({ candidate }) => candidate.msgId);
        const pickedEndpoints = plan.picked.map(({ candidate }) => candidate.endpointId);
        await tx`UPDATE deliveries d SET status = ${STATUS_SENDING}, due_at = ${now + leaseMs}, lease_owner = ${owner},
            updated_at = ${now}
          FROM unnest(${msgIds}::text[], ${pickedEndpoints}::text[]) AS v(msg_id, endpoint_id)
          WHERE d.msg_id = v.msg_id AND d.endpoint_id = v.endpoint_id`;
        if (plan.rateNextAt.size > 0) {
          await tx`UPDATE endpoints e SET rate_next_at = v.at
            FROM unnest(${[...plan.rateNextAt.keys()]}::text[], ${[...plan.rateNextAt.values()].map(String)}::float8[])
              AS v(id, at)
            WHERE e.id = v.id`;
        }
        return { plan, endpoints, msgIds };
      });
      if (!claimed) return [];
      // Messages are read after COMMIT, so endpoint locks are held for as short as possible; the claims are ours.
      const messages = new Map(
        (await sql`SELECT * FROM messages WHERE id = ANY(${[...new Set(claimed.msgIds)]}::text[])`).map(
          (r) => [String(r.id), toMessage(r)],
        ),
      );
      return assembleClaims(claimed.plan.picked, messages, claimed.endpoints, now + leaseMs);
    },

    async recordOutcomes(outcomes, { now, owner, circuit }) {
      if (outcomes.length === 0) return [];
      return retryingDeadlocks(() =>
        sql.begin(async (tx) => {
          const disabled: AttemptRow[] = [];
          await tx`INSERT INTO attempts ${tx(outcomes.map((o) => attemptColumns(o.attempt)))}`;
          // Only claims this process still holds change: after a lease expired, another process owns the delivery.
          // An attempt this process cut short (effect "none") does not move the delivery in its retry schedule.
          await tx`UPDATE deliveries d SET status = v.status, due_at = NULLIF(v.due_at, ${NO_DUE}),
              attempts = d.attempts + v.counted, lease_owner = NULL, updated_at = ${now}
            FROM unnest(${outcomes.map((o) => o.attempt.msgId)}::text[], ${outcomes.map((o) => o.attempt.endpointId)}::text[],
              ${outcomes.map((o) => String(o.status))}::smallint[], ${outcomes.map((o) => String(o.dueAt ?? NO_DUE))}::bigint[],
              ${outcomes.map((o) => (o.endpointEffect === "none" ? "0" : "1"))}::int[])
              AS v(msg_id, endpoint_id, status, due_at, counted)
            WHERE d.msg_id = v.msg_id AND d.endpoint_id = v.endpoint_id AND d.status = ${STATUS_SENDING}
              AND d.lease_owner = ${owner}`;
          for (const [endpointId, list] of effectsByEndpoint(outcomes)) {
            // Until when this batch leaves the endpoint's circuit open, if it does.
            let opensUntil: number | null = null;
            for (const o of collapseSuccesses(list)) {
              if (o.endpointEffect === "none") continue;
              if (o.endpointEffect === "success") {
                opensUntil = null;
                await tx`UPDATE endpoints SET failing_since = NULL, consecutive_failures = 0, circuit_open_until = NULL
                  WHERE id = ${endpointId} AND (failing_since IS NOT NULL OR consecutive_failures > 0)`;
              } else if (o.endpointEffect === "failure") {
                // Counted inside the transaction: concurrent failures add up to open the circuit.
                const [row] =
                  await tx`UPDATE endpoints SET failing_since = coalesce(failing_since, ${o.attempt.createdAt}),
                    consecutive_failures = consecutive_failures + 1
                  WHERE id = ${endpointId} RETURNING consecutive_failures`;
                const openUntil = circuitOpenUntil(
                  circuit,
                  Number(row?.consecutive_failures ?? 0),
                  o.attempt.createdAt,
                );
                await tx`UPDATE endpoints SET circuit_open_until = ${openUntil} WHERE id = ${endpointId}`;
                opensUntil = openUntil;
              } else {
                const changed = await tx`UPDATE endpoints SET disabled = true, updated_at = ${now}
                  WHERE id = ${endpointId} AND NOT disabled`;
                if (changed.count === 1) disabled.push(o.attempt);
              }
            }
            if (opensUntil !== null) {
              // Its queue waits for the circuit: moving it out of "due now" keeps claims from scanning past it. Once
              // per batch, with its last reopening: each failure of attempts in flight together extends the circuit.
              await tx`UPDATE deliveries SET due_at = ${opensUntil}
                WHERE endpoint_id = ${endpointId} AND status = ${STATUS_PENDING} AND due_at < ${opensUntil}`;
            }
          }
          if (outcomes.some((o) => o.status === STATUS_PENDING))
            await tx`SELECT pg_notify(${WORK_CHANNEL}, '')`;
          return disabled;
        }),
      );
    },

    async releaseDeliveries(keys, now, owner) {
      if (keys.length === 0) return;
      await sql.begin(async (tx) => {
        await tx`UPDATE deliveries d SET status = ${STATUS_PENDING}, due_at = ${now}, lease_owner = NULL, updated_at = ${now}
          FROM unnest(${keys.map((k) => k.msgId)}::text[], ${keys.map((k) => k.endpointId)}::text[]) AS v(msg_id, endpoint_id)
          WHERE d.msg_id = v.msg_id AND d.endpoint_id = v.endpoint_id AND d.status = ${STATUS_SENDING}
            AND d.lease_owner = ${owner}`;
        await tx`SELECT pg_notify(${WORK_CHANNEL}, '')`;
      });
    },

    async releaseOrphanedClaims(now) {
      // Only expired leases: a live lease belongs to a running process.
      const result =
        await sql`UPDATE deliveries SET status = ${STATUS_PENDING}, due_at = ${now}, lease_owner = NULL,
          updated_at = ${now}
        WHERE status = ${STATUS_SENDING} AND due_at <= ${now}`;
      return result.count;
    },

    async nextDueAt() {
      // The oldest due row decides unless its endpoint's circuit is open past it (work queued after the circuit
      // opened keeps its due time). Then: the oldest row not waiting for a circuit, or the earliest reopening of a
      // circuit that work waits for.
      const [head] = await sql`SELECT d.due_at, e.circuit_open_until FROM deliveries d
        JOIN endpoints e ON e.id = d.endpoint_id WHERE d.status IN (1, 3) ORDER BY d.due_at LIMIT 1`;
      if (head === undefined) return null;
      const openUntil = head.circuit_open_until === null ? null : Number(head.circuit_open_until);
      if (openUntil === null || openUntil <= Number(head.due_at)) return Number(head.due_at);
      const [r] = await sql`SELECT least(
          (SELECT d.due_at FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
           WHERE d.status IN (1, 3) AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= d.due_at)
           ORDER BY d.due_at LIMIT 1),
          (SELECT min(e.circuit_open_until) FROM endpoints e WHERE e.circuit_open_until IS NOT NULL AND EXISTS
            (SELECT 1 FROM deliveries d WHERE d.endpoint_id = e.id AND d.status IN (1, 3)
             AND d.due_at < e.circuit_open_until))) AS due`;
      return r?.due === null || r?.due === undefined ? null : Number(r.due);
    },

    async deleteAttemptsBefore(before, limit) {
      const result = await sql`DELETE FROM attempts WHERE id IN
        (SELECT id FROM attempts WHERE created_at < ${before} ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
      return result.count;
    },
    async getAttempt(appId, msgId, attemptId) {
      const [r] =
        await sql`SELECT * FROM attempts WHERE app_id = ${appId} AND msg_id = ${msgId} AND id = ${attemptId}`;
      return r ? toAttempt(r) : null;
    },
    async listAttempts(appId, filter, page) {
      let where = sql`a.app_id = ${appId}`;
      if (filter.endpointId !== undefined) where = sql`${where} AND a.endpoint_id = ${filter.endpointId}`;
      if (filter.msgId !== undefined) where = sql`${where} AND a.msg_id = ${filter.msgId}`;
      if (filter.status !== undefined) where = sql`${where} AND a.status = ${filter.status}`;
      if (filter.statusCodeClass !== undefined) {
        where =
          filter.statusCodeClass === 0
            ? sql`${where} AND a.response_status_code = 0`
            : sql`${where} AND a.response_status_code BETWEEN ${filter.statusCodeClass} AND ${filter.statusCodeClass + 99}`;
      }
      if (filter.before !== undefined) where = sql`${where} AND a.created_at < ${filter.before}`;
      if (filter.after !== undefined) where = sql`${where} AND a.created_at > ${filter.after}`;
      if (filter.eventTypes && filter.eventTypes.length > 0) {
        where = sql`${where} AND EXISTS (SELECT 1 FROM messages m WHERE m.id = a.msg_id
          AND m.event_type = ANY(${filter.eventTypes}::text[]))`;
      }
      if (filter.channel !== undefined) {
        where = sql`${where} AND EXISTS (SELECT 1 FROM messages m WHERE m.id = a.msg_id
          AND m.channels IS NOT NULL AND m.channels::jsonb ? ${filter.channel})`;
      }
      if (filter.tag !== undefined) {
        where = sql`${where} AND EXISTS (SELECT 1 FROM messages m WHERE m.id = a.msg_id
          AND m.tags IS NOT NULL AND m.tags::jsonb ? ${filter.tag})`;
      }
      const k = keyset(sql, "a.id", page);
      const rows = await sql`SELECT a.* FROM attempts a WHERE ${where} AND ${k.where}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toAttempt), page);
    },
    async expungeAttemptResponse(appId, msgId, attemptId) {
      await sql`UPDATE attempts SET response = '', response_headers = NULL WHERE app_id = ${appId} AND msg_id = ${msgId} AND id = ${attemptId}`;
    },
  };
}
