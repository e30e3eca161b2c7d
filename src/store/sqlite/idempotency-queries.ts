import type { IdempotencyQueries } from "../query-families.ts";
import type { SqliteDb } from "./database.ts";

export function idempotencyQueries(db: SqliteDb): IdempotencyQueries {
  return {
    async getIdempotency(key) {
      const r = db.prepare("SELECT * FROM idempotency WHERE key = ?").get(key);
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
      const result = db
        .prepare(
          "INSERT INTO idempotency (key, request_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .run(key, requestHash, now);
      return Number(result.changes) === 1;
    },
    async takeOverIdempotency(key, requestHash, now, { abandonedBefore, expiredBefore }) {
      const taken = db
        .prepare(
          `UPDATE idempotency SET request_hash = ?, created_at = ?, status_code = NULL, body = NULL
           WHERE key = ? AND ((status_code IS NULL AND created_at < ?) OR created_at < ?)`,
        )
        .run(requestHash, now, key, abandonedBefore, expiredBefore);
      if (Number(taken.changes) === 1) return true;
      const inserted = db
        .prepare(
          "INSERT INTO idempotency (key, request_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .run(key, requestHash, now);
      return Number(inserted.changes) === 1;
    },
    async completeIdempotency(key, statusCode, body) {
      db.prepare("UPDATE idempotency SET status_code = ?, body = ? WHERE key = ?").run(statusCode, body, key);
    },
    async releaseIdempotency(key) {
      db.prepare("DELETE FROM idempotency WHERE key = ?").run(key);
    },
    async releaseAbandonedIdempotency(olderThan) {
      const result = db
        .prepare("DELETE FROM idempotency WHERE status_code IS NULL AND created_at < ?")
        .run(olderThan);
      return Number(result.changes);
    },
    async purgeIdempotency(olderThan) {
      return Number(db.prepare("DELETE FROM idempotency WHERE created_at < ?").run(olderThan).changes);
    },
  };
}
