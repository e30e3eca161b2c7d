import { keysetClause, toPage } from "../keyset.ts";
import type { CatalogQueries } from "../query-families.ts";
import { toApplication, toEventType } from "../rows.ts";
import type { ApplicationRow, EventTypeRow } from "../types.ts";
import { placeholders, type SqliteDb } from "./database.ts";

function applicationParams(row: ApplicationRow) {
  return [
    row.uid,
    row.name,
    JSON.stringify(row.metadata),
    row.throttleRate,
    row.requireHttps ? 1 : 0,
    row.updatedAt,
    row.id,
  ];
}

function eventTypeParams(row: EventTypeRow) {
  return [
    row.description,
    row.archived ? 1 : 0,
    row.deprecated ? 1 : 0,
    row.schemas === null ? null : JSON.stringify(row.schemas),
    row.featureFlags === null ? null : JSON.stringify(row.featureFlags),
    row.groupName,
    row.updatedAt,
    row.name,
  ];
}

/** Tokens, applications and event types. */
export function catalogQueries(db: SqliteDb): CatalogQueries {
  return {
    async insertToken(row) {
      db.prepare(
        `INSERT INTO tokens (id, hash, app_id, expires_at, created_at, read_only, feature_flags, session_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.id,
        row.hash,
        row.appId,
        row.expiresAt,
        row.createdAt,
        row.readOnly ? 1 : 0,
        JSON.stringify(row.featureFlags),
        row.sessionId,
      );
    },
    async findTokenByHash(hash) {
      const r = db.prepare("SELECT * FROM tokens WHERE hash = ?").get(hash);
      if (!r) return null;
      return {
        id: String(r.id),
        hash: String(r.hash),
        appId: r.app_id === null ? null : String(r.app_id),
        expiresAt: r.expires_at === null ? null : Number(r.expires_at),
        createdAt: Number(r.created_at),
        readOnly: r.read_only === 1,
        featureFlags: r.feature_flags === null ? [] : (JSON.parse(String(r.feature_flags)) as string[]),
        sessionId: r.session_id === null ? null : String(r.session_id),
      };
    },
    async deleteToken(id) {
      db.prepare("DELETE FROM tokens WHERE id = ?").run(id);
    },
    async expireApplicationTokens(appId, expiresAt, sessionIds) {
      const sessions = sessionIds === null ? "" : `AND session_id IN (${placeholders(sessionIds.length)})`;
      const result = db
        .prepare(
          `UPDATE tokens SET expires_at = ? WHERE app_id = ? ${sessions}
           AND (expires_at IS NULL OR expires_at > ?)`,
        )
        .run(expiresAt, appId, ...(sessionIds ?? []), expiresAt);
      return Number(result.changes);
    },
    async countAdminTokens() {
      const r = db.prepare("SELECT count(*) AS n FROM tokens WHERE app_id IS NULL").get();
      return Number(r?.n ?? 0);
    },

    async insertApplication(row) {
      db.prepare(
        "INSERT INTO applications (uid, name, metadata, throttle_rate, require_https, updated_at, id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(...applicationParams(row), row.createdAt);
    },
    async getApplication(idOrUid) {
      const r = db.prepare("SELECT * FROM applications WHERE id = ? OR uid = ?").get(idOrUid, idOrUid);
      return r ? toApplication(r) : null;
    },
    async listApplications(page) {
      const k = keysetClause("id", page);
      const rows = db
        .prepare(`SELECT * FROM applications WHERE ${k.where} ORDER BY ${k.orderBy} LIMIT ?`)
        .all(...k.params, page.limit + 1);
      return toPage(rows.map(toApplication), page);
    },
    async updateApplication(row) {
      db.prepare(
        "UPDATE applications SET uid = ?, name = ?, metadata = ?, throttle_rate = ?, require_https = ?, updated_at = ? WHERE id = ?",
      ).run(...applicationParams(row));
    },
    async deleteApplication(id) {
      db.prepare("DELETE FROM applications WHERE id = ?").run(id);
    },

    async insertEventType(row) {
      db.prepare(
        `INSERT INTO event_types (description, archived, deprecated, schemas, feature_flags, group_name, updated_at, name,
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...eventTypeParams(row), row.createdAt);
    },
    async getEventType(name) {
      const r = db.prepare("SELECT * FROM event_types WHERE name = ?").get(name);
      return r ? toEventType(r) : null;
    },
    async listEventTypes(page, includeArchived) {
      const k = keysetClause("name", page);
      const archived = includeArchived ? "" : "AND archived = 0";
      const rows = db
        .prepare(`SELECT * FROM event_types WHERE ${k.where} ${archived} ORDER BY ${k.orderBy} LIMIT ?`)
        .all(...k.params, page.limit + 1);
      return toPage(rows.map(toEventType), page);
    },
    async updateEventType(row) {
      db.prepare(
        `UPDATE event_types SET description = ?, archived = ?, deprecated = ?, schemas = ?, feature_flags = ?,
         group_name = ?, updated_at = ? WHERE name = ?`,
      ).run(...eventTypeParams(row));
    },
    async deleteEventType(name) {
      db.prepare("DELETE FROM event_types WHERE name = ?").run(name);
    },
  };
}
