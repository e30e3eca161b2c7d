import { circuitOpenUntil, planClaims } from "../claim-policy.ts";
import { assembleClaims } from "../claims.ts";
import { keysetClause, toPage } from "../keyset.ts";
import type { DeliveryQueries } from "../query-families.ts";
import { toAttempt, toEndpoint, toMessage } from "../rows.ts";
import type { AttemptRow, EndpointRow, MessageRow } from "../types.ts";
import { STATUS_PENDING, STATUS_SENDING } from "../types.ts";
import { claimCandidates } from "./claim-candidates.ts";
import { insertRows, type Params, placeholders, type SqliteDb } from "./database.ts";
import { nextClaimableAt } from "./next-claimable.ts";

const INSERT_ATTEMPTS = `INSERT INTO attempts (id, msg_id, app_id, endpoint_id, url, status, response_status_code,
  response, duration_ms, trigger_type, created_at, request, response_headers)`;
const ATTEMPT_WIDTH = 13;

/** Appends one attempt's values, in INSERT_ATTEMPTS' column order, to a multi-row insert's flat list. */
function pushAttempt(values: Params, a: AttemptRow): void {
  values.push(
    a.id,
    a.msgId,
    a.appId,
    a.endpointId,
    a.url,
    a.status,
    a.responseStatusCode,
    a.response,
    a.durationMs,
    a.triggerType,
    a.createdAt,
    a.request,
    a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders),
  );
}

export function deliveryQueries(db: SqliteDb): DeliveryQueries {
  const candidatesFor = claimCandidates(db);

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
      // BEGIN IMMEDIATE takes the database's write lock: claimers in other processes on the same file wait, so the
      // counts read here cannot change before the leases below are written.
      return db.transactionAsync(() => {
        const { rows: candidates, states } = candidatesFor({
          now,
          limit,
          endpointCap,
          circuitThreshold,
          paused,
        });
        if (candidates.length === 0) return [];
        const plan = planClaims(candidates, states, {
          now,
          limit,
          endpointCap,
          circuitThreshold,
          rateHorizonMs,
        });
        if (plan.picked.length === 0) return [];
        const lease = db.prepare(
          `UPDATE deliveries SET status = ${STATUS_SENDING}, due_at = ?, lease_owner = ?, updated_at = ?
           WHERE msg_id = ? AND endpoint_id = ?`,
        );
        for (const { candidate: d } of plan.picked)
          lease.run(now + leaseMs, owner, now, d.msgId, d.endpointId);
        const slot = db.prepare("UPDATE endpoints SET rate_next_at = ? WHERE id = ?");
        for (const [endpointId, at] of plan.rateNextAt) slot.run(at, endpointId);

        const msgIds = [...new Set(plan.picked.map(({ candidate }) => candidate.msgId))];
        const pickedEndpoints = [...new Set(plan.picked.map(({ candidate }) => candidate.endpointId))];
        const messages = new Map<string, MessageRow>(
          db
            .prepare(`SELECT * FROM messages WHERE id IN (${placeholders(msgIds.length)})`)
            .all(...msgIds)
            .map((r) => [String(r.id), toMessage(r)]),
        );
        const endpoints = new Map<string, EndpointRow>(
          db
            .prepare(`SELECT * FROM endpoints WHERE id IN (${placeholders(pickedEndpoints.length)})`)
            .all(...pickedEndpoints)
            .map((r) => [String(r.id), toEndpoint(r)]),
        );
        return assembleClaims(plan.picked, messages, endpoints, now + leaseMs);
      });
    },

    async recordOutcomes(outcomes, { now, owner, circuit }) {
      return db.transactionAsync(() => {
        const disabled: AttemptRow[] = [];
        const updateDelivery = db.prepare(
          `UPDATE deliveries SET status = ?, due_at = ?, attempts = attempts + ?, lease_owner = NULL, updated_at = ?
           WHERE msg_id = ? AND endpoint_id = ? AND status = ${STATUS_SENDING} AND lease_owner = ?`,
        );
        const healthy = db.prepare(
          `UPDATE endpoints SET failing_since = NULL, consecutive_failures = 0, circuit_open_until = NULL
           WHERE id = ? AND (failing_since IS NOT NULL OR consecutive_failures > 0)`,
        );
        // Endpoints this batch already marked healthy with nothing since: a second success changes nothing.
        const markedHealthy = new Set<string>();
        // Endpoints whose circuit this batch left open, and until when.
        const opened = new Map<string, number>();
        // The batch's attempts in multi-row INSERTs: a statement run per row cost more than the rows' own writes.
        const attempts: Params = [];
        for (const o of outcomes) pushAttempt(attempts, o.attempt);
        insertRows(db, INSERT_ATTEMPTS, ATTEMPT_WIDTH, attempts);
        for (const o of outcomes) {
          // An attempt this process cut short (shutdown) does not move the delivery in its retry schedule.
          const counted = o.endpointEffect === "none" ? 0 : 1;
          updateDelivery.run(o.status, o.dueAt, counted, now, o.attempt.msgId, o.attempt.endpointId, owner);
          const endpointId = o.attempt.endpointId;
          if (o.endpointEffect === "none") continue;
          if (o.endpointEffect === "success") {
            if (!markedHealthy.has(endpointId)) healthy.run(endpointId);
            markedHealthy.add(endpointId);
            opened.delete(endpointId);
            continue;
          }
          markedHealthy.delete(endpointId);
          if (o.endpointEffect === "failure") {
            // Read the count inside the transaction: concurrent failures must add up to open the circuit.
            const row = db
              .prepare(
                `UPDATE endpoints SET failing_since = coalesce(failing_since, ?), consecutive_failures = consecutive_failures + 1
                 WHERE id = ? RETURNING consecutive_failures`,
              )
              .get(o.attempt.createdAt, endpointId);
            const failures = Number(row?.consecutive_failures ?? 0);
            const openUntil = circuitOpenUntil(circuit, failures, o.attempt.createdAt);
            db.prepare("UPDATE endpoints SET circuit_open_until = ? WHERE id = ?").run(openUntil, endpointId);
            if (openUntil === null) opened.delete(endpointId);
            else opened.set(endpointId, openUntil);
          } else {
            const changed = db
              .prepare("UPDATE endpoints SET disabled = 1, updated_at = ? WHERE id = ? AND disabled = 0")
              .run(now, endpointId);
            if (Number(changed.changes) === 1) disabled.push(o.attempt);
          }
        }
        // The queue of an open circuit waits for it: moving it out of "due now" keeps `nextDueAt` (and the due
        // metrics) from seeing it. Once per endpoint and batch, with the batch's last reopening: the failures of
        // attempts that were in flight together each extend the circuit, and each rewrite is the whole backlog.
        const wait = db.prepare(
          `UPDATE deliveries SET due_at = ? WHERE endpoint_id = ? AND status = ${STATUS_PENDING} AND due_at < ?`,
        );
        for (const [endpointId, openUntil] of opened) wait.run(openUntil, endpointId, openUntil);
        return disabled;
      });
    },

    async releaseDeliveries(keys, now, owner) {
      db.transaction(() => {
        const release = db.prepare(
          `UPDATE deliveries SET status = ${STATUS_PENDING}, due_at = ?, lease_owner = NULL, updated_at = ?
           WHERE msg_id = ? AND endpoint_id = ? AND status = ${STATUS_SENDING} AND lease_owner = ?`,
        );
        for (const key of keys) release.run(now, now, key.msgId, key.endpointId, owner);
      });
    },

    async releaseOrphanedClaims(now) {
      // Only expired leases: a live lease belongs to a running process (perhaps another one on this database).
      const result = db
        .prepare(
          `UPDATE deliveries SET status = ${STATUS_PENDING}, due_at = ?, lease_owner = NULL, updated_at = ?
           WHERE status = ${STATUS_SENDING} AND due_at <= ?`,
        )
        .run(now, now, now);
      return Number(result.changes);
    },

    async nextDueAt() {
      return nextClaimableAt(db);
    },

    async deleteAttemptsBefore(before, limit) {
      const result = db
        .prepare(
          "DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE created_at < ? ORDER BY created_at LIMIT ?)",
        )
        .run(before, limit);
      return Number(result.changes);
    },
    async getAttempt(appId, msgId, attemptId) {
      const r = db
        .prepare("SELECT * FROM attempts WHERE app_id = ? AND msg_id = ? AND id = ?")
        .get(appId, msgId, attemptId);
      return r ? toAttempt(r) : null;
    },
    async listAttempts(appId, filter, page) {
      const parts = ["a.app_id = ?"];
      const params: Params = [appId];
      const add = (sql: string, ...values: Params) => {
        parts.push(sql);
        params.push(...values);
      };
      if (filter.endpointId !== undefined) add("a.endpoint_id = ?", filter.endpointId);
      if (filter.msgId !== undefined) add("a.msg_id = ?", filter.msgId);
      if (filter.status !== undefined) add("a.status = ?", filter.status);
      if (filter.statusCodeClass !== undefined) {
        if (filter.statusCodeClass === 0) add("a.response_status_code = 0");
        else
          add("a.response_status_code BETWEEN ? AND ?", filter.statusCodeClass, filter.statusCodeClass + 99);
      }
      if (filter.before !== undefined) add("a.created_at < ?", filter.before);
      if (filter.after !== undefined) add("a.created_at > ?", filter.after);
      if (filter.eventTypes && filter.eventTypes.length > 0) {
        add(
          `EXISTS (SELECT 1 FROM messages m WHERE m.id = a.msg_id AND m.event_type IN (${placeholders(filter.eventTypes.length)}))`,
          ...filter.eventTypes,
        );
      }
      if (filter.channel !== undefined) {
        add(
          "EXISTS (SELECT 1 FROM messages m, json_each(m.channels) c WHERE m.id = a.msg_id AND c.value = ?)",
          filter.channel,
        );
      }
      if (filter.tag !== undefined) {
        add(
          "EXISTS (SELECT 1 FROM messages m, json_each(m.tags) t WHERE m.id = a.msg_id AND t.value = ?)",
          filter.tag,
        );
      }
      const k = keysetClause("a.id", page);
      const rows = db
        .prepare(
          `SELECT a.* FROM attempts a WHERE ${parts.join(" AND ")} AND ${k.where} ORDER BY ${k.orderBy} LIMIT ?`,
        )
        .all(...params, ...k.params, page.limit + 1);
      return toPage(rows.map(toAttempt), page);
    },
    async expungeAttemptResponse(appId, msgId, attemptId) {
      db.prepare(
        "UPDATE attempts SET response = '', response_headers = NULL WHERE app_id = ? AND msg_id = ? AND id = ?",
      ).run(appId, msgId, attemptId);
    },
  };
}
