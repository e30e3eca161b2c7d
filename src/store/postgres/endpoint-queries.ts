import { toPage } from "../keyset.ts";
import type { EndpointQueries } from "../query-families.ts";
import { toEndpoint } from "../rows.ts";
import type { EndpointRow } from "../types.ts";
import type { Sql } from "./database.ts";
import { keyset } from "./keyset.ts";

/** The endpoint's settings as columns; its health columns are written only by delivery outcomes. */
function settings(row: EndpointRow) {
  return {
    app_id: row.appId,
    uid: row.uid,
    url: row.url,
    description: row.description,
    disabled: row.disabled,
    event_types: row.eventTypes === null ? null : JSON.stringify(row.eventTypes),
    channels: row.channels === null ? null : JSON.stringify(row.channels),
    metadata: JSON.stringify(row.metadata),
    throttle_rate: row.throttleRate,
    headers: JSON.stringify(row.headers),
    secrets_sealed: row.secretsSealed,
    delivery_options: JSON.stringify(row.delivery),
    credentials_sealed: row.credentialsSealed,
    transformation: row.transformation === null ? null : JSON.stringify(row.transformation),
    updated_at: row.updatedAt,
  };
}

export function endpointQueries(sql: Sql): EndpointQueries {
  return {
    async insertEndpoint(row) {
      await sql`INSERT INTO endpoints ${sql({ ...settings(row), id: row.id, created_at: row.createdAt })}`;
    },
    async getEndpoint(appId, idOrUid) {
      const [r] =
        await sql`SELECT * FROM endpoints WHERE app_id = ${appId} AND (id = ${idOrUid} OR uid = ${idOrUid})
        LIMIT 1`;
      return r ? toEndpoint(r) : null;
    },
    async listEndpoints(appId, page) {
      const k = keyset(sql, "id", page);
      const rows = await sql`SELECT * FROM endpoints WHERE app_id = ${appId} AND ${k.where}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toEndpoint), page);
    },
    async listEnabledEndpoints(appId) {
      const rows = await sql`SELECT * FROM endpoints WHERE app_id = ${appId} AND NOT disabled`;
      return rows.map(toEndpoint);
    },
    async updateEndpoint(row) {
      await sql`UPDATE endpoints SET ${sql(settings(row))} WHERE id = ${row.id}`;
    },
    async resetEndpointHealth(id) {
      await sql`UPDATE endpoints SET failing_since = NULL, consecutive_failures = 0, circuit_open_until = NULL
        WHERE id = ${id}`;
    },
    async deleteEndpoint(appId, id) {
      await sql`DELETE FROM endpoints WHERE app_id = ${appId} AND id = ${id}`;
    },
  };
}
