import type { RelayQueries } from "../query-families.ts";
import type { SqliteDb } from "./database.ts";

/** Heartbeats of `outbound listen` streams, and the relay endpoints whose stream died with its process. */
export function relayQueries(db: SqliteDb): RelayQueries {
  return {
    async touchRelaySession(url, now) {
      db.prepare(
        `INSERT INTO relay_sessions (url, heartbeat_at) VALUES (?, ?)
         ON CONFLICT (url) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      ).run(url, now);
    },
    async deleteRelaySession(url) {
      db.prepare("DELETE FROM relay_sessions WHERE url = ?").run(url);
    },
    async deleteStaleRelaySessions(staleBefore) {
      return Number(db.prepare("DELETE FROM relay_sessions WHERE heartbeat_at < ?").run(staleBefore).changes);
    },
    async listAbandonedRelayEndpoints(urlPrefix, staleBefore, limit) {
      const rows = db
        .prepare(
          `SELECT e.app_id, e.id FROM endpoints e
           WHERE substr(e.url, 1, ?) = ?
             AND NOT EXISTS (SELECT 1 FROM relay_sessions r WHERE r.url = e.url AND r.heartbeat_at >= ?)
           ORDER BY e.id LIMIT ?`,
        )
        .all(urlPrefix.length, urlPrefix, staleBefore, limit);
      return rows.map((r) => ({ appId: String(r.app_id), endpointId: String(r.id) }));
    },
  };
}
