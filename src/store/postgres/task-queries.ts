import { toPage } from "../keyset.ts";
import type { TaskQueries } from "../query-families.ts";
import { numOrNull, toMessage, toTask } from "../rows.ts";
import type { MessageStatus } from "../types.ts";
import type { Sql } from "./database.ts";
import { keyset } from "./keyset.ts";

/** Background tasks and the message walk that replay-missing makes. */
export function taskQueries(sql: Sql): TaskQueries {
  return {
    async insertBackgroundTask(row) {
      await sql`INSERT INTO background_tasks (id, app_id, endpoint_id, task, status, params, data, cursor, created_at,
          updated_at)
        VALUES (${row.id}, ${row.appId}, ${row.endpointId}, ${row.task}, ${row.status}, ${JSON.stringify(row.params)},
          ${JSON.stringify(row.data)}, ${row.cursor}, ${row.createdAt}, ${row.updatedAt})`;
    },
    async getBackgroundTask(id) {
      const [r] = await sql`SELECT * FROM background_tasks WHERE id = ${id}`;
      return r ? toTask(r) : null;
    },
    async listBackgroundTasks(filter, page) {
      const status = filter.status === undefined ? sql`TRUE` : sql`status = ${filter.status}`;
      const task = filter.task === undefined ? sql`TRUE` : sql`task = ${filter.task}`;
      const k = keyset(sql, "id", page);
      const rows = await sql`SELECT * FROM background_tasks WHERE ${status} AND ${task} AND ${k.where}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toTask), page);
    },
    async updateBackgroundTask(row) {
      await sql`UPDATE background_tasks SET status = ${row.status}, data = ${JSON.stringify(row.data)},
        cursor = ${row.cursor}, updated_at = ${row.updatedAt} WHERE id = ${row.id}`;
    },
    async listReplayCandidates(appId, endpointId, { since, until, afterId }, limit) {
      const rows = await sql`SELECT m.*, d.status AS d_status FROM messages m
        LEFT JOIN deliveries d ON d.msg_id = m.id AND d.endpoint_id = ${endpointId}
        WHERE m.app_id = ${appId} AND m.created_at >= ${since} AND m.created_at < ${until} AND m.id > ${afterId ?? ""}
        ORDER BY m.id ASC LIMIT ${limit}`;
      return rows.map((r) => ({
        message: toMessage(r),
        status: numOrNull(r.d_status) as MessageStatus | null,
      }));
    },
  };
}
