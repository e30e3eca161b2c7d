import type { NewMessage } from "../directory-store.ts";
import { keysetClause, toPage } from "../keyset.ts";
import type { MessageQueries } from "../query-families.ts";
import { toEndpoint, toMessage, toPrefixedDelivery } from "../rows.ts";
import type { DeliveryRow, MessageFilter } from "../types.ts";
import {
  type MessageStatus,
  STATUS_CANCELED,
  STATUS_FAIL,
  STATUS_PENDING,
  STATUS_SENDING,
  STATUS_SUCCESS,
} from "../types.ts";
import { insertRows, type Params, placeholders, type SqliteDb } from "./database.ts";
import { createGroupCommit } from "./group-commit.ts";
import { leaseAtInsert } from "./insert-claims.ts";

const DELIVERY_COLUMNS = [
  "msg_id",
  "endpoint_id",
  "app_id",
  "status",
  "attempts",
  "due_at",
  "trigger_type",
  "created_at",
  "updated_at",
];
const INSERT_DELIVERIES = `INSERT INTO deliveries (${DELIVERY_COLUMNS.join(", ")}, lease_owner)`;
const PREFIXED_DELIVERY = DELIVERY_COLUMNS.map((column) => `d.${column} AS d_${column}`).join(", ");

function deliveryParams(row: DeliveryRow): Params {
  return [
    row.msgId,
    row.endpointId,
    row.appId,
    row.status,
    row.attempts,
    row.dueAt,
    row.triggerType,
    row.createdAt,
    row.updatedAt,
  ];
}

/** WHERE fragments shared by message and endpoint-message listings (alias m = messages). */
function messageFilterSql(filter: MessageFilter): { sql: string; params: Params } {
  const parts: string[] = [];
  const params: Params = [];
  if (filter.eventTypes && filter.eventTypes.length > 0) {
    parts.push(`m.event_type IN (${placeholders(filter.eventTypes.length)})`);
    params.push(...filter.eventTypes);
  }
  if (filter.channel !== undefined) {
    parts.push("EXISTS (SELECT 1 FROM json_each(m.channels) WHERE value = ?)");
    params.push(filter.channel);
  }
  if (filter.tag !== undefined) {
    parts.push("EXISTS (SELECT 1 FROM json_each(m.tags) WHERE value = ?)");
    params.push(filter.tag);
  }
  if (filter.before !== undefined) {
    parts.push("m.created_at < ?");
    params.push(filter.before);
  }
  if (filter.after !== undefined) {
    parts.push("m.created_at > ?");
    params.push(filter.after);
  }
  return { sql: parts.length > 0 ? parts.join(" AND ") : "1=1", params };
}

/**
 * Inserts messages and their deliveries; callers wrap it in their transaction. Deliveries inserted `sending` (leased
 * at insert) carry `leaseOwner`.
 */
export function writeMessages(
  db: SqliteDb,
  items: NewMessage[],
  leaseOwner: string | null = null,
  insert: (head: string, width: number, values: Params) => void = (head, width, values) =>
    insertRows(db, head, width, values),
): void {
  const messages: Params = [];
  const deliveries: Params = [];
  for (const { message: m, deliveries: forMessage } of items) {
    messages.push(
      m.id,
      m.appId,
      m.eventType,
      m.eventId,
      m.channels === null ? null : JSON.stringify(m.channels),
      m.payload,
      m.tags === null ? null : JSON.stringify(m.tags),
      m.deliverAt,
      m.createdAt,
      m.expiresAt,
    );
    for (const delivery of forMessage) {
      deliveries.push(...deliveryParams(delivery), delivery.status === STATUS_SENDING ? leaseOwner : null);
    }
  }
  insert(
    "INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, tags, deliver_at, created_at, expires_at)",
    10,
    messages,
  );
  if (deliveries.length > 0) insert(INSERT_DELIVERIES, DELIVERY_COLUMNS.length + 1, deliveries);
}

const INSERT_IDEMPOTENCY = "INSERT INTO idempotency (key, request_hash, created_at, status_code, body)";

export function messageQueries(db: SqliteDb): MessageQueries {
  const commits = createGroupCommit(db);
  return {
    async insertMessage(message, deliveries, idempotency, claim) {
      // Concurrent API requests share one transaction (group commit); each still sees its own outcome.
      return commits.run((batch) => {
        const leased = claim
          ? leaseAtInsert(db, batch, message, deliveries, claim)
          : { rows: deliveries, claimed: [] };
        // A duplicate eventId fails on the unique index (translated to DuplicateEventIdError by the store).
        writeMessages(db, [{ message, deliveries: leased.rows }], claim?.owner ?? null, batch.insert);
        // A crash after this commit cannot leave the key without its answer (and the client's retry duplicating).
        if (idempotency?.reserve) {
          // A key that exists refuses the insert, and with it this write alone (the batch's fallback pass).
          batch.insert(INSERT_IDEMPOTENCY, 5, [
            idempotency.key,
            idempotency.reserve.requestHash,
            idempotency.reserve.createdAt,
            idempotency.statusCode,
            idempotency.body,
          ]);
        } else if (idempotency) {
          db.prepare("UPDATE idempotency SET status_code = ?, body = ? WHERE key = ?").run(
            idempotency.statusCode,
            idempotency.body,
            idempotency.key,
          );
        }
        return leased.claimed;
      });
    },
    async getMessage(appId, idOrEventId) {
      const r =
        db.prepare("SELECT * FROM messages WHERE app_id = ? AND id = ?").get(appId, idOrEventId) ??
        db.prepare("SELECT * FROM messages WHERE app_id = ? AND event_id = ?").get(appId, idOrEventId);
      return r ? toMessage(r) : null;
    },
    async listMessages(appId, filter, page) {
      const k = keysetClause("m.id", page);
      const f = messageFilterSql(filter);
      const rows = db
        .prepare(
          `SELECT m.* FROM messages m WHERE m.app_id = ? AND ${f.sql} AND ${k.where} ORDER BY ${k.orderBy} LIMIT ?`,
        )
        .all(appId, ...f.params, ...k.params, page.limit + 1);
      return toPage(rows.map(toMessage), page);
    },
    async expungeMessagePayload(appId, msgId) {
      db.prepare("UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?").run(appId, msgId);
    },
    async expungeExpiredPayloads(now, limit) {
      const result = db
        .prepare(
          `UPDATE messages SET payload = NULL WHERE id IN
             (SELECT id FROM messages WHERE payload IS NOT NULL AND expires_at <= ? LIMIT ?)`,
        )
        .run(now, limit);
      return Number(result.changes);
    },

    async getDelivery(msgId, endpointId) {
      const r = db
        .prepare(`SELECT ${PREFIXED_DELIVERY} FROM deliveries d WHERE d.msg_id = ? AND d.endpoint_id = ?`)
        .get(msgId, endpointId);
      return r ? toPrefixedDelivery(r) : null;
    },
    async listMessageDeliveries(appId, msgId, page) {
      const k = keysetClause("d.endpoint_id", page);
      const rows = db
        .prepare(
          `SELECT ${PREFIXED_DELIVERY}, e.* FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
           WHERE d.app_id = ? AND d.msg_id = ? AND ${k.where} ORDER BY ${k.orderBy} LIMIT ?`,
        )
        .all(appId, msgId, ...k.params, page.limit + 1);
      return toPage(
        rows.map((r) => ({ delivery: toPrefixedDelivery(r), endpoint: toEndpoint(r) })),
        page,
      );
    },
    async listEndpointMessages(appId, endpointId, filter, page) {
      const k = keysetClause("d.msg_id", page);
      const f = messageFilterSql(filter);
      const status = filter.status === undefined ? "" : "AND d.status = ?";
      const statusParams = filter.status === undefined ? [] : [filter.status];
      const rows = db
        .prepare(
          `SELECT ${PREFIXED_DELIVERY}, m.* FROM deliveries d JOIN messages m ON m.id = d.msg_id
           WHERE d.app_id = ? AND d.endpoint_id = ? ${status} AND ${f.sql} AND ${k.where}
           ORDER BY ${k.orderBy} LIMIT ?`,
        )
        .all(appId, endpointId, ...statusParams, ...f.params, ...k.params, page.limit + 1);
      return toPage(
        rows.map((r) => ({ delivery: toPrefixedDelivery(r), message: toMessage(r) })),
        page,
      );
    },
    async requeueDelivery(row) {
      db.prepare(
        `INSERT INTO deliveries (${DELIVERY_COLUMNS.join(", ")}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (msg_id, endpoint_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
           due_at = excluded.due_at, lease_owner = NULL, trigger_type = excluded.trigger_type, updated_at = excluded.updated_at`,
      ).run(...deliveryParams(row));
    },
    async recoverFailedDeliveries(endpointId, since, until, now) {
      const result = db
        .prepare(
          `UPDATE deliveries SET status = ${STATUS_PENDING}, attempts = 0, due_at = ?, trigger_type = 0, updated_at = ?
           WHERE endpoint_id = ? AND status = ${STATUS_FAIL} AND created_at >= ? AND created_at < ?`,
        )
        .run(now, now, endpointId, since, until);
      return Number(result.changes);
    },
    async endpointStats(endpointId, since, until) {
      const rows = db
        .prepare(
          `SELECT status, count(*) AS n FROM deliveries WHERE endpoint_id = ? AND created_at >= ? AND created_at < ?
           GROUP BY status`,
        )
        .all(endpointId, since ?? 0, until ?? Number.MAX_SAFE_INTEGER);
      const count = (status: number) => Number(rows.find((r) => Number(r.status) === status)?.n ?? 0);
      return {
        success: count(STATUS_SUCCESS),
        pending: count(STATUS_PENDING),
        sending: count(STATUS_SENDING),
        fail: count(STATUS_FAIL),
        canceled: count(STATUS_CANCELED),
      };
    },
    async cancelPendingDeliveries(endpointId, createdBefore, now) {
      const result = db
        .prepare(
          `UPDATE deliveries SET status = ${STATUS_CANCELED}, due_at = NULL, updated_at = ?
           WHERE endpoint_id = ? AND status = ${STATUS_PENDING} AND created_at < ?`,
        )
        .run(now, endpointId, createdBefore);
      return Number(result.changes);
    },
    async countDeliveries({ appId, since, until, eventTypes, bucketMs }) {
      const parts = ["m.created_at >= ?", "m.created_at < ?"];
      const params: Params = [since, until];
      if (appId !== null) {
        parts.push("d.app_id = ?");
        params.push(appId);
      }
      if (eventTypes && eventTypes.length > 0) {
        parts.push(`m.event_type IN (${placeholders(eventTypes.length)})`);
        params.push(...eventTypes);
      }
      // Each message goes in the bucket that starts at since + n * bucketMs (bound numbers may arrive as REAL).
      const bucket = bucketMs === null ? "NULL" : "? + CAST((m.created_at - ?) / ? AS INTEGER) * ?";
      const bucketParams: Params = bucketMs === null ? [] : [since, since, bucketMs, bucketMs];
      const rows = db
        .prepare(
          `SELECT d.app_id, m.event_type, d.status, ${bucket} AS bucket, count(*) AS n
           FROM deliveries d JOIN messages m ON m.id = d.msg_id
           WHERE ${parts.join(" AND ")} GROUP BY d.app_id, m.event_type, d.status, bucket
           ORDER BY d.app_id, m.event_type, bucket`,
        )
        .all(...bucketParams, ...params);
      return rows.map((r) => ({
        appId: String(r.app_id),
        eventType: String(r.event_type),
        status: Number(r.status) as MessageStatus,
        bucket: r.bucket === null ? null : Number(r.bucket),
        count: Number(r.n),
      }));
    },
  };
}
