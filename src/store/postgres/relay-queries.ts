import type { RelayQueries } from "../query-families.ts";
import type { Sql } from "./database.ts";

/** Heartbeats of `outbound listen` streams, and the relay endpoints whose stream died with its process. */
export function relayQueries(sql: Sql): RelayQueries {
  return {
    async touchRelaySession(url, now) {
      await sql`INSERT INTO relay_sessions (url, heartbeat_at) VALUES (${url}, ${now})
        ON CONFLICT (url) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`;
    },
    async deleteRelaySession(url) {
      await sql`DELETE FROM relay_sessions WHERE url = ${url}`;
    },
    async deleteStaleRelaySessions(staleBefore) {
      return (await sql`DELETE FROM relay_sessions WHERE heartbeat_at < ${staleBefore}`).count;
    },
    async listAbandonedRelayEndpoints(urlPrefix, staleBefore, limit) {
      const rows = await sql`SELECT e.app_id, e.id FROM endpoints e
        WHERE left(e.url, ${urlPrefix.length}) = ${urlPrefix}
          AND NOT EXISTS (SELECT 1 FROM relay_sessions r WHERE r.url = e.url AND r.heartbeat_at >= ${staleBefore})
        ORDER BY e.id LIMIT ${limit}`;
      return rows.map((r) => ({ appId: String(r.app_id), endpointId: String(r.id) }));
    },
  };
}
