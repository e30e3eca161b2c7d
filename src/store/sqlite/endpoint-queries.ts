import { keysetClause, toPage } from "../keyset.ts";
import type { EndpointQueries } from "../query-families.ts";
import { toEndpoint } from "../rows.ts";
import type { EndpointRow } from "../types.ts";
import type { SqliteDb } from "./database.ts";

const COLUMNS =
  "app_id, uid, url, description, disabled, event_types, channels, metadata, throttle_rate, headers, secrets_sealed, delivery_options, credentials_sealed, transformation, updated_at";

function endpointParams(row: EndpointRow) {
  return [
    row.appId,
    row.uid,
    row.url,
    row.description,
    row.disabled ? 1 : 0,
    row.eventTypes === null ? null : JSON.stringify(row.eventTypes),
    row.channels === null ? null : JSON.stringify(row.channels),
    JSON.stringify(row.metadata),
    row.throttleRate,
    JSON.stringify(row.headers),
    row.secretsSealed,
    JSON.stringify(row.delivery),
    row.credentialsSealed,
    row.transformation === null ? null : JSON.stringify(row.transformation),
    row.updatedAt,
  ];
}

export function endpointQueries(db: SqliteDb): EndpointQueries {
  return {
    async insertEndpoint(row) {
      db.prepare(
        `INSERT INTO endpoints (${COLUMNS}, id, created_at) VALUES (${COLUMNS.split(", ")
          .map(() => "?")
          .join(", ")}, ?, ?)`,
      ).run(...endpointParams(row), row.id, row.createdAt);
    },
    async getEndpoint(appId, idOrUid) {
      const r = db
        .prepare("SELECT * FROM endpoints WHERE app_id = ? AND (id = ? OR uid = ?)")
        .get(appId, idOrUid, idOrUid);
      return r ? toEndpoint(r) : null;
    },
    async listEndpoints(appId, page) {
      const k = keysetClause("id", page);
      const rows = db
        .prepare(`SELECT * FROM endpoints WHERE app_id = ? AND ${k.where} ORDER BY ${k.orderBy} LIMIT ?`)
        .all(appId, ...k.params, page.limit + 1);
      return toPage(rows.map(toEndpoint), page);
    },
    async listEnabledEndpoints(appId) {
      return db
        .prepare("SELECT * FROM endpoints WHERE app_id = ? AND disabled = 0")
        .all(appId)
        .map(toEndpoint);
    },
    async updateEndpoint(row) {
      const sets = COLUMNS.split(", ")
        .map((column) => `${column} = ?`)
        .join(", ");
      db.prepare(`UPDATE endpoints SET ${sets} WHERE id = ?`).run(...endpointParams(row), row.id);
    },
    async resetEndpointHealth(id) {
      db.prepare(
        "UPDATE endpoints SET failing_since = NULL, consecutive_failures = 0, circuit_open_until = NULL WHERE id = ?",
      ).run(id);
    },
    async deleteEndpoint(appId, id) {
      db.prepare("DELETE FROM endpoints WHERE app_id = ? AND id = ?").run(appId, id);
    },
  };
}
