import type { IdempotencyQueries } from "../query-families.ts";
import type { Sql } from "./database.ts";

export function idempotencyQueries(sql: Sql): IdempotencyQueries {
  return {
    async getIdempotency(key) {
      const [r] = await sql`SELECT * FROM idempotency WHERE key = ${key}`;
      if (!r) return null;
      return {
        key: String(r.key),
        requestHash: String(r.request_hash),
        statusCode: r.status_code === null ? 0 : Number(r.status_code),
        body: r.body === null ? "" : String(r.body),
        createdAt: Number(r.created_at),
      };
    },
    async reserveIdempotency(key, requestHash, now) {
      const rows = await sql`INSERT INTO idempotency (key, request_hash, created_at)
        VALUES (${key}, ${requestHash}, ${now}) ON CONFLICT (key) DO NOTHING`;
      return rows.count === 1;
    },
    async takeOverIdempotency(key, requestHash, now, { abandonedBefore, expiredBefore }) {
      // A concurrent taker waits for our row lock, then finds the row fresh and takes nothing.
      const taken = await sql`UPDATE idempotency SET request_hash = ${requestHash}, created_at = ${now},
          status_code = NULL, body = NULL
        WHERE key = ${key} AND ((status_code IS NULL AND created_at < ${abandonedBefore}) OR created_at < ${expiredBefore})`;
      if (taken.count === 1) return true;
      const inserted = await sql`INSERT INTO idempotency (key, request_hash, created_at)
        VALUES (${key}, ${requestHash}, ${now}) ON CONFLICT (key) DO NOTHING`;
      return inserted.count === 1;
    },
    async completeIdempotency(key, statusCode, body) {
      await sql`UPDATE idempotency SET status_code = ${statusCode}, body = ${body} WHERE key = ${key}`;
    },
    async releaseIdempotency(key) {
      await sql`DELETE FROM idempotency WHERE key = ${key}`;
    },
    async releaseAbandonedIdempotency(olderThan) {
      const rows = await sql`DELETE FROM idempotency WHERE status_code IS NULL AND created_at < ${olderThan}`;
      return rows.count;
    },
    async purgeIdempotency(olderThan) {
      return (await sql`DELETE FROM idempotency WHERE created_at < ${olderThan}`).count;
    },
  };
}
