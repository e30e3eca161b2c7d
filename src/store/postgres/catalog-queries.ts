import { toPage } from "../keyset.ts";
import type { CatalogQueries } from "../query-families.ts";
import { toApplication, toEventType } from "../rows.ts";
import type { Sql } from "./database.ts";
import { keyset } from "./keyset.ts";

/** Tokens, applications and event types. */
export function catalogQueries(sql: Sql): CatalogQueries {
  return {
    async insertToken(row) {
      await sql`INSERT INTO tokens (id, hash, app_id, expires_at, created_at, read_only, feature_flags, session_id)
        VALUES (${row.id}, ${row.hash}, ${row.appId}, ${row.expiresAt}, ${row.createdAt}, ${row.readOnly},
          ${JSON.stringify(row.featureFlags)}, ${row.sessionId})`;
    },
    async findTokenByHash(hash) {
      const [r] = await sql`SELECT * FROM tokens WHERE hash = ${hash}`;
      if (!r) return null;
      return {
        id: String(r.id),
        hash: String(r.hash),
        appId: r.app_id === null ? null : String(r.app_id),
        expiresAt: r.expires_at === null ? null : Number(r.expires_at),
        createdAt: Number(r.created_at),
        readOnly: r.read_only === true,
        featureFlags: r.feature_flags === null ? [] : (JSON.parse(String(r.feature_flags)) as string[]),
        sessionId: r.session_id === null ? null : String(r.session_id),
      };
    },
    async deleteToken(id) {
      await sql`DELETE FROM tokens WHERE id = ${id}`;
    },
    async expireApplicationTokens(appId, expiresAt, sessionIds) {
      const sessions = sessionIds === null ? sql`TRUE` : sql`session_id = ANY(${sessionIds}::text[])`;
      const result = await sql`UPDATE tokens SET expires_at = ${expiresAt}
        WHERE app_id = ${appId} AND ${sessions} AND (expires_at IS NULL OR expires_at > ${expiresAt})`;
      return result.count;
    },
    async countAdminTokens() {
      const [r] = await sql`SELECT count(*) AS n FROM tokens WHERE app_id IS NULL`;
      return Number(r?.n ?? 0);
    },

    async insertApplication(row) {
      await sql`INSERT INTO applications (id, uid, name, metadata, throttle_rate, require_https, created_at, updated_at)
        VALUES (${row.id}, ${row.uid}, ${row.name}, ${JSON.stringify(row.metadata)}, ${row.throttleRate},
          ${row.requireHttps}, ${row.createdAt}, ${row.updatedAt})`;
    },
    async getApplication(idOrUid) {
      const [r] = await sql`SELECT * FROM applications WHERE id = ${idOrUid} OR uid = ${idOrUid} LIMIT 1`;
      return r ? toApplication(r) : null;
    },
    async listApplications(page) {
      const k = keyset(sql, "id", page);
      const rows =
        await sql`SELECT * FROM applications WHERE ${k.where} ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toApplication), page);
    },
    async updateApplication(row) {
      await sql`UPDATE applications SET uid = ${row.uid}, name = ${row.name}, metadata = ${JSON.stringify(row.metadata)},
        throttle_rate = ${row.throttleRate}, require_https = ${row.requireHttps}, updated_at = ${row.updatedAt}
        WHERE id = ${row.id}`;
    },
    async deleteApplication(id) {
      await sql`DELETE FROM applications WHERE id = ${id}`;
    },

    async insertEventType(row) {
      await sql`INSERT INTO event_types (name, description, archived, deprecated, schemas, feature_flags, group_name,
          created_at, updated_at)
        VALUES (${row.name}, ${row.description}, ${row.archived}, ${row.deprecated},
          ${row.schemas === null ? null : JSON.stringify(row.schemas)},
          ${row.featureFlags === null ? null : JSON.stringify(row.featureFlags)}, ${row.groupName},
          ${row.createdAt}, ${row.updatedAt})`;
    },
    async getEventType(name) {
      const [r] = await sql`SELECT * FROM event_types WHERE name = ${name}`;
      return r ? toEventType(r) : null;
    },
    async listEventTypes(page, includeArchived) {
      const k = keyset(sql, "name", page);
      const archived = includeArchived ? sql`TRUE` : sql`NOT archived`;
      const rows = await sql`SELECT * FROM event_types WHERE ${k.where} AND ${archived}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toEventType), page);
    },
    async updateEventType(row) {
      await sql`UPDATE event_types SET description = ${row.description}, archived = ${row.archived},
        deprecated = ${row.deprecated}, schemas = ${row.schemas === null ? null : JSON.stringify(row.schemas)},
        feature_flags = ${row.featureFlags === null ? null : JSON.stringify(row.featureFlags)},
        group_name = ${row.groupName}, updated_at = ${row.updatedAt} WHERE name = ${row.name}`;
    },
    async deleteEventType(name) {
      await sql`DELETE FROM event_types WHERE name = ${name}`;
    },
  };
}
