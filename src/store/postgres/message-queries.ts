import { toPage } from "../keyset.ts";
import type { MessageQueries } from "../query-families.ts";
import { type Raw, toEndpoint, toMessage, toPrefixedDelivery } from "../rows.ts";
import type { MessageFilter } from "../types.ts";
import {
  type MessageStatus,
  STATUS_CANCELED,
  STATUS_FAIL,
  STATUS_PENDING,
  STATUS_SENDING,
  STATUS_SUCCESS,
} from "../types.ts";
import type { Queryable, Sql } from "./database.ts";
import { keyset } from "./keyset.ts";
import { createMessageGroupCommit, deliveryColumns, WORK_CHANNEL } from "./message-writes.ts";

const PREFIXED_DELIVERY =
  "d.msg_id AS d_msg_id, d.endpoint_id AS d_endpoint_id, d.app_id AS d_app_id, d.status AS d_status, d.attempts AS d_attempts, d.due_at AS d_due_at, d.trigger_type AS d_trigger_type, d.created_at AS d_created_at, d.updated_at AS d_updated_at";

/** WHERE fragment shared by message and endpoint-message listings (alias m = messages). */
export function messageFilter(sql: Queryable, filter: MessageFilter) {
  let where = sql`TRUE`;
  if (filter.eventTypes && filter.eventTypes.length > 0)
    where = sql`${where} AND m.event_type = ANY(${filter.eventTypes}::text[])`;
  if (filter.channel !== undefined)
    where = sql`${where} AND m.channels IS NOT NULL AND m.channels::jsonb ? ${filter.channel}`;
  if (filter.tag !== undefined)
    where = sql`${where} AND m.tags IS NOT NULL AND m.tags::jsonb ? ${filter.tag}`;
  if (filter.before !== undefined) where = sql`${where} AND m.created_at < ${filter.before}`;
  if (filter.after !== undefined) where = sql`${where} AND m.created_at > ${filter.after}`;
  return where;
}

export function messageQueries(sql: Sql): MessageQueries {
  const commits = createMessageGroupCommit(sql);
  return {
    async insertMessage(message, deliveries, idempotency) {
      await commits.run({ message, deliveries }, idempotency);
      return [];
    },
    async getMessage(appId, idOrEventId) {
      const [r] = await sql`SELECT * FROM messages WHERE app_id = ${appId}
        AND (id = ${idOrEventId} OR event_id = ${idOrEventId}) ORDER BY (id = ${idOrEventId}) DESC LIMIT 1`;
      return r ? toMessage(r) : null;
    },
    async listMessages(appId, filter, page) {
      const k = keyset(sql, "m.id", page);
      const rows =
        await sql`SELECT m.* FROM messages m WHERE m.app_id = ${appId} AND ${messageFilter(sql, filter)}
        AND ${k.where} ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toMessage), page);
    },
    async expungeMessagePayload(appId, msgId) {
      await sql`UPDATE messages SET payload = NULL WHERE app_id = ${appId} AND id = ${msgId}`;
    },
    async expungeExpiredPayloads(now, limit) {
      // SKIP LOCKED: processes running retention at the same time take different rows instead of waiting.
      const result = await sql`UPDATE messages SET payload = NULL WHERE id IN
        (SELECT id FROM messages WHERE payload IS NOT NULL AND expires_at <= ${now} LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
      return result.count;
    },

    async getDelivery(msgId, endpointId) {
      const [r] = await sql`SELECT ${sql.unsafe(PREFIXED_DELIVERY)} FROM deliveries d
        WHERE d.msg_id = ${msgId} AND d.endpoint_id = ${endpointId}`;
      return r ? toPrefixedDelivery(r) : null;
    },
    async listMessageDeliveries(appId, msgId, page) {
      const k = keyset(sql, "d.endpoint_id", page);
      const rows = await sql`SELECT ${sql.unsafe(PREFIXED_DELIVERY)}, e.* FROM deliveries d
        JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.app_id = ${appId} AND d.msg_id = ${msgId} AND ${k.where} ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(
        rows.map((r: Raw) => ({ delivery: toPrefixedDelivery(r), endpoint: toEndpoint(r) })),
        page,
      );
    },
    async listEndpointMessages(appId, endpointId, filter, page) {
      const k = keyset(sql, "d.msg_id", page);
      const status = filter.status === undefined ? sql`TRUE` : sql`d.status = ${filter.status}`;
      const rows = await sql`SELECT ${sql.unsafe(PREFIXED_DELIVERY)}, m.* FROM deliveries d
        JOIN messages m ON m.id = d.msg_id
        WHERE d.app_id = ${appId} AND d.endpoint_id = ${endpointId} AND ${status} AND ${messageFilter(sql, filter)}
          AND ${k.where} ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(
        rows.map((r: Raw) => ({ delivery: toPrefixedDelivery(r), message: toMessage(r) })),
        page,
      );
    },
    async requeueDelivery(row) {
      await sql.begin(async (tx) => {
        await tx`INSERT INTO deliveries ${tx(deliveryColumns(row))}
          ON CONFLICT (msg_id, endpoint_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
            due_at = excluded.due_at, lease_owner = NULL, trigger_type = excluded.trigger_type,
            updated_at = excluded.updated_at`;
        await tx`SELECT pg_notify(${WORK_CHANNEL}, '')`;
      });
    },
    async recoverFailedDeliveries(endpointId, since, until, now) {
      return sql.begin(async (tx) => {
        const result =
          await tx`UPDATE deliveries SET status = ${STATUS_PENDING}, attempts = 0, due_at = ${now},
          trigger_type = 0, updated_at = ${now}
          WHERE endpoint_id = ${endpointId} AND status = ${STATUS_FAIL} AND created_at >= ${since}
            AND created_at < ${until}`;
        if (result.count > 0) await tx`SELECT pg_notify(${WORK_CHANNEL}, '')`;
        return result.count;
      });
    },
    async endpointStats(endpointId, since, until) {
      const rows = await sql`SELECT status, count(*) AS n FROM deliveries WHERE endpoint_id = ${endpointId}
        AND created_at >= ${since ?? 0} AND created_at < ${until ?? Number.MAX_SAFE_INTEGER} GROUP BY status`;
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
      const result =
        await sql`UPDATE deliveries SET status = ${STATUS_CANCELED}, due_at = NULL, updated_at = ${now}
        WHERE endpoint_id = ${endpointId} AND status = ${STATUS_PENDING} AND created_at < ${createdBefore}`;
      return result.count;
    },
    async countDeliveries({ appId, since, until, eventTypes, bucketMs }) {
      const app = appId === null ? sql`TRUE` : sql`d.app_id = ${appId}`;
      const types =
        eventTypes && eventTypes.length > 0 ? sql`m.event_type = ANY(${eventTypes}::text[])` : sql`TRUE`;
      // Each message goes in the bucket that starts at since + n * bucketMs.
      const bucket =
        bucketMs === null
          ? sql`NULL::bigint`
          : sql`(${since}::bigint + ((m.created_at - ${since}::bigint) / ${bucketMs}::bigint) * ${bucketMs}::bigint)`;
      const rows = await sql`SELECT d.app_id, m.event_type, d.status, ${bucket} AS bucket, count(*) AS n
        FROM deliveries d JOIN messages m ON m.id = d.msg_id
        WHERE m.created_at >= ${since} AND m.created_at < ${until} AND ${app} AND ${types}
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4`;
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
